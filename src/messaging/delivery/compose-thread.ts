/**
 * A compose thread (see compose-threads.ts): renders drafts with the templates the main thread
 * loaded and builds each email's MIME. It loads no Nest, no MJML and no database driver.
 */
import { BroadcastChannel } from 'node:worker_threads';
import { workerData } from 'piscina';
import { CompiledTemplate, TemplateSnapshot } from '../rendering/compiled-template';
import { createHandlebars } from '../rendering/handlebars-env';
import { completeMail, MailDraft } from './mail-draft';
import { buildMessage } from './mime';

export interface ComposeThreadData {
  templates: TemplateSnapshot[];
  /** Where the main thread posts versions published after start (TemplateSnapshot[]). */
  channel: string;
}

/** A built message, or why it could not be built here (the main thread explains it). */
export type ComposeOutcome =
  | { raw: Uint8Array; envelope: { from: string; to: string[] }; messageId: string }
  | { error: string };

const hb = createHandlebars();
/** Compiled templates by `key@version`: the newest few of each key. */
const templates = new Map<string, CompiledTemplate>();
const KEPT_PER_KEY = 4;

function add(snapshots: TemplateSnapshot[]): void {
  for (const s of snapshots) {
    templates.set(`${s.key}@${s.version}`, CompiledTemplate.fromSnapshot(hb, s));
    const mine = [...templates.keys()].filter((k) => k.startsWith(`${s.key}@`));
    for (const old of mine.slice(0, Math.max(0, mine.length - KEPT_PER_KEY))) templates.delete(old);
  }
}

const data = workerData as ComposeThreadData;
add(data.templates);
const published = new BroadcastChannel(data.channel);
published.onmessage = (event) => add((event as unknown as { data: TemplateSnapshot[] }).data);
published.unref();

export default function compose(drafts: MailDraft[]): ComposeOutcome[] {
  return drafts.map((draft) => {
    try {
      // Exactly the version the message was claimed with; one this thread lacks is rendered on
      // the main thread, which has it.
      const template = templates.get(`${draft.template}@${draft.version}`);
      if (!template)
        return { error: `no ${draft.template} v${draft.version} in the compose thread` };
      return buildMessage(completeMail(draft, template.render(draft.locale, draft.data)));
    } catch (err) {
      return { error: (err as Error).message };
    }
  });
}
