import { createTestApp, TestApp } from '../support/test-app';

/**
 * subscriptions.window_ends_at (migrations/1764022000000-SilenceWindowEnd.ts) always equals
 * watchdog_window_end() of the subscription's columns and its subscriber's confirmed_at: the
 * triggers rewrite it in the statement that changes one of them.
 */
describe('the stored window end of a subscription', () => {
  let t: TestApp;
  let topicId: string;

  beforeAll(async () => {
    t = await createTestApp({ workers: false });
    [{ id: topicId }] = await t.dataSource.query(
      `INSERT INTO topics (key, name, kind, allowed_frequencies, default_frequency)
       VALUES ('window-end', 'Window end', 'editorial', '{weekly,monthly}', 'weekly') RETURNING id`,
    );
  });

  afterAll(async () => {
    await t?.close();
  });

  /** Every subscription whose stored window end differs from the expression (none expected). */
  const drift = async () =>
    (
      await t.dataSource.query(
        `SELECT x.id FROM subscriptions x JOIN subscribers s ON s.id = x.subscriber_id
          WHERE x.window_ends_at IS DISTINCT FROM
                watchdog_window_end(x.last_delivered_at, x.created_at, s.confirmed_at, x.frequency)`,
      )
    ).length;
  const windowEnd = async (id: string) =>
    new Date(
      (await t.dataSource.query(`SELECT window_ends_at FROM subscriptions WHERE id = $1`, [id]))[0]
        .window_ends_at,
    ).toISOString();

  it('follows delivery, frequency and the subscriber confirming, and is read by the silence definition', async () => {
    const [{ id: subscriberId }] = await t.dataSource.query(
      `INSERT INTO subscribers (email, status, created_at) VALUES ('window-end@example.test', 'pending',
              '2026-01-01T00:00:00Z') RETURNING id`,
    );
    const [{ id }] = await t.dataSource.query(
      `INSERT INTO subscriptions (subscriber_id, topic_id, status, frequency, created_at)
       VALUES ($1, $2, 'active', 'weekly', '2026-01-01T00:00:00Z') RETURNING id`,
      [subscriberId, topicId],
    );
    // Not confirmed, nothing delivered: its creation plus a week.
    expect(await windowEnd(id)).toBe('2026-01-08T00:00:00.000Z');

    // Confirmed later: the window starts at the confirmation.
    await t.dataSource.query(
      `UPDATE subscribers SET status = 'active', confirmed_at = '2026-01-03T00:00:00Z' WHERE id = $1`,
      [subscriberId],
    );
    expect(await windowEnd(id)).toBe('2026-01-10T00:00:00.000Z');

    // Delivered: from the delivery; the confirmation no longer counts.
    await t.dataSource.query(
      `UPDATE subscriptions SET last_delivered_at = '2026-02-01T00:00:00Z' WHERE id = $1`,
      [id],
    );
    expect(await windowEnd(id)).toBe('2026-02-08T00:00:00.000Z');
    await t.dataSource.query(
      `UPDATE subscribers SET confirmed_at = '2026-01-05T00:00:00Z' WHERE id = $1`,
      [subscriberId],
    );
    expect(await windowEnd(id)).toBe('2026-02-08T00:00:00.000Z');

    // Another frequency: the period changes.
    await t.dataSource.query(`UPDATE subscriptions SET frequency = 'monthly' WHERE id = $1`, [id]);
    expect(await windowEnd(id)).toBe('2026-03-01T00:00:00.000Z');

    // A value written by hand is put right.
    await t.dataSource.query(
      `UPDATE subscriptions SET window_ends_at = '2030-01-01T00:00:00Z' WHERE id = $1`,
      [id],
    );
    expect(await windowEnd(id)).toBe('2026-03-01T00:00:00.000Z');
    expect(await drift()).toBe(0);

    // Silent from the window end plus the grace days, not a moment before; paused: not silent.
    const silent = async (at: string) =>
      (
        await t.dataSource.query(
          `SELECT window_ended_at FROM watchdog_silent_subscriptions($1, 3) WHERE subscription_id = $2`,
          [at, id],
        )
      ).length;
    expect(await silent('2026-03-03T23:59:59Z')).toBe(0);
    expect(await silent('2026-03-04T00:00:00Z')).toBe(1);
    await t.dataSource.query(
      `UPDATE subscribers SET paused_until = '2026-03-10T00:00:00Z' WHERE id = $1`,
      [subscriberId],
    );
    expect(await silent('2026-03-05T00:00:00Z')).toBe(0);
    expect(await silent('2026-03-10T00:00:00Z')).toBe(1);
    await t.dataSource.query(`UPDATE subscribers SET status = 'bounced' WHERE id = $1`, [
      subscriberId,
    ]);
    expect(await silent('2026-03-10T00:00:00Z')).toBe(0);
  });
});
