import { randomUUID } from 'node:crypto';
import { uniqueEmail } from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { createTestApp, TestApp } from '../support/test-app';

type Kind = 'notice' | 'digest' | 'campaign' | 'welcome' | 'other';

/**
 * Trust per kind of contact: a month (March 2026) and its edges seeded straight into the owners'
 * tables from a fixed pseudo-random sequence, then every figure of /v1/reports/trust-by-kind
 * compared with a recount over the base tables. The recount classifies messages by the kind the
 * seed wrote into `data.seedKind`, not by the report's rule, and counts in its own way (joins and
 * DISTINCT ON instead of the report's lateral look-ups).
 */
describe('GET /v1/reports/trust-by-kind (seeded month, recounted from the raw rows)', () => {
  const clock = new ControllableClock('2026-04-10T12:00:00Z');
  let t: TestApp;
  let readKey: string;
  const q = (sql: string, params: unknown[] = []) => t.dataSource.query(sql, params);

  // A fixed sequence, so a failure can be replayed.
  let seed = 19;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const at = (from: string, days: number) =>
    new Date(Date.parse(from) + Math.floor(rnd() * days * 86_400_000)).toISOString();

  const topic: Record<'news' | 'offers' | 'renewals', string> = {
    news: '',
    offers: '',
    renewals: '',
  };
  const rule: Record<'renewal' | 'usage' | 'tips', string> = { renewal: '', usage: '', tips: '' };
  const campaign: string[] = [];
  const subscribers: string[] = [];
  const sent: Array<{ id: string; subscriber: string; topic: string | null; at: string }> = [];

  async function message(
    kind: Kind,
    subscriber: string,
    o: {
      key: string;
      topic?: string | null;
      rule?: string | null;
      campaign?: string | null;
      ledgerKind: string;
      sentAt: string;
      status?: string;
      lifecycle?: Record<string, string>;
      deadlineAt?: string | null;
    },
  ): Promise<string> {
    const id = randomUUID();
    const status = o.status ?? 'sent';
    await q(
      `INSERT INTO outbound_messages (id, dedupe_key, subscriber_id, topic_id, rule_id, campaign_id, template,
                                      kind, status, skip_reason, data, send_after, sent_at, deadline_at,
                                      created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'seed', $7, $8, $9, $10, $11, $12, $13, $11, $11)`,
      [
        id,
        o.key.replace('#', id),
        subscriber,
        o.topic ?? null,
        o.rule ?? null,
        o.campaign ?? null,
        o.ledgerKind,
        status,
        status === 'skipped' ? 'paused' : null,
        JSON.stringify({ seedKind: kind, ...(o.lifecycle ? { lifecycle: o.lifecycle } : {}) }),
        o.sentAt,
        status === 'sent' ? o.sentAt : null,
        o.deadlineAt ?? null,
      ],
    );
    if (status === 'sent') sent.push({ id, subscriber, topic: o.topic ?? null, at: o.sentAt });
    return id;
  }

  async function seedMonth() {
    for (const [k, kind] of [
      ['news', 'editorial'],
      ['offers', 'promotional'],
      ['renewals', 'notice'],
    ] as const) {
      const [row] = await q(
        `INSERT INTO topics (key, name, kind, allowed_frequencies, default_frequency)
         VALUES ($1, $1, $2, ARRAY['weekly','biweekly','monthly','quarterly'], 'monthly') RETURNING id`,
        [`tk-${k}`, kind],
      );
      topic[k] = row.id;
    }
    const addRule = async (key: string, trigger: string, topicId: string, extra: string) => {
      const [row] = await q(
        `INSERT INTO lifecycle_rules (key, name, topic_id, template, trigger_type, date_name, event_type,
                                      offset_days, deadline_days, content)
         VALUES ($1, $1, $2, 'notice', $3, $4, $5, $6, $7, '{}') RETURNING id`,
        [
          key,
          topicId,
          trigger,
          trigger === 'date' ? extra : null,
          trigger === 'event' ? extra : null,
          trigger === 'date' ? -30 : 0,
          trigger === 'date' ? -14 : null,
        ],
      );
      return row.id as string;
    };
    rule.renewal = await addRule('tk-renewal', 'date', topic.renewals, 'renewal_date');
    rule.usage = await addRule('tk-usage', 'event', topic.renewals, 'usage.high');
    rule.tips = await addRule('tk-tips', 'confirmed', topic.news, '');
    for (const [tid, kind] of [
      [topic.offers, 'promotional'],
      [topic.news, 'editorial'],
    ]) {
      const [row] = await q(
        `INSERT INTO campaigns (request_hash, name, topic_id, template, kind, status, send_at)
         VALUES ('x', 'c', $1, 'campaign', $2, 'sent', '2026-03-01') RETURNING id`,
        [tid, kind],
      );
      campaign.push(row.id);
    }

    const zones = ['UTC', 'Europe/Amsterdam', 'America/New_York', 'Asia/Tokyo'];
    for (let i = 0; i < 60; i++) {
      // Confirmations from mid February to 9 April: before, in and after the month.
      const confirmed = rnd() < 0.85 ? at('2026-02-15T00:00:00Z', 54) : null;
      const [row] = await q(
        `INSERT INTO subscribers (email, name, status, timezone, confirmed_at, created_at)
         VALUES ($1, 'x', 'active', $2, $3, '2026-01-01') RETURNING id`,
        [uniqueEmail('tk'), pick(zones), confirmed],
      );
      const s = row.id as string;
      subscribers.push(s);
      if (confirmed) {
        // Most get their welcome within 90 minutes; some get none (yet).
        if (rnd() < 0.8) {
          const welcomeAt = new Date(Date.parse(confirmed) + Math.floor(rnd() * 90) * 60_000);
          await message('welcome', s, {
            key: `welcome:${s}`,
            ledgerKind: 'editorial',
            sentAt: welcomeAt.toISOString(),
          });
        }
        // The confirmation itself, before it: never a first message.
        await message('other', s, {
          key: 'confirm:#',
          ledgerKind: 'transactional',
          sentAt: new Date(Date.parse(confirmed) - 600_000).toISOString(),
        });
        if (rnd() < 0.5) {
          await message('welcome', s, {
            key: `rule:${rule.tips}:${s}:confirmed`,
            topic: topic.news,
            rule: rule.tips,
            ledgerKind: 'notice',
            sentAt: new Date(Date.parse(confirmed) + 3 * 86_400_000).toISOString(),
            lifecycle: { trigger: 'confirmed', anchor: 'confirmed' },
          });
        }
      }
      const n = 3 + Math.floor(rnd() * 6);
      for (let j = 0; j < n; j++) {
        const when = at('2026-02-24T00:00:00Z', 42);
        const r = rnd();
        if (r < 0.22) {
          await message('digest', s, {
            key: `digest:#:1`,
            topic: pick([topic.news, topic.offers]),
            ledgerKind: 'editorial',
            sentAt: when,
            status: rnd() < 0.1 ? 'skipped' : 'sent',
          });
        } else if (r < 0.42) {
          const c = pick([0, 1]);
          await message('campaign', s, {
            key: `campaign:${campaign[c]}:#`,
            topic: c === 0 ? topic.offers : topic.news,
            campaign: campaign[c],
            ledgerKind: c === 0 ? 'promotional' : 'editorial',
            sentAt: when,
          });
        } else if (r < 0.62) {
          const anchor = at('2026-03-20T00:00:00Z', 60).slice(0, 10);
          await message('notice', s, {
            key: `rule:${rule.renewal}:${s}:${anchor}#`,
            topic: topic.renewals,
            rule: rule.renewal,
            ledgerKind: 'notice',
            sentAt: when,
            status: rnd() < 0.15 ? 'failed' : 'sent',
            lifecycle: { trigger: 'date', anchor },
            deadlineAt: new Date(Date.parse(when) + (rnd() * 20 - 4) * 86_400_000).toISOString(),
          });
        } else if (r < 0.74) {
          await message('notice', s, {
            key: `rule:${rule.usage}:${s}:event:#`,
            topic: topic.renewals,
            rule: rule.usage,
            ledgerKind: 'notice',
            sentAt: when,
            lifecycle: { trigger: 'event', anchor: 'event:1' },
            deadlineAt: rnd() < 0.5 ? null : new Date(Date.parse(when) + 86_400_000).toISOString(),
          });
        } else if (r < 0.82) {
          await message('notice', s, {
            key: 'send:#',
            topic: topic.renewals,
            ledgerKind: 'notice',
            sentAt: when,
          });
        } else if (r < 0.9) {
          await message('other', s, {
            key: `apology:#`,
            topic: topic.renewals,
            rule: rule.renewal,
            ledgerKind: 'notice',
            sentAt: when,
          });
        } else {
          await message('other', s, {
            key: 'evergreen:#:1',
            topic: topic.news,
            ledgerKind: 'editorial',
            sentAt: when,
          });
        }
      }
    }

    // Votes on a third of the sent messages.
    for (const m of sent) {
      if (rnd() < 0.35) {
        await q(
          `INSERT INTO feedback_votes (message_id, subscriber_id, topic_id, template, helpful, created_at, updated_at)
           VALUES ($1, $2, $3, 'seed', $4, $5, $5)`,
          [m.id, m.subscriber, m.topic, rnd() < 0.7, m.at],
        );
      }
    }
    // Complaints about some messages.
    for (const m of sent) {
      if (rnd() < 0.04) {
        const [report] = await q(
          `INSERT INTO webhook_reports (endpoint, report_key, format, received_at)
           VALUES ('complaints', $1, 'json', $2) RETURNING id`,
          [`seed:${randomUUID()}`, m.at],
        );
        await q(
          `INSERT INTO delivery_signals (report_id, type, outcome, matched_by, message_id, subscriber_id, occurred_at)
           VALUES ($1, 'complaint', 'unsubscribed', 'message', $2, $3, $4)`,
          [report.id, m.id, m.subscriber, m.at],
        );
      }
    }
    // Opt-outs, frequency changes from several sources, a day or so after a message.
    const consent = (
      s: string,
      action: string,
      tid: string | null,
      source: string,
      when: string,
      details: object,
    ) =>
      q(
        `INSERT INTO consent_events (subscriber_id, action, topic_id, wording, wording_version, source, details, occurred_at)
         VALUES ($1, $2, $3, 'seed', 'seed', $4, $5, $6)`,
        [s, action, tid, source, JSON.stringify(details), when],
      );
    const frequencies = ['weekly', 'biweekly', 'monthly', 'quarterly'];
    for (const m of sent) {
      const r = rnd();
      const when = new Date(Date.parse(m.at) + Math.floor(rnd() * 9 * 86_400_000)).toISOString();
      const source = pick(['preference_center', 'preference_center', 'one_click', 'api', 'system']);
      if (r < 0.08) {
        await consent(m.subscriber, 'opt_out', m.topic, source, when, { frequency: 'monthly' });
      } else if (r < 0.11) {
        await consent(m.subscriber, 'opt_out', null, source, when, { topics: [] });
      } else if (r < 0.2 && m.topic) {
        const from = pick(frequencies);
        const to = pick(frequencies);
        await consent(m.subscriber, 'frequency_change', m.topic, source, when, {
          frequency: to,
          previousFrequency: from,
        });
      }
    }
    // Missed deadlines of notices, detected before, in and after the month.
    const notices = await q(
      `SELECT id, subscriber_id, rule_id, deadline_at FROM outbound_messages
        WHERE data->>'seedKind' = 'notice' AND rule_id IS NOT NULL AND deadline_at IS NOT NULL`,
    );
    for (const m of notices) {
      if (rnd() < 0.2) {
        await q(
          `INSERT INTO lifecycle_missed_promises (rule_id, subscriber_id, message_id, anchor, deadline_at, detected_at, cause)
           VALUES ($1, $2, $3, 'x', $4, $5, 'failed')`,
          [m.rule_id, m.subscriber_id, m.id, m.deadline_at, at('2026-02-25T00:00:00Z', 40)],
        );
      }
    }
  }

  beforeAll(async () => {
    t = await createTestApp({ clock, workers: false });
    readKey = await t.keyWith('reports:read');
    await seedMonth();
  });

  afterAll(async () => {
    await t?.close();
  });

  const get = (query: string) =>
    t.http().get(`/v1/reports/trust-by-kind${query}`).set('Authorization', `Bearer ${readKey}`);

  const from = '2026-03-01T00:00:00Z';
  const to = '2026-04-01T00:00:00Z';
  const round = (v: string | number | null, d: number) =>
    v === null ? null : Math.round(Number(v) * 10 ** d) / 10 ** d;
  const ratio = (h: number, u: number) => (h + u ? round(h / (h + u), 4) : null);
  const perThousand = (n: number, of: number) => (of ? round((n * 1000) / of, 2) : null);

  /** Sent, votes, attributed opt-outs and complaints per seeded kind, topic key and rule key. */
  async function recountSent() {
    const rows: Array<{
      kind: Kind;
      topic: string | null;
      rule: string | null;
      sent: number;
      helpful: number;
      unhelpful: number;
      unsubscribes: number;
      complaints: number;
    }> = await q(
      `WITH month AS (
         SELECT o.id, o.data->>'seedKind' AS kind, o.topic_id, o.rule_id
           FROM outbound_messages o
          WHERE o.status = 'sent' AND o.sent_at >= $1 AND o.sent_at < $2
       ),
       last_before AS (
         SELECT DISTINCT ON (c.id) c.id AS event_id, o.id AS message_id
           FROM consent_events c
           JOIN outbound_messages o ON o.subscriber_id = c.subscriber_id AND o.status = 'sent'
            AND o.sent_at <= c.occurred_at AND o.sent_at > c.occurred_at - interval '7 days'
            AND (c.topic_id IS NULL OR o.topic_id = c.topic_id)
          WHERE c.action = 'opt_out' AND c.source <> 'system'
          ORDER BY c.id, o.sent_at DESC
       )
       SELECT m.kind, tp.key AS topic, r.key AS rule, count(*)::int AS sent,
              (SELECT count(*) FROM feedback_votes v JOIN month x ON x.id = v.message_id
                WHERE v.helpful AND x.kind = m.kind AND x.topic_id IS NOT DISTINCT FROM m.topic_id
                  AND x.rule_id IS NOT DISTINCT FROM m.rule_id)::int AS helpful,
              (SELECT count(*) FROM feedback_votes v JOIN month x ON x.id = v.message_id
                WHERE NOT v.helpful AND x.kind = m.kind AND x.topic_id IS NOT DISTINCT FROM m.topic_id
                  AND x.rule_id IS NOT DISTINCT FROM m.rule_id)::int AS unhelpful,
              (SELECT count(*) FROM last_before l JOIN month x ON x.id = l.message_id
                WHERE x.kind = m.kind AND x.topic_id IS NOT DISTINCT FROM m.topic_id
                  AND x.rule_id IS NOT DISTINCT FROM m.rule_id)::int AS unsubscribes,
              (SELECT count(*) FROM delivery_signals d JOIN month x ON x.id = d.message_id
                WHERE d.type = 'complaint' AND x.kind = m.kind AND x.topic_id IS NOT DISTINCT FROM m.topic_id
                  AND x.rule_id IS NOT DISTINCT FROM m.rule_id)::int AS complaints
         FROM month m
         LEFT JOIN topics tp ON tp.id = m.topic_id
         LEFT JOIN lifecycle_rules r ON r.id = m.rule_id
        WHERE m.kind <> 'other'
        GROUP BY m.kind, m.topic_id, m.rule_id, tp.key, r.key`,
      [from, to],
    );
    return rows;
  }

  const keyOf = (r: { topic: { key: string } | null; rule?: { key: string } | null }) =>
    `${r.topic?.key ?? '-'}|${r.rule?.key ?? '-'}`;

  it('gives, per kind, topic and rule, exactly the figures a recount of the raw rows gives', async () => {
    const res = await get('?month=2026-03').expect(200);
    const body = res.body;
    expect(body.month).toBe('2026-03');
    expect(body.period).toEqual({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-04-01T00:00:00.000Z',
    });
    const counted = await recountSent();
    const of = (kind: Kind) => counted.filter((r) => r.kind === kind);
    // The seed has every kind in the month (a recount of nothing would prove nothing).
    for (const kind of ['notice', 'digest', 'campaign', 'welcome'] as const) {
      expect(of(kind).length).toBeGreaterThan(0);
    }

    // Digests and campaigns: sent, votes, unsubscribes and complaints per thousand.
    for (const [section, kind] of [
      ['digests', 'digest'],
      ['campaigns', 'campaign'],
    ] as const) {
      const expected = Object.fromEntries(
        of(kind).map((r) => [
          `${r.topic}|-`,
          {
            sent: r.sent,
            helpful: r.helpful,
            unhelpful: r.unhelpful,
            helpfulRatio: ratio(r.helpful, r.unhelpful),
            unsubscribes: r.unsubscribes,
            complaints: r.complaints,
            unsubscribesPerThousand: perThousand(r.unsubscribes, r.sent),
            complaintsPerThousand: perThousand(r.complaints, r.sent),
          },
        ]),
      );
      const actual = Object.fromEntries(
        body[section].rows.map((r: { topic: { key: string } } & Record<string, unknown>) => {
          const { topic: _t, ...figures } = r;
          return [keyOf(r), figures];
        }),
      );
      expect(actual).toEqual(expected);
      const sum = (k: 'sent' | 'unsubscribes' | 'complaints' | 'helpful' | 'unhelpful') =>
        of(kind).reduce((n, r) => n + r[k], 0);
      expect(body[section].totals).toEqual({
        sent: sum('sent'),
        helpful: sum('helpful'),
        unhelpful: sum('unhelpful'),
        helpfulRatio: ratio(sum('helpful'), sum('unhelpful')),
        unsubscribes: sum('unsubscribes'),
        complaints: sum('complaints'),
        unsubscribesPerThousand: perThousand(sum('unsubscribes'), sum('sent')),
        complaintsPerThousand: perThousand(sum('complaints'), sum('sent')),
      });
      expect(sum('unsubscribes') + sum('complaints')).toBeGreaterThan(0);
    }

    // Notices: votes, lead time to the date, margin to the deadline, missed deadlines.
    const times: Array<{
      topic: string;
      rule: string | null;
      lead: number | null;
      margin: number | null;
    }> = await q(
      `SELECT tp.key AS topic, r.key AS rule,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN o.data->'lifecycle'->>'trigger' = 'date'
                  THEN extract(epoch FROM ((o.data->'lifecycle'->>'anchor')::date::timestamp AT TIME ZONE s.timezone) - o.sent_at) END) / 86400 AS lead,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM o.deadline_at - o.sent_at)) / 86400 AS margin
           FROM outbound_messages o JOIN subscribers s ON s.id = o.subscriber_id JOIN topics tp ON tp.id = o.topic_id
           LEFT JOIN lifecycle_rules r ON r.id = o.rule_id
          WHERE o.status = 'sent' AND o.sent_at >= $1 AND o.sent_at < $2 AND o.data->>'seedKind' = 'notice'
          GROUP BY tp.key, r.key`,
      [from, to],
    );
    const missed: Array<{ topic: string; rule: string; n: number }> = await q(
      `SELECT tp.key AS topic, r.key AS rule, count(*)::int AS n
         FROM lifecycle_missed_promises p JOIN outbound_messages o ON o.id = p.message_id
         JOIN topics tp ON tp.id = o.topic_id JOIN lifecycle_rules r ON r.id = o.rule_id
        WHERE p.detected_at >= $1 AND p.detected_at < $2 AND o.data->>'seedKind' = 'notice'
        GROUP BY 1, 2`,
      [from, to],
    );
    expect(missed.reduce((n, m) => n + m.n, 0)).toBeGreaterThan(0);
    const expectedNotices: Record<string, Record<string, unknown>> = {};
    const noticeAt = (k: string) =>
      (expectedNotices[k] ??= {
        sent: 0,
        helpful: 0,
        unhelpful: 0,
        helpfulRatio: null,
        medianLeadDays: null,
        medianDeadlineMarginDays: null,
        missedDeadlines: 0,
      });
    for (const r of of('notice')) {
      Object.assign(noticeAt(`${r.topic}|${r.rule ?? '-'}`), {
        sent: r.sent,
        helpful: r.helpful,
        unhelpful: r.unhelpful,
        helpfulRatio: ratio(r.helpful, r.unhelpful),
      });
    }
    for (const r of times) {
      Object.assign(noticeAt(`${r.topic}|${r.rule ?? '-'}`), {
        medianLeadDays: round(r.lead, 2),
        medianDeadlineMarginDays: round(r.margin, 2),
      });
    }
    for (const m of missed) noticeAt(`${m.topic}|${m.rule}`).missedDeadlines = m.n;
    const actualNotices = Object.fromEntries(
      body.notices.rows.map(
        (r: Record<string, unknown> & { topic: { key: string }; rule: { key: string } | null }) => {
          const { topic: _t, rule: _r, ...figures } = r;
          return [keyOf(r), figures];
        },
      ),
    );
    expect(actualNotices).toEqual(expectedNotices);
    expect(expectedNotices['tk-renewals|tk-renewal'].medianLeadDays).not.toBeNull();
    const [all] = await q(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN o.data->'lifecycle'->>'trigger' = 'date'
                THEN extract(epoch FROM ((o.data->'lifecycle'->>'anchor')::date::timestamp AT TIME ZONE s.timezone) - o.sent_at) END) / 86400 AS lead,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM o.deadline_at - o.sent_at)) / 86400 AS margin
         FROM outbound_messages o JOIN subscribers s ON s.id = o.subscriber_id
        WHERE o.status = 'sent' AND o.sent_at >= $1 AND o.sent_at < $2 AND o.data->>'seedKind' = 'notice'`,
      [from, to],
    );
    const nsum = (k: 'sent' | 'helpful' | 'unhelpful') =>
      of('notice').reduce((n, r) => n + r[k], 0);
    expect(body.notices.totals).toEqual({
      sent: nsum('sent'),
      helpful: nsum('helpful'),
      unhelpful: nsum('unhelpful'),
      helpfulRatio: ratio(nsum('helpful'), nsum('unhelpful')),
      medianLeadDays: round(all.lead, 2),
      medianDeadlineMarginDays: round(all.margin, 2),
      missedDeadlines: missed.reduce((n, m) => n + m.n, 0),
    });

    // Welcome: the messages, and the cohort of March's confirmations.
    const expectedWelcome = Object.fromEntries(
      of('welcome').map((r) => [
        `${r.topic ?? '-'}|${r.rule ?? '-'}`,
        {
          sent: r.sent,
          helpful: r.helpful,
          unhelpful: r.unhelpful,
          helpfulRatio: ratio(r.helpful, r.unhelpful),
        },
      ]),
    );
    const actualWelcome = Object.fromEntries(
      body.welcome.rows.map(
        (
          r: Record<string, unknown> & {
            topic: { key: string } | null;
            rule: { key: string } | null;
          },
        ) => {
          const { topic: _t, rule: _r, ...figures } = r;
          return [keyOf(r), figures];
        },
      ),
    );
    expect(actualWelcome).toEqual(expectedWelcome);
    const [cohort] = await q(
      `WITH c AS (
         SELECT s.id, s.confirmed_at, min(o.sent_at) AS first_at,
                bool_or(e.id IS NOT NULL) AS early
           FROM subscribers s
           LEFT JOIN outbound_messages o ON o.subscriber_id = s.id AND o.status = 'sent' AND o.sent_at >= s.confirmed_at
           LEFT JOIN consent_events e ON e.subscriber_id = s.id AND e.action = 'opt_out'
            AND e.occurred_at >= s.confirmed_at AND e.occurred_at < s.confirmed_at + interval '30 days'
          WHERE s.confirmed_at >= $1 AND s.confirmed_at < $2
          GROUP BY s.id, s.confirmed_at
       )
       SELECT count(*)::int AS confirmed, count(first_at)::int AS with_message,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_at - confirmed_at)) / 60 AS median,
              max(extract(epoch FROM first_at - confirmed_at)) / 60 AS max,
              count(*) FILTER (WHERE early)::int AS early,
              count(*) FILTER (WHERE confirmed_at > timestamptz '2026-04-10T12:00:00Z' - interval '30 days')::int AS open
         FROM c`,
      [from, to],
    );
    expect(cohort.confirmed).toBeGreaterThan(cohort.with_message);
    expect(cohort.early).toBeGreaterThan(0);
    expect(cohort.open).toBeGreaterThan(0);
    expect(body.welcome.cohort).toEqual({
      confirmed: cohort.confirmed,
      withMessage: cohort.with_message,
      medianMinutesToFirstMessage: round(cohort.median, 2),
      maxMinutesToFirstMessage: round(cohort.max, 2),
      earlyWindowDays: 30,
      earlyUnsubscribes: cohort.early,
      earlyUnsubscribesPerThousand: perThousand(cohort.early, cohort.confirmed),
      stillInWindow: cohort.open,
    });

    // The preference center: lowering how often against leaving, on the preference page only.
    const changes: Array<{ topic: string | null; lowered: number; raised: number; left: number }> =
      await q(
        `SELECT tp.key AS topic,
              count(*) FILTER (WHERE c.action = 'frequency_change' AND
                array_position(ARRAY['weekly','biweekly','monthly','quarterly'], c.details->>'frequency') >
                array_position(ARRAY['weekly','biweekly','monthly','quarterly'], c.details->>'previousFrequency'))::int AS lowered,
              count(*) FILTER (WHERE c.action = 'frequency_change' AND
                array_position(ARRAY['weekly','biweekly','monthly','quarterly'], c.details->>'frequency') <
                array_position(ARRAY['weekly','biweekly','monthly','quarterly'], c.details->>'previousFrequency'))::int AS raised,
              count(*) FILTER (WHERE c.action = 'opt_out')::int AS left
         FROM consent_events c LEFT JOIN topics tp ON tp.id = c.topic_id
        WHERE c.source = 'preference_center' AND c.action IN ('frequency_change', 'opt_out')
          AND c.occurred_at >= $1 AND c.occurred_at < $2
        GROUP BY tp.key`,
        [from, to],
      );
    const share = (l: number, left: number) => (l + left ? round(l / (l + left), 4) : null);
    const expectedPrefs = Object.fromEntries(
      changes.map((c) => [
        `${c.topic ?? '-'}|-`,
        {
          lowered: c.lowered,
          raised: c.raised,
          left: c.left,
          loweredShare: share(c.lowered, c.left),
        },
      ]),
    );
    const actualPrefs = Object.fromEntries(
      body.preferenceCenter.rows.map(
        (r: Record<string, unknown> & { topic: { key: string } | null }) => {
          const { topic: _t, ...figures } = r;
          return [keyOf(r), figures];
        },
      ),
    );
    expect(actualPrefs).toEqual(expectedPrefs);
    const psum = (k: 'lowered' | 'raised' | 'left') => changes.reduce((n, c) => n + c[k], 0);
    expect(psum('lowered')).toBeGreaterThan(0);
    expect(body.preferenceCenter.totals).toEqual({
      lowered: psum('lowered'),
      raised: psum('raised'),
      left: psum('left'),
      loweredShare: share(psum('lowered'), psum('left')),
    });
  });

  it('narrows to a topic or a rule; a rule leaves out what no rule sends', async () => {
    const whole = (await get('?month=2026-03').expect(200)).body;
    const byTopic = (await get('?month=2026-03&topic=tk-offers').expect(200)).body;
    expect(byTopic.topic).toMatchObject({ key: 'tk-offers', kind: 'promotional' });
    expect(byTopic.campaigns.rows).toEqual(
      whole.campaigns.rows.filter((r: { topic: { key: string } }) => r.topic.key === 'tk-offers'),
    );
    expect(byTopic.notices.rows).toEqual([]);
    expect(byTopic.welcome.cohort).toBeNull();

    const byRule = (await get(`?month=2026-03&rule=${rule.renewal}`).expect(200)).body;
    expect(byRule.rule).toMatchObject({ key: 'tk-renewal', triggerType: 'date' });
    expect(byRule.digests).toBeNull();
    expect(byRule.campaigns).toBeNull();
    expect(byRule.preferenceCenter).toBeNull();
    const row = whole.notices.rows.find(
      (r: { rule: { key: string } | null }) => r.rule?.key === 'tk-renewal',
    );
    expect(byRule.notices.rows).toEqual([row]);
    expect(byRule.notices.totals).toEqual({
      sent: row.sent,
      helpful: row.helpful,
      unhelpful: row.unhelpful,
      helpfulRatio: row.helpfulRatio,
      medianLeadDays: row.medianLeadDays,
      medianDeadlineMarginDays: row.medianDeadlineMarginDays,
      missedDeadlines: row.missedDeadlines,
    });
  });

  it('answers a month with nothing in it with zeros and nulls, not an error', async () => {
    const body = (await get('?month=2025-01').expect(200)).body;
    const zero = { sent: 0, helpful: 0, unhelpful: 0, helpfulRatio: null };
    expect(body.notices).toEqual({
      rows: [],
      totals: { ...zero, medianLeadDays: null, medianDeadlineMarginDays: null, missedDeadlines: 0 },
    });
    const regular = {
      rows: [],
      totals: {
        ...zero,
        unsubscribes: 0,
        complaints: 0,
        unsubscribesPerThousand: null,
        complaintsPerThousand: null,
      },
    };
    expect(body.digests).toEqual(regular);
    expect(body.campaigns).toEqual(regular);
    expect(body.welcome).toEqual({
      rows: [],
      totals: zero,
      cohort: {
        confirmed: 0,
        withMessage: 0,
        medianMinutesToFirstMessage: null,
        maxMinutesToFirstMessage: null,
        earlyWindowDays: 30,
        earlyUnsubscribes: 0,
        earlyUnsubscribesPerThousand: null,
        stillInWindow: 0,
      },
    });
    expect(body.preferenceCenter).toEqual({
      rows: [],
      totals: { lowered: 0, raised: 0, left: 0, loweredShare: null },
    });
  });

  it('defaults to the current month and refuses a bad month, topic or rule naming the field', async () => {
    expect((await get('').expect(200)).body.month).toBe('2026-04');
    expect((await get('?month=2026-13').expect(400)).body.field).toBe('month');
    expect((await get('?month=March').expect(400)).body.field).toBe('month');
    expect((await get('?topic=no-such-topic').expect(404)).body.field).toBe('topic');
    expect((await get('?rule=no-such-rule').expect(404)).body.field).toBe('rule');
    await t.http().get('/v1/reports/trust-by-kind').expect(401);
  });
});
