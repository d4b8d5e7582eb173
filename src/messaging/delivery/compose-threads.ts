import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { AppConfig } from '../../platform/config/configuration';
import { RenderingService } from '../rendering/rendering.service';
import { EMAIL_CHANNEL, RendersChannel } from './channels';
import type { ClaimedMessage } from './claimed-message';
import type { ComposeOutcome, ComposeThreadData } from './compose-thread';
import type { MailDraft } from './mail-draft';
import { MessageComposer } from './message-composer';
import { BuiltMessage, buildMessage } from './mime';
import type { PendingBuild, TemplateKind } from './template-kind';

/** Messages per task: small enough that the first of a batch is ready soon. */
const CHUNK = 8;

/**
 * Email's template kind (template-kind.ts): a message's email draft (MessageComposer.draft)
 * rendered from its MJML, subject and text, and MIME-encoded for email's transports.
 *
 * Renders and MIME-encodes outgoing email in worker threads (DELIVERY_COMPOSE_THREADS), so the
 * delivery worker's event loop is left to SMTP, the database and Redis. With everything on one
 * thread it was 85–90% busy at about 1,200 messages a second and every SMTP reply waited for
 * rendering in progress (bench:campaign, docs/campaigns.md). Links and their signed tokens are
 * made on the main thread (other modules contribute links); the threads get the templates as
 * loaded at start, and every version published later through a BroadcastChannel. A draft names
 * the version its message was claimed with; a thread that lacks it leaves it to this thread.
 */
@Injectable()
@RendersChannel(EMAIL_CHANNEL)
export class ComposeThreads implements TemplateKind<BuiltMessage>, OnApplicationShutdown {
  readonly channel = EMAIL_CHANNEL;
  private readonly logger = new Logger('ComposeThreads');
  private readonly threads: number;
  private pool: Piscina<MailDraft[], ComposeOutcome[]> | null = null;
  private published: BroadcastChannel | null = null;

  constructor(
    private readonly composer: MessageComposer,
    private readonly rendering: RenderingService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.threads = config.get('delivery', { infer: true }).composeThreads;
  }

  /** Starts the threads; only processes that deliver need them. */
  start(): void {
    if (this.pool || this.threads === 0) return;
    const channel = `tidings-templates-${randomUUID()}`;
    this.published = new BroadcastChannel(channel);
    this.rendering.onChange((changed) =>
      this.published?.postMessage(changed.map((t) => t.snapshot())),
    );
    // Under the test runner (and the benchmarks' TypeScript) the thread runs from source.
    const fromSource = __filename.endsWith('.ts');
    this.pool = new Piscina({
      filename: resolve(__dirname, fromSource ? 'compose-thread.ts' : 'compose-thread.js'),
      minThreads: this.threads,
      maxThreads: this.threads,
      execArgv: fromSource ? ['-r', '@swc-node/register'] : [],
      // Rendering allocates ~100 KB per email, all short-lived: a small young generation keeps
      // the thread's share of the worker's RSS at ~40 MB instead of ~75 MB (bench:campaign).
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
      workerData: { templates: this.rendering.snapshot(), channel } satisfies ComposeThreadData,
    });
    this.logger.log(`Rendering email in ${this.threads} worker thread(s)`);
  }

  /**
   * Starts building every message and returns, per message, its pending build. With threads,
   * each message is drafted here and rendered there, in chunks that all start now; without, a
   * message is built on this thread when its lane asks. A message a thread could not build is
   * built here, which throws the rendering error with the template's file and line.
   */
  build(messages: ClaimedMessage[]): PendingBuild<BuiltMessage>[] {
    const here = (m: ClaimedMessage) => async () => buildMessage(this.composer.compose(m));
    const pool = this.pool;
    if (!pool) return messages.map(here);
    const builds: PendingBuild<BuiltMessage>[] = [];
    for (let i = 0; i < messages.length; i += CHUNK) {
      const chunk = messages.slice(i, i + CHUNK);
      const drafts = chunk.map((m) => {
        try {
          return this.composer.draft(m);
        } catch {
          return null;
        }
      });
      const posted = drafts.filter((d): d is MailDraft => d !== null);
      const done = pool.run(posted).catch((err: unknown) => {
        this.logger.warn({ err }, 'A compose thread failed; rendering these on the main thread');
        return [] as ComposeOutcome[];
      });
      let index = 0;
      chunk.forEach((m, j) => {
        if (!drafts[j]) return builds.push(here(m));
        const at = index++;
        builds.push(async () => {
          const outcome = (await done)[at];
          if (!outcome || 'error' in outcome) return here(m)();
          const { raw } = outcome;
          return {
            raw: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength),
            envelope: outcome.envelope,
            messageId: outcome.messageId,
          };
        });
      });
    }
    return builds;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool?.destroy();
    this.pool = null;
    this.published?.close();
    this.published = null;
  }
}
