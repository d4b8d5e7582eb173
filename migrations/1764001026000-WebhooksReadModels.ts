import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read model of src/surfaces/webhooks (owner of webhook_reports and delivery_signals): what the
 * bounce and complaint reports said per recipient, without the address hash and diagnostics.
 * Only the webhooks module writes the tables; anyone may read the view. A plain projection:
 * PostgreSQL inlines it.
 *
 * - `surfaces_delivery_signals`: bounces and complaints in reports, the programme summary and
 *   the admin dashboard.
 */
export class WebhooksReadModels1764001026000 implements MigrationInterface {
  name = 'WebhooksReadModels1764001026000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE VIEW surfaces_delivery_signals AS
        SELECT id, type, outcome, message_id, subscriber_id, status_code, occurred_at
          FROM delivery_signals`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW surfaces_delivery_signals`);
  }
}
