import { Injectable, Module } from '@nestjs/common';

/** One framed paragraph for the operator, e.g. the first-run admin key. */
export interface StartupNotice {
  /** Lines of text; an empty string is a blank line inside the frame. */
  lines: string[];
}

/**
 * What the operator must read once a start is over (the first-run admin key; later a console's
 * set-up link). Providers add notices while the application starts; main.ts prints them last,
 * in one frame, where they do not scroll away behind the start-up log.
 */
@Injectable()
export class StartupNotices {
  private notices: StartupNotice[] = [];

  add(notice: StartupNotice): void {
    this.notices.push(notice);
  }

  /** The notices added so far, each returned once. */
  take(): StartupNotice[] {
    const taken = this.notices;
    this.notices = [];
    return taken;
  }
}

@Module({ providers: [StartupNotices], exports: [StartupNotices] })
export class StartupNoticesModule {}

const RULE = '─'.repeat(76);

/** The notices in one frame, separated by a blank line, for a terminal or a log viewer. */
export function frameNotices(notices: StartupNotice[]): string {
  if (!notices.length) return '';
  const body = notices.flatMap((n, i) => (i ? ['', ...n.lines] : n.lines));
  return [
    '',
    `  ┌${RULE}`,
    '  │',
    ...body.map((line) => (line ? `  │ ${line}` : '  │')),
    '  │',
    `  └${RULE}`,
    '',
  ].join('\n');
}
