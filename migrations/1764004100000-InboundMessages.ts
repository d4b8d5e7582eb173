import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Inbound mail: each message the SMTP listener or the IMAP poller handled, once per message key
 * (`<kind>:msgid:<Message-ID>`, or a hash of the message without one), so the same message read
 * twice changes nothing the second time. Nothing of the message itself is kept.
 */
export class InboundMessages1764004100000 implements MigrationInterface {
  name = 'InboundMessages1764004100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inbound_messages (
        id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        message_key    text NOT NULL,
        via            text NOT NULL CHECK (via IN ('smtp', 'imap')),
        -- unsubscribe: a mailto: List-Unsubscribe request; report: a bounce, complaint or other mail
        -- to the bounce address.
        kind           text NOT NULL CHECK (kind IN ('unsubscribe', 'report')),
        outcome        text NOT NULL,
        subscriber_id  uuid,
        report_id      uuid,
        received_at    timestamptz NOT NULL,
        CONSTRAINT inbound_messages_message_key_key UNIQUE (message_key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE inbound_messages`);
  }
}
