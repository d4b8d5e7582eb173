import { LedgerService } from '../../src/messaging/delivery/ledger.service';
import { createSubscriber, uniqueEmail } from '../factories';
import type { SmtpSink } from './smtp-sink';
import type { TestApp } from './test-app';

/**
 * A new subscriber of the topic who received one marketing email, with that email's
 * List-Unsubscribe `mailto:` (address and subject), as a mail client would use it.
 */
export async function mailedSubscriber(
  t: TestApp,
  sink: SmtpSink,
  topic: { id: string; key: string },
  tag: string,
) {
  const s = await createSubscriber(t, {
    email: uniqueEmail(tag),
    topics: [{ topic: topic.key }],
  });
  const [messageId] = await t.app.get(LedgerService).send([
    {
      dedupeKey: `test:${tag}:${s.id}`,
      subscriberId: s.id,
      topicId: topic.id,
      template: 'welcome',
      kind: 'editorial',
      data: { topics: [] },
    },
  ]);
  const mail = await sink.waitFor((m) => m.to.includes(s.email));
  const header = mail.header('List-Unsubscribe') ?? '';
  const mailto = new URL(/<(mailto:[^>]+)>/.exec(header)![1]);
  return {
    ...s,
    messageId,
    mailto: { to: mailto.pathname, subject: mailto.searchParams.get('subject')! },
  };
}
