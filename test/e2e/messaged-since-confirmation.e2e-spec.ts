import { randomUUID } from 'node:crypto';
import { MessagedSinceConfirmation } from '../../src/audience/subscribers/messaged-since-confirmation';
import { TickHandlers } from '../../src/platform/scheduler/tick-handlers';
import { uniqueEmail } from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * "Confirmed without a message since" (GET /v1/reports/summary) probes only the subscribers not
 * known to have had a message since their confirmation; the scheduler tick marks the others
 * (migration 1764025000000). The figure must be the same with and without the marks, after a new
 * confirmation, and while delivery holds a subscriber.
 */
describe('Confirmed without a message: the marks the scheduler keeps', () => {
  const clock = new ControllableClock('2026-05-10T12:00:00Z');
  const hoursAgo = (h: number) => new Date(clock.now().getTime() - h * 3_600_000).toISOString();
  let t: TestApp;
  let readKey: string;
  let marks: MessagedSinceConfirmation;
  const q = (sql: string, params: unknown[] = []) => t.dataSource.query(sql, params);

  async function subscriber(confirmedHoursAgo: number): Promise<string> {
    const [row] = await q(
      `INSERT INTO subscribers (email, status, confirmed_at) VALUES ($1, 'active', $2) RETURNING id`,
      [uniqueEmail('mark'), hoursAgo(confirmedHoursAgo)],
    );
    return row.id;
  }

  async function sent(subscriberId: string, hoursAgoSent: number): Promise<void> {
    const id = randomUUID();
    const at = hoursAgo(hoursAgoSent);
    await q(
      `INSERT INTO outbound_messages (id, dedupe_key, subscriber_id, template, kind, status,
                                      send_after, sent_at, created_at, updated_at)
       VALUES ($1, $2, $3, 'welcome', 'transactional', 'sent', $4, $4, $4, $4)`,
      [id, `seed:${id}`, subscriberId, at],
    );
  }

  async function waiting(): Promise<{ count: number; sample: string[] }> {
    const day = clock.now().toISOString().slice(0, 10);
    const res = await t
      .http()
      .get(`/v1/reports/summary?from=${day}&to=${day}`)
      .set('Authorization', `Bearer ${readKey}`)
      .expect(200);
    return res.body.confirmedWithoutMessage;
  }

  const markOf = async (id: string) =>
    (
      await q(
        `SELECT messaged_confirmed_at = confirmed_at AS marked FROM subscribers WHERE id = $1`,
        [id],
      )
    )[0].marked as boolean | null;

  beforeAll(async () => {
    t = await createTestApp({ clock, workers: false });
    readKey = await t.keyWith('reports:read');
    marks = t.app.get(MessagedSinceConfirmation);
  });
  afterAll(() => t.close());

  it('runs on the scheduler tick', () => {
    expect(
      t.app
        .get(TickHandlers)
        .all()
        .map((h) => h.name),
    ).toContain('messaged-since-confirmation');
  });

  it('gives the same figure before and after marking, and after a new confirmation', async () => {
    const welcomed = await subscriber(5);
    await sent(welcomed, 4);
    const forgotten = await subscriber(4); // confirmed, then nothing
    const early = await subscriber(3); // a message before the confirmation only
    await sent(early, 6);
    const fresh = await subscriber(0.5); // inside the hour of grace
    expect(await waiting()).toEqual({ count: 2, graceMinutes: 60, sample: [forgotten, early] });

    expect(await marks.tick()).toEqual({ marked: 1 });
    expect(await markOf(welcomed)).toBe(true);
    expect(await markOf(forgotten)).toBeNull();
    expect(await markOf(early)).toBeNull();
    expect(await waiting()).toEqual({ count: 2, graceMinutes: 60, sample: [forgotten, early] });

    // A message now, before any tick: the probe sees it.
    await sent(forgotten, 0.1);
    expect(await waiting()).toEqual({ count: 1, graceMinutes: 60, sample: [early] });

    // Confirmed again (after the message it was marked for): waiting again, mark or not.
    await q(`UPDATE subscribers SET confirmed_at = $2 WHERE id = $1`, [welcomed, hoursAgo(2)]);
    expect(await markOf(welcomed)).toBe(false);
    expect(await waiting()).toEqual({ count: 2, graceMinutes: 60, sample: [early, welcomed] });
    expect(await marks.tick()).toEqual({ marked: 1 }); // forgotten, messaged now
    expect(await waiting()).toEqual({ count: 2, graceMinutes: 60, sample: [early, welcomed] });

    // Leaving the grace, without a message: counted.
    clock.advance(3_600_000);
    expect((await waiting()).sample).toEqual([early, welcomed, fresh]);
  });

  it('skips a subscriber delivery holds, without waiting, and marks them on a later tick', async () => {
    await marks.tick(); // what earlier tests left
    const held = await subscriber(5);
    await sent(held, 1);
    const other = await subscriber(5);
    await sent(other, 1);
    const runner = t.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query(`SELECT id FROM subscribers WHERE id = $1 FOR SHARE`, [held]);
      const started = Date.now();
      expect(await marks.tick()).toEqual({ marked: 1 });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await markOf(held)).toBeNull();
      expect(await markOf(other)).toBe(true);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    expect(await marks.tick()).toEqual({ marked: 1 });
    expect(await markOf(held)).toBe(true);
  });
});
