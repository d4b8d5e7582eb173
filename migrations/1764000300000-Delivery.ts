import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The send ledger (one row per intended email, unique dedupe key) and double opt-in requests.
 */
export class Delivery1764000300000 implements MigrationInterface {
  name = 'Delivery1764000300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbound_messages (
        id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        dedupe_key          text NOT NULL CONSTRAINT outbound_messages_dedupe_key_key UNIQUE,
        subscriber_id       uuid NOT NULL REFERENCES subscribers (id),
        topic_id            uuid REFERENCES topics (id),
        template            text NOT NULL,
        kind                text NOT NULL CHECK (kind IN ('transactional', 'notice', 'editorial', 'promotional')),
        status              text NOT NULL DEFAULT 'queued'
                            CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'skipped', 'suppressed')),
        skip_reason         text,
        -- Template data fixed when the send was decided (ids and facts, never the address).
        data                jsonb NOT NULL DEFAULT '{}'::jsonb,
        attempts            integer NOT NULL DEFAULT 0,
        last_error          text,
        provider_message_id text,
        -- Not before this time (scheduled sends, retry backoff).
        send_after          timestamptz NOT NULL DEFAULT now(),
        -- The promise: a notice must be delivered by then.
        deadline_at         timestamptz,
        enqueued_at         timestamptz,
        claimed_at          timestamptz,
        sent_at             timestamptz,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT outbound_messages_skip_reason CHECK ((status = 'skipped') = (skip_reason IS NOT NULL))
      )`);
    // The dispatcher's scan: queued rows that are due.
    await q.query(
      `CREATE INDEX outbound_messages_due_idx ON outbound_messages (send_after) WHERE status = 'queued'`,
    );
    // Lost claims (a worker died mid-send).
    await q.query(
      `CREATE INDEX outbound_messages_sending_idx ON outbound_messages (claimed_at) WHERE status = 'sending'`,
    );
    await q.query(
      `CREATE INDEX outbound_messages_subscriber_idx ON outbound_messages (subscriber_id, created_at)`,
    );
    await q.query(
      `CREATE INDEX outbound_messages_created_id_idx ON outbound_messages (created_at, id)`,
    );

    await q.query(`
      CREATE TABLE signup_requests (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subscriber_id   uuid NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        -- [{ "topicId": uuid, "frequency": text }] as chosen on the form
        topics          jsonb NOT NULL CHECK (jsonb_typeof(topics) = 'array'),
        wording         text NOT NULL,
        wording_version text NOT NULL,
        source          text NOT NULL DEFAULT 'form' CHECK (source IN ('form', 'api')),
        created_at      timestamptz NOT NULL DEFAULT now(),
        last_sent_at    timestamptz,
        confirmed_at    timestamptz
      )`);
    await q.query(
      `CREATE INDEX signup_requests_subscriber_idx ON signup_requests (subscriber_id, created_at DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE signup_requests`);
    await q.query(`DROP TABLE outbound_messages`);
  }
}
