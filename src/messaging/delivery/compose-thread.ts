/**
 * A compose thread (see compose-threads.ts): renders drafts with the templates the main thread
 * loaded and builds each email's MIME. It loads no Nest, no MJML and no database driver.
 */
import { workerData } from 'piscina';
import { CompiledTemplate, TemplateSnapshot } from '../rendering/compiled-template';
import { createHandlebars } from '../rendering/handlebars-env';
import { completeMail, MailDraft } from './mail-draft';
import { buildMessage } from './mime';

export interface ComposeThreadData {
  templates: TemplateSnapshot[];
}

/** A built message, or why it could not be built here (the main thread explains it). */
export type ComposeOutcome =
  | { raw: Uint8Array; envelope: { from: string; to: string[] }; messageId: string }
  | { error: string };

const hb = createHandlebars();
const templates = new Map(
  (workerData as ComposeThreadData).templates.map((s) => [
    s.key,
    CompiledTemplate.fromSnapshot(hb, s),
  ]),
);

export default function compose(drafts: MailDraft[]): ComposeOutcome[] {
  return drafts.map((draft) => {
    try {
      const template = templates.get(draft.template);
      if (!template) return { error: `no template "${draft.template}" in the compose thread` };
      return buildMessage(completeMail(draft, template.render(draft.locale, draft.data)));
    } catch (err) {
      return { error: (err as Error).message };
    }
  });
}
