import { MigrationInterface, QueryRunner } from 'typeorm';

/** programmes_lifecycle_rules' columns as LifecycleReadModels1764001024000 made them. */
const RULE_COLUMNS = `id, key, name, topic_id, trigger_type, date_name, offset_days, deadline_days,
               window_start, window_end, enabled, deleted_at`;

/**
 * Data-use purposes (src/audience/purposes, docs/data-purposes.md): what a purpose covers (the
 * subscriber's attributes, dates and event types), why, what the subscriber gains, its legal
 * basis; and each subscriber's current grant of a consent-based purpose (`data_use_grants`; the
 * history is in consent_events as data_use_grant / data_use_withdrawal). Lifecycle rules and
 * campaigns declare the purposes they rely on (`purposes`; NULL for a rule or campaign saved
 * before purposes existed: it keeps working as it was until it is edited).
 *
 * Read models for other modules: `audience_data_purposes` (what a purpose covers and its basis)
 * and `audience_data_use_grants` (who granted which purpose now).
 */
export class DataPurposes1764008000000 implements MigrationInterface {
  name = 'DataPurposes1764008000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE data_purposes (
        id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key                      text NOT NULL UNIQUE,
        name                     text NOT NULL,
        names                    jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(names) = 'object'),
        explanations             jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(explanations) = 'object'),
        benefits                 jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(benefits) = 'object'),
        withdrawal_consequences  jsonb NOT NULL DEFAULT '{}'::jsonb
                                 CHECK (jsonb_typeof(withdrawal_consequences) = 'object'),
        attributes               text[] NOT NULL DEFAULT '{}',
        dates                    text[] NOT NULL DEFAULT '{}',
        event_types              text[] NOT NULL DEFAULT '{}',
        legal_basis              text NOT NULL
                                 CHECK (legal_basis IN ('consent', 'contract', 'legitimate_interest')),
        delete_on_withdrawal     boolean NOT NULL DEFAULT false,
        version                  int NOT NULL DEFAULT 1,
        archived_at              timestamptz,
        created_at               timestamptz NOT NULL DEFAULT now(),
        updated_at               timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE data_use_grants (
        subscriber_id    uuid NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
        purpose_id       uuid NOT NULL REFERENCES data_purposes (id) ON DELETE CASCADE,
        granted          boolean NOT NULL,
        wording_version  text NOT NULL,
        changed_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (subscriber_id, purpose_id)
      )`);
    await q.query(
      `CREATE INDEX data_use_grants_purpose ON data_use_grants (purpose_id) WHERE granted`,
    );
    await q.query(`
      CREATE VIEW audience_data_purposes AS
        SELECT id, key, name, names, legal_basis, attributes, dates, event_types,
               delete_on_withdrawal, archived_at
          FROM data_purposes`);
    await q.query(`
      CREATE VIEW audience_data_use_grants AS
        SELECT subscriber_id, purpose_id, granted, changed_at FROM data_use_grants`);
    await q.query(`ALTER TABLE lifecycle_rules ADD COLUMN purposes text[]`);
    await q.query(`ALTER TABLE campaigns ADD COLUMN purposes text[]`);
    // The trust audit (src/trust/reports) reads which purposes a rule relies on.
    await q.query(`
      CREATE OR REPLACE VIEW programmes_lifecycle_rules AS
        SELECT ${RULE_COLUMNS}, purposes FROM lifecycle_rules`);
  }

  async down(q: QueryRunner): Promise<void> {
    // A view keeps its columns: drop it and make it again as 1764001024000 left it.
    await q.query(`DROP VIEW programmes_lifecycle_rules`);
    await q.query(
      `CREATE VIEW programmes_lifecycle_rules AS SELECT ${RULE_COLUMNS} FROM lifecycle_rules`,
    );
    await q.query(`ALTER TABLE campaigns DROP COLUMN purposes`);
    await q.query(`ALTER TABLE lifecycle_rules DROP COLUMN purposes`);
    await q.query(`DROP VIEW audience_data_use_grants`);
    await q.query(`DROP VIEW audience_data_purposes`);
    await q.query(`DROP TABLE data_use_grants`);
    await q.query(`DROP TABLE data_purposes`);
  }
}
