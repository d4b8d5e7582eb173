import { randomBytes } from 'node:crypto';
import type { TestApp } from '../support/test-app';

export const unique = (prefix = 'x') => `${prefix}-${randomBytes(4).toString('hex')}`;

export const uniqueEmail = (name = 'sub') =>
  `${name}.${randomBytes(5).toString('hex')}@example.test`;

export function topicInput(overrides: Record<string, unknown> = {}) {
  return {
    key: unique('topic'),
    name: 'Product news',
    description: 'What changed in the product',
    kind: 'editorial',
    allowedFrequencies: ['weekly', 'monthly'],
    defaultFrequency: 'monthly',
    prospectsAllowed: true,
    ...overrides,
  };
}

export function subscriberInput(overrides: Record<string, unknown> = {}) {
  return {
    email: uniqueEmail(),
    name: 'Ada',
    locale: 'en',
    timezone: 'Europe/Amsterdam',
    isCustomer: true,
    ...overrides,
  };
}

/** Content for the `notice` template in both locales, with the lifecycle placeholders. */
export function noticeContent(what = 'policy') {
  return {
    en: {
      heading: `Your ${what} renews on {date}`,
      intro: `Your ${what} renews automatically. Want to change or cancel it? You can until {deadline}.`,
      reason: `You get this because your ${what} renews on {date}.`,
      summary: 'A reminder {days} days before your renewal on {date}',
    },
    nl: {
      heading: `Je ${what} wordt op {date} verlengd`,
      intro: `Je ${what} wordt automatisch verlengd. Aanpassen of opzeggen kan tot {deadline}.`,
      reason: `Je krijgt dit bericht omdat je ${what} op {date} wordt verlengd.`,
      summary: 'Een herinnering {days} dagen voor je verlenging op {date}',
    },
  };
}

/** A `date` rule: 30 days before renewal_date, deadline 14 days before, on a notice topic. */
export function lifecycleRuleInput(topic: string, overrides: Record<string, unknown> = {}) {
  return {
    key: unique('rule'),
    name: 'Renewal reminder',
    topic,
    template: 'notice',
    apologyTemplate: 'apology',
    trigger: { type: 'date', date: 'renewal_date', offsetDays: -30 },
    deadlineDays: -14,
    content: noticeContent(),
    ...overrides,
  };
}

/** A subscriber as the API returns it on creation. */
export interface CreatedSubscriber {
  id: string;
  email: string;
  status: string;
  locale: string;
  timezone: string;
  attributes: Record<string, unknown>;
  dates: Record<string, string>;
  subscriptions: Array<{ topic: string; status: string; frequency: string }>;
}

/**
 * A subscriber created through the API (`POST /v1/subscribers`, expecting 201) from
 * `subscriberInput(overrides)`: active, a customer, a unique address unless one is given.
 */
export async function createSubscriber(
  t: Pick<TestApp, 'api'>,
  overrides: Record<string, unknown> = {},
): Promise<CreatedSubscriber> {
  const res = await t.api().post('/v1/subscribers').send(subscriberInput(overrides)).expect(201);
  return res.body as CreatedSubscriber;
}

/**
 * Subscribers of `topic` created through the API, each from `each(i)`, whose period has room now
 * (their subscriptions' next slot set to a day ago): a campaign sends to them rather than folding.
 */
export async function subscribersWithRoom(
  t: Pick<TestApp, 'api' | 'dataSource'>,
  topic: { key: string },
  each: ReadonlyArray<Record<string, unknown>>,
  emailPrefix = 'sub',
): Promise<CreatedSubscriber[]> {
  const out: CreatedSubscriber[] = [];
  for (const overrides of each) {
    out.push(
      await createSubscriber(t, {
        email: uniqueEmail(emailPrefix),
        topics: [{ topic: topic.key }],
        ...overrides,
      }),
    );
  }
  await t.dataSource.query(
    `UPDATE audience_subscriptions SET next_due_at = now() - interval '1 day' WHERE subscriber_id = ANY($1)`,
    [out.map((s) => s.id)],
  );
  return out;
}

/**
 * Topics created through the API (`POST /v1/topics`, expecting 201), one per `[name, kind]`,
 * weekly by default (weekly and monthly allowed), by name.
 */
export async function createTopics(
  t: Pick<TestApp, 'api'>,
  specs: ReadonlyArray<readonly [string, string]>,
): Promise<Record<string, { id: string; key: string }>> {
  const topics: Record<string, { id: string; key: string }> = {};
  for (const [name, kind] of specs) {
    const input = topicInput({
      name,
      kind,
      allowedFrequencies: ['weekly', 'monthly'],
      defaultFrequency: 'weekly',
    });
    topics[name] = (await t.api().post('/v1/topics').send(input).expect(201)).body;
  }
  return topics;
}

/**
 * A usage-alert rule: event `usage.threshold` at 90% or more, relying on the `usage-alerts`
 * data-use purpose (the plan attribute and the event), with nl and en content.
 */
export function usageAlertRuleInput(topic: string, overrides: Record<string, unknown> = {}) {
  return {
    key: unique('usage-warning'),
    name: 'Bundle 90% used',
    topic,
    template: 'notice',
    trigger: {
      type: 'event',
      event: 'usage.threshold',
      condition: { path: 'percentUsed', op: 'gte', value: 90 },
      cooldownDays: 0,
    },
    deadlineDays: 2,
    purposes: ['usage-alerts'],
    content: {
      en: {
        heading: 'You used {event.percentUsed}% of your {attributes.plan} bundle',
        intro: 'At this pace it runs out before the month ends.',
        reason: 'You get this because you allowed usage alerts.',
      },
      nl: {
        heading: 'Je gebruikte {event.percentUsed}% van je {attributes.plan}-bundel',
        intro: 'In dit tempo is het op voor de maand voorbij is.',
        reason: 'Je krijgt dit omdat je verbruiksmeldingen toestond.',
      },
    },
    ...overrides,
  };
}

/** The contract-based purpose `billing` (the iban attribute), created through the API. */
export async function createBillingPurpose(t: Pick<TestApp, 'api'>): Promise<void> {
  await t
    .api()
    .post('/v1/data-purposes')
    .send({ key: 'billing', name: 'Billing', attributes: ['iban'], legalBasis: 'contract' })
    .expect(201);
}

/**
 * An editorial content item and a campaign of it scheduled at `sendAt`, through the API; returns
 * the campaign's id.
 */
export async function scheduleCampaign(
  t: Pick<TestApp, 'api'>,
  c: { topic: string; name: string; sendAt: string; title?: string; summary?: string },
): Promise<string> {
  const item = await t
    .api()
    .post('/v1/content-items')
    .send({
      topic: c.topic,
      kind: 'editorial',
      title: c.title ?? 'Spring',
      summary: c.summary ?? 'Spring news.',
    })
    .expect(201);
  const campaign = await t
    .api()
    .post('/v1/campaigns')
    .send({ name: c.name, topic: c.topic, contentItem: item.body.id, sendAt: c.sendAt })
    .expect(201);
  return campaign.body.id as string;
}
