import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks out (docs/webhooks-out.md). `event_outbox` (src/platform/events): events recorded in
 * the transaction of their change, until they are handed on; `event_interest`: the types some
 * consumer hands on (the outbox records no others). `webhook_endpoints` and
 * `webhook_deliveries` (src/surfaces/webhook-endpoints): where events go, and one row per event
 * and endpoint with its attempts; the retry schedule is `next_attempt_at`, so a crash or a Redis
 * loss loses no delivery.
 */
export class WebhooksOut1764003000000 implements MigrationInterface {
  name = 'WebhooksOut1764003000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE event_outbox (
        seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id            uuid NOT NULL DEFAULT gen_random_uuid(),
        type          text NOT NULL,
        subscriber_id uuid,
        data          jsonb NOT NULL DEFAULT '{}',
        occurred_at   timestamptz NOT NULL DEFAULT now()
      )`);
    // Which event types someone hands on: the outbox records only those (no cost without).
    await q.query(`
      CREATE TABLE event_interest (
        consumer text NOT NULL,
        type     text NOT NULL,
        PRIMARY KEY (type, consumer)
      )`);
    await q.query(`
      CREATE TABLE webhook_endpoints (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url         text NOT NULL,
        description text,
        events      text[] NOT NULL,
        secret      text NOT NULL,
        enabled     boolean NOT NULL DEFAULT true,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_endpoints_page ON webhook_endpoints (created_at, id)`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        endpoint_id        uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_id           uuid NOT NULL,
        event_type         text NOT NULL,
        subscriber_id      uuid,
        data               jsonb NOT NULL,
        occurred_at        timestamptz NOT NULL,
        status             text NOT NULL DEFAULT 'pending'
                           CONSTRAINT webhook_deliveries_status
                           CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts           integer NOT NULL DEFAULT 0,
        next_attempt_at    timestamptz,
        last_attempt_at    timestamptz,
        last_response_code integer,
        last_error         text,
        delivered_at       timestamptz,
        replay_of          uuid REFERENCES webhook_deliveries (id) ON DELETE SET NULL,
        created_at         timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, next_attempt_at)
        WHERE status = 'pending'`);
    await q.query(`
      CREATE INDEX webhook_deliveries_page ON webhook_deliveries (endpoint_id, created_at, id)`);
    await q.query(`CREATE INDEX webhook_deliveries_replay_of ON webhook_deliveries (replay_of)`);
    await q.query(`
      CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (created_at)
        WHERE status <> 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhook_endpoints`);
    await q.query(`DROP TABLE event_interest`);
    await q.query(`DROP TABLE event_outbox`);
  }
}
