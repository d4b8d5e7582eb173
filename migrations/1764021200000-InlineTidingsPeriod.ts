import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * tidings_period() and tidings_next_slot() (1764000800000-Campaigns) were declared STRICT. A STRICT
 * SQL function is inlined only when PostgreSQL can prove its body returns null for a null
 * argument, which it cannot for tidings_period's CASE; so it ran as a function call for every row
 * (about 3.5 µs each), and tidings_next_slot, inlined, still called it. Every silent-subscription
 * figure adds it to each active subscription: on 5,000 subscribers counting the silent ones took
 * 45 ms with the call, 8 ms inlined (npm run bench:console's database; the silence report and
 * Home's summary compute it over every active subscription).
 *
 * Called on null input they inline, and return what they did: null for a null argument (every
 * step of their bodies returns null for null) and null for an unknown frequency.
 */
export class InlineTidingsPeriod1764021200000 implements MigrationInterface {
  name = 'InlineTidingsPeriod1764021200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER FUNCTION tidings_period(text) CALLED ON NULL INPUT`);
    await q.query(
      `ALTER FUNCTION tidings_next_slot(timestamptz, text, text, integer) CALLED ON NULL INPUT`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER FUNCTION tidings_next_slot(timestamptz, text, text, integer) RETURNS NULL ON NULL INPUT`,
    );
    await q.query(`ALTER FUNCTION tidings_period(text) RETURNS NULL ON NULL INPUT`);
  }
}
