import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dates in notices in any configured locale, in the one format per locale that pages and emails
 * use (`formatLocalDate`): the caller passes each locale's pattern per month (`datePatterns()` in
 * src/platform/locale.ts, `{d}` and `{y}` for day and year) and `*` for the default locale, which
 * a locale without patterns falls back to. The two-argument version (nl and en only) stays for
 * what was written with it.
 */
export class LifecycleLocaleDates1764007001000 implements MigrationInterface {
  name = 'LifecycleLocaleDates1764007001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION lifecycle_format_date(d date, locale text, patterns jsonb) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT replace(replace(COALESCE(patterns->locale, patterns->'*')->>(extract(month FROM d)::int - 1),
                               '{d}', extract(day FROM d)::int::text),
                       '{y}', extract(year FROM d)::int::text) $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION lifecycle_format_date(date, text, jsonb)`);
  }
}
