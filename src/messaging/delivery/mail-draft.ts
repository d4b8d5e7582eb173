import type { RenderedEmail } from '../rendering/compiled-template';
import { headerSafe, OutgoingMail } from './outgoing-mail';
import type { Locale } from '../../platform/locale';

/**
 * A message decided and addressed but not yet rendered: the template, its data (links with
 * signed tokens included) and every header except the subject. Plain data, so rendering and
 * MIME encoding can happen in a worker thread (compose-threads.ts).
 */
export interface MailDraft {
  template: string;
  /** The published version to render it with, entirely (null: the current one). */
  version: number | null;
  locale: Locale;
  data: Record<string, unknown>;
  mail: Omit<OutgoingMail, 'subject' | 'html' | 'text'>;
}

export function completeMail(draft: MailDraft, rendered: RenderedEmail): OutgoingMail {
  return {
    ...draft.mail,
    subject: headerSafe(rendered.subject),
    html: rendered.html,
    text: rendered.text,
  };
}
