import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Topic content, campaigns, digests and the silence watchdog.
 *
 * - `content_items`: what marketers publish into a topic (sanitised HTML, a text version, locale
 *   variants). `first_sent_at` freezes an item once its first copy is being sent.
 * - `campaigns`: a one-off send to a topic's audience, fanned out in batches (`fanout_cursor`).
 * - `outbound_messages` learns which campaign and which content items a message carries: "who
 *   received which item" is derived from the ledger, so no item reaches anyone twice.
 * - `tidings_next_slot()`: the frequency rule in SQL (the same as `slotAfter()` in
 *   src/audience/topics/frequency.ts): after a message on local date D, the next may go from D + period at
 *   the send hour.
 * - a trigger keeps a subscription's next slot in step when its frequency changes, whoever changes it.
 */
export class Campaigns1764000800000 implements MigrationInterface {
  name = 'Campaigns1764000800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION tidings_period(frequency text) RETURNS interval
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT CASE frequency
                 WHEN 'weekly' THEN interval '7 days'
                 WHEN 'biweekly' THEN interval '14 days'
                 WHEN 'monthly' THEN interval '1 month'
                 WHEN 'quarterly' THEN interval '3 months'
               END
      $$`);
    // Local calendar arithmetic: months stay months and the send hour stays the wall-clock hour across DST.
    await q.query(`
      CREATE FUNCTION tidings_next_slot(at timestamptz, frequency text, tz text, send_hour integer)
        RETURNS timestamptz LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
        SELECT (date_trunc('day', at AT TIME ZONE tz) + tidings_period(frequency)
                + make_interval(hours => send_hour)) AT TIME ZONE tz
      $$`);

    await q.query(`
      CREATE TABLE content_items (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        topic_id      uuid NOT NULL REFERENCES topics (id),
        kind          text NOT NULL CHECK (kind IN ('editorial', 'promotional')),
        locale        text NOT NULL DEFAULT 'en' CHECK (locale IN ('nl', 'en')),
        title         text NOT NULL,
        summary       text NOT NULL DEFAULT '',
        body_format   text NOT NULL DEFAULT 'html' CHECK (body_format IN ('html', 'markdown')),
        -- As the marketer wrote it; body_html is its sanitised rendering, body_text the plain-text part.
        body_source   text NOT NULL DEFAULT '',
        body_html     text NOT NULL DEFAULT '',
        body_text     text NOT NULL DEFAULT '',
        link          text,
        -- Other locales: { "nl": { title, summary, bodySource, bodyHtml, bodyText, link } }
        variants      jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(variants) = 'object'),
        -- Part of every subscriber's digests; false: only reaches people through a campaign.
        in_digests    boolean NOT NULL DEFAULT true,
        published_at  timestamptz NOT NULL,
        expires_at    timestamptz,
        withdrawn_at  timestamptz,
        first_sent_at timestamptz,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT content_items_expiry_after_publish CHECK (expires_at IS NULL OR expires_at > published_at)
      )`);
    await q.query(
      `CREATE INDEX content_items_topic_published_idx ON content_items (topic_id, published_at) WHERE withdrawn_at IS NULL`,
    );
    await q.query(`CREATE INDEX content_items_created_id_idx ON content_items (created_at, id)`);

    await q.query(`
      CREATE TABLE campaigns (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        idempotency_key  text CONSTRAINT campaigns_idempotency_key_key UNIQUE,
        -- Hash of the creating request: a replay with the same key must ask for the same thing.
        request_hash     text NOT NULL,
        name             text NOT NULL,
        topic_id         uuid NOT NULL REFERENCES topics (id),
        content_item_id  uuid REFERENCES content_items (id),
        template         text NOT NULL,
        data             jsonb NOT NULL DEFAULT '{}'::jsonb,
        kind             text NOT NULL CHECK (kind IN ('editorial', 'promotional')),
        segment          jsonb NOT NULL DEFAULT '{}'::jsonb,
        status           text NOT NULL CHECK (status IN ('scheduled', 'running', 'sent', 'cancelled')),
        send_at          timestamptz NOT NULL,
        audience_size    integer,
        fanned_out       integer NOT NULL DEFAULT 0,
        fanout_cursor    uuid,
        heartbeat_at     timestamptz,
        started_at       timestamptz,
        finished_at      timestamptz,
        cancelled_at     timestamptz,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX campaigns_open_idx ON campaigns (send_at) WHERE status IN ('scheduled', 'running')`,
    );
    await q.query(`CREATE INDEX campaigns_created_id_idx ON campaigns (created_at, id)`);

    await q.query(`
      ALTER TABLE outbound_messages
        ADD COLUMN campaign_id uuid REFERENCES campaigns (id),
        ADD COLUMN content_item_ids uuid[]`);
    await q.query(
      `CREATE INDEX outbound_messages_campaign_idx ON outbound_messages (campaign_id) WHERE campaign_id IS NOT NULL`,
    );

    // A frequency change moves the next slot by the difference of the periods (a subscriber going
    // from quarterly to weekly hears from us within a week, not three months later). Done here so
    // every path that changes a frequency (API, preference center, imports) gets it.
    await q.query(`
      CREATE FUNCTION subscriptions_shift_next_slot() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        tz text;
      BEGIN
        IF NEW.frequency IS DISTINCT FROM OLD.frequency AND NEW.next_due_at IS NOT NULL
           AND NEW.next_due_at IS NOT DISTINCT FROM OLD.next_due_at THEN
          SELECT timezone INTO tz FROM subscribers WHERE id = NEW.subscriber_id;
          NEW.next_due_at := ((OLD.next_due_at AT TIME ZONE coalesce(tz, 'UTC'))
                              - tidings_period(OLD.frequency) + tidings_period(NEW.frequency))
                             AT TIME ZONE coalesce(tz, 'UTC');
        END IF;
        RETURN NEW;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER subscriptions_shift_next_slot
        BEFORE UPDATE OF frequency ON subscriptions
        FOR EACH ROW EXECUTE FUNCTION subscriptions_shift_next_slot()`);

    // One row per UTC day the watchdog reported, with what it found.
    await q.query(`
      CREATE TABLE silence_reports (
        day         date PRIMARY KEY,
        created_at  timestamptz NOT NULL DEFAULT now(),
        report      jsonb NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE silence_reports`);
    await q.query(`DROP TRIGGER subscriptions_shift_next_slot ON subscriptions`);
    await q.query(`DROP FUNCTION subscriptions_shift_next_slot()`);
    await q.query(`DROP INDEX outbound_messages_campaign_idx`);
    await q.query(
      `ALTER TABLE outbound_messages DROP COLUMN content_item_ids, DROP COLUMN campaign_id`,
    );
    await q.query(`DROP TABLE campaigns`);
    await q.query(`DROP TABLE content_items`);
    await q.query(`DROP FUNCTION tidings_next_slot(timestamptz, text, text, integer)`);
    await q.query(`DROP FUNCTION tidings_period(text)`);
  }
}
