import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The foundation schema: API keys, topics, subscribers with their dated attributes,
 * subscriptions, the append-only consent log and the suppression list.
 * Enumerations are CHECK constraints (not enum types) so later migrations can widen them
 * inside a transaction.
 */
export class Foundation1764000000000 implements MigrationInterface {
  name = 'Foundation1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name          text NOT NULL,
        prefix        text NOT NULL UNIQUE,
        secret_hash   text NOT NULL,
        scopes        text[] NOT NULL CHECK (cardinality(scopes) > 0),
        created_at    timestamptz NOT NULL DEFAULT now(),
        last_used_at  timestamptz,
        revoked_at    timestamptz
      )`);

    await q.query(`
      CREATE TABLE topics (
        id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key                 text NOT NULL UNIQUE CHECK (key ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
        name                text NOT NULL,
        description         text NOT NULL DEFAULT '',
        kind                text NOT NULL CHECK (kind IN ('editorial', 'notice', 'promotional')),
        allowed_frequencies text[] NOT NULL
                            CHECK (cardinality(allowed_frequencies) > 0
                               AND allowed_frequencies <@ ARRAY['weekly', 'biweekly', 'monthly', 'quarterly']),
        default_frequency   text NOT NULL,
        prospects_allowed   boolean NOT NULL DEFAULT true,
        is_public           boolean NOT NULL DEFAULT true,
        evergreen_template  text,
        archived_at         timestamptz,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT topics_default_frequency_allowed CHECK (default_frequency = ANY (allowed_frequencies))
      )`);

    await q.query(`
      CREATE TABLE subscribers (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email         text UNIQUE CHECK (email = lower(btrim(email))),
        name          text,
        locale        text NOT NULL DEFAULT 'en' CHECK (locale IN ('nl', 'en')),
        timezone      text NOT NULL DEFAULT 'UTC',
        status        text NOT NULL DEFAULT 'active'
                      CHECK (status IN ('pending', 'active', 'unsubscribed', 'bounced', 'complained', 'erased')),
        is_customer   boolean NOT NULL DEFAULT false,
        attributes    jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(attributes) = 'object'),
        paused_until  timestamptz,
        confirmed_at  timestamptz,
        erased_at     timestamptz,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT subscribers_erased_has_no_email CHECK (status <> 'erased' OR email IS NULL)
      )`);
    // Keyset pagination: (created_at, id), alone and per status.
    await q.query(`CREATE INDEX subscribers_created_id_idx ON subscribers (created_at, id)`);
    await q.query(
      `CREATE INDEX subscribers_status_created_id_idx ON subscribers (status, created_at, id)`,
    );

    await q.query(`
      CREATE TABLE subscriber_dates (
        subscriber_id uuid NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        name          text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
        value         date NOT NULL,
        PRIMARY KEY (subscriber_id, name)
      )`);
    // "Who has renewal_date between X and Y" is a range scan on this index.
    await q.query(
      `CREATE INDEX subscriber_dates_name_value_idx ON subscriber_dates (name, value, subscriber_id)`,
    );

    await q.query(`
      CREATE TABLE subscriptions (
        id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subscriber_id     uuid NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        topic_id          uuid NOT NULL REFERENCES topics (id),
        status            text NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed')),
        frequency         text NOT NULL CHECK (frequency IN ('weekly', 'biweekly', 'monthly', 'quarterly')),
        last_delivered_at timestamptz,
        next_due_at       timestamptz,
        unsubscribed_at   timestamptz,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT subscriptions_subscriber_topic_key UNIQUE (subscriber_id, topic_id)
      )`);
    await q.query(
      `CREATE INDEX subscriptions_topic_status_idx ON subscriptions (topic_id, status, subscriber_id)`,
    );
    await q.query(
      `CREATE INDEX subscriptions_next_due_idx ON subscriptions (next_due_at) WHERE status = 'active'`,
    );

    await q.query(`
      CREATE TABLE consent_events (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        subscriber_id   uuid NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        action          text NOT NULL CHECK (action IN ('opt_in', 'confirm', 'opt_out', 'frequency_change',
                                                        'data_use_grant', 'data_use_withdrawal', 'pause', 'resume')),
        topic_id        uuid REFERENCES topics (id),
        wording         text NOT NULL,
        wording_version text NOT NULL,
        source          text NOT NULL CHECK (source IN ('form', 'api', 'import', 'preference_center', 'one_click', 'system')),
        details         jsonb NOT NULL DEFAULT '{}'::jsonb,
        occurred_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX consent_events_subscriber_idx ON consent_events (subscriber_id, id)`,
    );
    // Append-only: no UPDATE ever; DELETE only inside an erasure, which sets tidings.erasure.
    await q.query(`
      CREATE FUNCTION consent_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('tidings.erasure', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'consent_events is append-only: % is not allowed', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await q.query(`
      CREATE TRIGGER consent_events_append_only
        BEFORE UPDATE OR DELETE ON consent_events
        FOR EACH ROW EXECUTE FUNCTION consent_events_append_only()`);

    await q.query(`
      CREATE TABLE suppressions (
        address_hash text PRIMARY KEY,
        reason       text NOT NULL CHECK (reason IN ('hard_bounce', 'complaint', 'erasure', 'manual')),
        details      jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at   timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE suppressions`);
    await q.query(`DROP TRIGGER consent_events_append_only ON consent_events`);
    await q.query(`DROP TABLE consent_events`);
    await q.query(`DROP FUNCTION consent_events_append_only()`);
    await q.query(`DROP TABLE subscriptions`);
    await q.query(`DROP TABLE subscriber_dates`);
    await q.query(`DROP TABLE subscribers`);
    await q.query(`DROP TABLE topics`);
    await q.query(`DROP TABLE api_keys`);
  }
}
