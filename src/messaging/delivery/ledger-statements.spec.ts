import { ledgerInsertSql } from './ledger-statements';

const squash = (sql: string) => sql.replace(/\s+/g, ' ').trim();

describe(ledgerInsertSql.name, () => {
  it('inserts the given columns from the SELECT, dedupe key first, ignoring existing keys', () => {
    const sql = squash(
      ledgerInsertSql({
        values: {
          kind: `'notice'`,
          template: '$2',
          subscriberId: 'w.subscriber_id',
          dedupeKey: `'k:' || w.subscriber_id`,
          status: `'queued'`,
        },
        from: 'FROM w ORDER BY 1',
        returning: 'm.id',
      }),
    );
    expect(sql).toBe(
      squash(`INSERT INTO outbound_messages AS m (dedupe_key, subscriber_id, template, kind, status)
        SELECT 'k:' || w.subscriber_id, w.subscriber_id, $2, 'notice', 'queued' FROM w ORDER BY 1
        ON CONFLICT (dedupe_key) DO NOTHING RETURNING m.id`),
    );
  });

  it('revives a skipped or reschedules a queued row when asked', () => {
    const sql = squash(
      ledgerInsertSql({
        values: { dedupeKey: 'k', subscriberId: 's', template: 't', kind: `'notice'` },
        from: 'FROM w',
        onConflict: { revive: { reasons: '$7::text[]', now: '$1::timestamptz' } },
        returning: 'm.id',
      }),
    );
    expect(sql).toContain("ON CONFLICT (dedupe_key) DO UPDATE SET status = 'queued'");
    expect(sql).toContain("m.status = 'skipped' AND m.skip_reason = ANY($7::text[])");
    expect(sql).toContain('m.send_after > $1::timestamptz');
  });

  it('refuses a column producers may not set', () => {
    const values = { dedupeKey: 'k', subscriberId: 's', template: 't', kind: 'k', claimedBy: '1' };
    expect(() => ledgerInsertSql({ values, from: 'FROM w', returning: 'm.id' })).toThrow(
      'claimedBy',
    );
  });
});
