import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The lifecycle engine: rules, their scan positions, ingested events, cooldowns, attribute
 * trigger states, missed promises and the queue of subscribers whose data changed. Plus the SQL
 * helpers the set-based scans use to place a notice in the subscriber's local send window.
 * See docs/lifecycle.md for what each table means to reports.
 */
export class Lifecycle1764000600000 implements MigrationInterface {
  name = 'Lifecycle1764000600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE lifecycle_rules (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key              text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
        name             text NOT NULL,
        description      text NOT NULL DEFAULT '',
        topic_id         uuid NOT NULL REFERENCES topics (id),
        template         text NOT NULL,
        apology_template text,
        trigger_type     text NOT NULL CHECK (trigger_type IN ('confirmed', 'date', 'event', 'attribute')),
        date_name        text CHECK (date_name ~ '^[a-z][a-z0-9_]{0,62}$'),
        event_type       text,
        condition        jsonb,
        -- Days from the anchor (the date, the confirmation, the event, the moment a condition
        -- became true) to the send day; negative means before the date.
        offset_days      integer NOT NULL DEFAULT 0,
        -- Days from the same anchor to the last day the notice may reach the subscriber.
        deadline_days    integer,
        cooldown_days    integer NOT NULL DEFAULT 0 CHECK (cooldown_days >= 0),
        window_start     time NOT NULL DEFAULT '09:00',
        window_end       time NOT NULL DEFAULT '17:00',
        -- Template data per locale: { "en": {...}, "nl": {...} }, with {placeholders}.
        content          jsonb NOT NULL CHECK (jsonb_typeof(content) = 'object'),
        apology_content  jsonb CHECK (apology_content IS NULL OR jsonb_typeof(apology_content) = 'object'),
        enabled          boolean NOT NULL DEFAULT true,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        deleted_at       timestamptz,
        CONSTRAINT lifecycle_rules_date_name CHECK ((trigger_type = 'date') = (date_name IS NOT NULL)),
        CONSTRAINT lifecycle_rules_event_type CHECK ((trigger_type = 'event') = (event_type IS NOT NULL)),
        CONSTRAINT lifecycle_rules_condition CHECK (trigger_type <> 'attribute' OR condition IS NOT NULL),
        CONSTRAINT lifecycle_rules_date_deadline CHECK (trigger_type <> 'date' OR deadline_days IS NOT NULL),
        CONSTRAINT lifecycle_rules_deadline_after_send CHECK (deadline_days IS NULL OR deadline_days >= offset_days),
        CONSTRAINT lifecycle_rules_window CHECK (window_start < window_end)
      )`);
    // A deleted rule keeps its row (ledger rows and missed promises point at it); its key is free again.
    await q.query(
      `CREATE UNIQUE INDEX lifecycle_rules_key_key ON lifecycle_rules (key) WHERE deleted_at IS NULL`,
    );

    // Where each rule's forward scan stands, and since when the rule has been making promises.
    await q.query(`
      CREATE TABLE lifecycle_rule_progress (
        rule_id      uuid PRIMARY KEY REFERENCES lifecycle_rules (id) ON DELETE CASCADE,
        active_since timestamptz NOT NULL,
        cursor_date  date,
        cursor_ts    timestamptz,
        cursor_id    uuid,
        initial_done boolean NOT NULL DEFAULT false,
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(
      `ALTER TABLE outbound_messages ADD COLUMN rule_id uuid REFERENCES lifecycle_rules (id)`,
    );
    await q.query(
      `CREATE INDEX outbound_messages_rule_idx ON outbound_messages (rule_id, status) WHERE rule_id IS NOT NULL`,
    );
    // The deadline sweep: notices not (yet) delivered, by deadline.
    await q.query(
      `CREATE INDEX outbound_messages_deadline_idx ON outbound_messages (deadline_at)
        WHERE rule_id IS NOT NULL AND status IN ('queued', 'failed')`,
    );
    // The confirmed-series scan walks confirmations in time order.
    await q.query(
      `CREATE INDEX subscribers_confirmed_idx ON subscribers (confirmed_at, id) WHERE confirmed_at IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE events (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        idempotency_key text NOT NULL CONSTRAINT events_idempotency_key_key UNIQUE,
        subscriber_id   uuid NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        type            text NOT NULL,
        data            jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(data) = 'object'),
        occurred_at     timestamptz NOT NULL,
        received_at     timestamptz NOT NULL,
        -- [{ rule, result, messageId? }]: what each matching rule did with the event.
        outcome         jsonb NOT NULL DEFAULT '[]'::jsonb
      )`);
    await q.query(`CREATE INDEX events_subscriber_idx ON events (subscriber_id, occurred_at)`);
    await q.query(`CREATE INDEX events_type_idx ON events (type, occurred_at)`);

    await q.query(`
      CREATE TABLE lifecycle_cooldowns (
        rule_id       uuid NOT NULL REFERENCES lifecycle_rules (id) ON DELETE CASCADE,
        subscriber_id uuid NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        last_fired_at timestamptz NOT NULL,
        PRIMARY KEY (rule_id, subscriber_id)
      )`);

    await q.query(`
      CREATE TABLE lifecycle_attribute_states (
        rule_id       uuid NOT NULL REFERENCES lifecycle_rules (id) ON DELETE CASCADE,
        subscriber_id uuid NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        is_true       boolean NOT NULL,
        -- How many times the condition became true; part of the notice's dedupe key.
        occurrence    integer NOT NULL DEFAULT 0,
        changed_at    timestamptz NOT NULL,
        PRIMARY KEY (rule_id, subscriber_id)
      )`);

    await q.query(`
      CREATE TABLE lifecycle_missed_promises (
        id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        rule_id            uuid NOT NULL REFERENCES lifecycle_rules (id),
        subscriber_id      uuid NOT NULL REFERENCES subscribers (id),
        message_id         uuid NOT NULL CONSTRAINT lifecycle_missed_promises_message_key UNIQUE
                           REFERENCES outbound_messages (id),
        anchor             text,
        deadline_at        timestamptz NOT NULL,
        detected_at        timestamptz NOT NULL,
        cause              text NOT NULL CHECK (cause IN ('failed', 'not_delivered', 'scheduled_late')),
        last_error         text,
        apology_message_id uuid REFERENCES outbound_messages (id),
        alerted_at         timestamptz
      )`);
    await q.query(
      `CREATE INDEX lifecycle_missed_promises_rule_idx ON lifecycle_missed_promises (rule_id, detected_at)`,
    );
    await q.query(
      `CREATE INDEX lifecycle_missed_promises_unalerted_idx ON lifecycle_missed_promises (id) WHERE alerted_at IS NULL`,
    );

    // Subscribers whose dates, attributes, status, time zone or subscriptions changed: the next
    // tick re-evaluates them (reschedule, cancel, late notices, attribute transitions). Filled by
    // triggers so every writer (API, imports, preference center) is covered. No foreign key: a
    // row may outlive its subscriber, and processing ignores unknown ids.
    await q.query(`
      CREATE TABLE lifecycle_recheck (
        subscriber_id uuid PRIMARY KEY,
        queued_at     timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE INDEX lifecycle_recheck_queued_idx ON lifecycle_recheck (queued_at)`);
    await q.query(`
      CREATE FUNCTION lifecycle_queue_recheck() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        target uuid;
      BEGIN
        IF TG_OP = 'DELETE' THEN target := OLD.subscriber_id; ELSE target := NEW.subscriber_id; END IF;
        INSERT INTO lifecycle_recheck (subscriber_id) VALUES (target)
        ON CONFLICT (subscriber_id) DO NOTHING;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE FUNCTION lifecycle_queue_recheck_subscriber() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO lifecycle_recheck (subscriber_id) VALUES (NEW.id)
        ON CONFLICT (subscriber_id) DO NOTHING;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER lifecycle_recheck_dates AFTER INSERT OR DELETE ON subscriber_dates
        FOR EACH ROW EXECUTE FUNCTION lifecycle_queue_recheck()`);
    await q.query(`
      CREATE TRIGGER lifecycle_recheck_dates_update AFTER UPDATE ON subscriber_dates
        FOR EACH ROW WHEN (OLD.value IS DISTINCT FROM NEW.value OR OLD.name IS DISTINCT FROM NEW.name)
        EXECUTE FUNCTION lifecycle_queue_recheck()`);
    await q.query(`
      CREATE TRIGGER lifecycle_recheck_subscribers_insert AFTER INSERT ON subscribers
        FOR EACH ROW WHEN (NEW.attributes <> '{}'::jsonb)
        EXECUTE FUNCTION lifecycle_queue_recheck_subscriber()`);
    await q.query(`
      CREATE TRIGGER lifecycle_recheck_subscribers_update AFTER UPDATE ON subscribers
        FOR EACH ROW WHEN (OLD.attributes IS DISTINCT FROM NEW.attributes
                        OR OLD.status IS DISTINCT FROM NEW.status
                        OR OLD.timezone IS DISTINCT FROM NEW.timezone
                        OR OLD.locale IS DISTINCT FROM NEW.locale)
        EXECUTE FUNCTION lifecycle_queue_recheck_subscriber()`);
    await q.query(`
      CREATE TRIGGER lifecycle_recheck_subscriptions AFTER INSERT ON subscriptions
        FOR EACH ROW WHEN (NEW.status = 'active')
        EXECUTE FUNCTION lifecycle_queue_recheck()`);
    // Only a change of status: delivery updates last_delivered_at on every send.
    await q.query(`
      CREATE TRIGGER lifecycle_recheck_subscriptions_update AFTER UPDATE OF status ON subscriptions
        FOR EACH ROW WHEN (NEW.status = 'active' AND OLD.status IS DISTINCT FROM NEW.status)
        EXECUTE FUNCTION lifecycle_queue_recheck()`);

    // The zone names PostgreSQL knows (refreshed at start-up, see TimeZones). Subscribers' zones
    // are validated by Node's Intl, whose list can differ slightly; a zone PostgreSQL does not
    // know would make a whole scan statement fail, so lifecycle_zone() turns it into UTC.
    await q.query(`CREATE TABLE lifecycle_time_zones (name text PRIMARY KEY)`);
    await q.query(
      `INSERT INTO lifecycle_time_zones (name) SELECT DISTINCT name FROM pg_timezone_names`,
    );
    await q.query(`
      CREATE FUNCTION lifecycle_zone(tz text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT COALESCE((SELECT name FROM lifecycle_time_zones WHERE name = tz), 'UTC') $$`);
    // A wall-clock time on a calendar day in an IANA zone, as an instant. PostgreSQL's time zone
    // database makes this DST-safe: 09:00 stays 09:00 local on both sides of a change.
    await q.query(`
      CREATE FUNCTION lifecycle_local_at(day date, at time, tz text) RETURNS timestamptz
        LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT (day + at) AT TIME ZONE tz $$`);
    // The first moment at or after t that lies inside the daily window [w_start, w_end) local.
    await q.query(`
      CREATE FUNCTION lifecycle_next_window(t timestamptz, tz text, w_start time, w_end time)
        RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT CASE
          WHEN (t AT TIME ZONE tz)::time < w_start THEN (((t AT TIME ZONE tz)::date) + w_start) AT TIME ZONE tz
          WHEN (t AT TIME ZONE tz)::time < w_end THEN t
          ELSE (((t AT TIME ZONE tz)::date + 1) + w_start) AT TIME ZONE tz
        END $$`);
    // "15 January 2027" / "15 januari 2027", as the templates' formatDate helper writes them.
    await q.query(`
      CREATE FUNCTION lifecycle_format_date(d date, locale text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT extract(day FROM d)::int || ' ' ||
               (CASE WHEN locale = 'nl'
                     THEN ARRAY['januari','februari','maart','april','mei','juni','juli','augustus',
                                'september','oktober','november','december']
                     ELSE ARRAY['January','February','March','April','May','June','July','August',
                                'September','October','November','December'] END)[extract(month FROM d)::int]
               || ' ' || extract(year FROM d)::int $$`);
    // Replaces {name} placeholders in every string of a JSON document with JSON-escaped values.
    await q.query(`
      CREATE FUNCTION lifecycle_fill(doc jsonb, vars jsonb) RETURNS jsonb
        LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
        DECLARE
          txt text := doc::text;
          k text;
          v text;
          esc text;
        BEGIN
          IF position('{' IN txt) = 0 THEN RETURN doc; END IF;
          FOR k, v IN SELECT key, value FROM jsonb_each_text(vars) LOOP
            esc := to_json(COALESCE(v, ''))::text;
            txt := replace(txt, '{' || k || '}', substr(esc, 2, length(esc) - 2));
          END LOOP;
          RETURN txt::jsonb;
        END $$`);
    // Top-level attributes as placeholders: {attributes.plan}.
    await q.query(`
      CREATE FUNCTION lifecycle_attribute_vars(attrs jsonb) RETURNS jsonb
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT COALESCE(jsonb_object_agg('attributes.' || key, value), '{}'::jsonb)
          FROM jsonb_each_text(attrs) $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION lifecycle_attribute_vars(jsonb)`);
    await q.query(`DROP FUNCTION lifecycle_fill(jsonb, jsonb)`);
    await q.query(`DROP FUNCTION lifecycle_format_date(date, text)`);
    await q.query(`DROP FUNCTION lifecycle_next_window(timestamptz, text, time, time)`);
    await q.query(`DROP FUNCTION lifecycle_local_at(date, time, text)`);
    await q.query(`DROP FUNCTION lifecycle_zone(text)`);
    await q.query(`DROP TABLE lifecycle_time_zones`);
    await q.query(`DROP TRIGGER lifecycle_recheck_subscriptions_update ON subscriptions`);
    await q.query(`DROP TRIGGER lifecycle_recheck_subscriptions ON subscriptions`);
    await q.query(`DROP TRIGGER lifecycle_recheck_subscribers_update ON subscribers`);
    await q.query(`DROP TRIGGER lifecycle_recheck_subscribers_insert ON subscribers`);
    await q.query(`DROP TRIGGER lifecycle_recheck_dates_update ON subscriber_dates`);
    await q.query(`DROP TRIGGER lifecycle_recheck_dates ON subscriber_dates`);
    await q.query(`DROP FUNCTION lifecycle_queue_recheck_subscriber()`);
    await q.query(`DROP FUNCTION lifecycle_queue_recheck()`);
    await q.query(`DROP TABLE lifecycle_recheck`);
    await q.query(`DROP TABLE lifecycle_missed_promises`);
    await q.query(`DROP TABLE lifecycle_attribute_states`);
    await q.query(`DROP TABLE lifecycle_cooldowns`);
    await q.query(`DROP TABLE events`);
    await q.query(`DROP INDEX subscribers_confirmed_idx`);
    await q.query(`DROP INDEX outbound_messages_deadline_idx`);
    await q.query(`DROP INDEX outbound_messages_rule_idx`);
    await q.query(`ALTER TABLE outbound_messages DROP COLUMN rule_id`);
    await q.query(`DROP TABLE lifecycle_rule_progress`);
    await q.query(`DROP TABLE lifecycle_rules`);
  }
}
