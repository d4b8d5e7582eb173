import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Trust measures: "was this useful?" votes, bounce and complaint reports received by webhook (one
 * row per report for idempotency, one signal per recipient), and the indexes the reports need on
 * the ledger and the consent log.
 */
export class TrustMeasures1764000700000 implements MigrationInterface {
  name = 'TrustMeasures1764000700000';

  async up(q: QueryRunner): Promise<void> {
    // One vote per message; topic and template are copied from the ledger when the vote is cast
    // so per-topic and per-template figures need no join. Rule and campaign come from the ledger
    // at query time.
    await q.query(`
      CREATE TABLE feedback_votes (
        message_id     uuid PRIMARY KEY REFERENCES outbound_messages (id) ON DELETE CASCADE,
        subscriber_id  uuid NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        topic_id       uuid REFERENCES topics (id),
        template       text NOT NULL,
        helpful        boolean NOT NULL,
        comment        text CHECK (char_length(comment) <= 2000),
        changes        integer NOT NULL DEFAULT 0,
        created_at     timestamptz NOT NULL,
        updated_at     timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX feedback_votes_topic_idx ON feedback_votes (topic_id, helpful)`);
    await q.query(`CREATE INDEX feedback_votes_subscriber_idx ON feedback_votes (subscriber_id)`);

    // A replayed report finds its (endpoint, report_key) and changes nothing.
    await q.query(`
      CREATE TABLE webhook_reports (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        endpoint     text NOT NULL CHECK (endpoint IN ('bounces', 'complaints')),
        report_key   text NOT NULL,
        format       text NOT NULL CHECK (format IN ('dsn', 'arf', 'email', 'json')),
        received_at  timestamptz NOT NULL,
        result       jsonb NOT NULL DEFAULT '{}'::jsonb,
        CONSTRAINT webhook_reports_endpoint_report_key_key UNIQUE (endpoint, report_key)
      )`);

    // What a report said about one recipient. The address is kept only as the suppression hash;
    // diagnostics are stored with addresses masked.
    await q.query(`
      CREATE TABLE delivery_signals (
        id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        report_id      uuid NOT NULL REFERENCES webhook_reports (id) ON DELETE CASCADE,
        type           text NOT NULL
                       CHECK (type IN ('hard_bounce', 'soft_bounce', 'delayed', 'auto_reply', 'complaint', 'other')),
        outcome        text NOT NULL
                       CHECK (outcome IN ('suppressed', 'counted', 'recorded', 'ignored', 'unsubscribed', 'unmatched')),
        -- 'message': the report named one of our Message-IDs; 'recipient': matched by address.
        matched_by     text NOT NULL CHECK (matched_by IN ('message', 'recipient', 'none')),
        message_id     uuid REFERENCES outbound_messages (id) ON DELETE SET NULL,
        subscriber_id  uuid REFERENCES subscribers (id) ON DELETE SET NULL,
        address_hash   text,
        status_code    text,
        action         text,
        diagnostic     text,
        occurred_at    timestamptz NOT NULL
      )`);
    // Soft bounces of one address within the window.
    await q.query(
      `CREATE INDEX delivery_signals_address_idx ON delivery_signals (address_hash, type, occurred_at)`,
    );
    await q.query(
      `CREATE INDEX delivery_signals_message_idx ON delivery_signals (message_id) WHERE message_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX delivery_signals_occurred_idx ON delivery_signals (occurred_at, type)`,
    );
    await q.query(
      `CREATE INDEX delivery_signals_subscriber_idx ON delivery_signals (subscriber_id) WHERE subscriber_id IS NOT NULL`,
    );

    // Reports: sends in a period, the last send before an opt-out, decisions in a period.
    await q.query(
      `CREATE INDEX outbound_messages_report_sent_idx ON outbound_messages (sent_at) WHERE status = 'sent'`,
    );
    await q.query(
      `CREATE INDEX outbound_messages_report_subscriber_sent_idx ON outbound_messages (subscriber_id, sent_at) WHERE status = 'sent'`,
    );
    await q.query(
      `CREATE INDEX outbound_messages_report_decided_idx ON outbound_messages (updated_at)
        WHERE status IN ('skipped', 'suppressed', 'failed')`,
    );
    await q.query(
      `CREATE INDEX consent_events_report_opt_out_idx ON consent_events (occurred_at) WHERE action = 'opt_out'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX consent_events_report_opt_out_idx`);
    await q.query(`DROP INDEX outbound_messages_report_decided_idx`);
    await q.query(`DROP INDEX outbound_messages_report_subscriber_sent_idx`);
    await q.query(`DROP INDEX outbound_messages_report_sent_idx`);
    await q.query(`DROP TABLE delivery_signals`);
    await q.query(`DROP TABLE webhook_reports`);
    await q.query(`DROP TABLE feedback_votes`);
  }
}
