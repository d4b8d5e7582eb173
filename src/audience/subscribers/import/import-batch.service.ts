import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { NewConsentEvent, ConsentService } from '../../consent/consent.service';
import { DEFAULT_WORDING_VERSION, defaultWording } from '../../consent/wording';
import { EventOutbox } from '../../../platform/events/event-outbox';
import { SuppressionsService } from '../../suppressions/suppressions.service';
import type { SubscriberStatus } from '../subscriber.entity';
import { ImportRow, mergeChoices, RowError, TopicChoice } from './import-row';
import { localeOr } from '../../../platform/locale';
import { ImportedPurposeGrants } from './imported-purpose-grants';

/** What applies to every row of one import. */
export interface BatchSettings {
  /** The import's `topics` option, joined by every row. */
  topics: TopicChoice[];
  /** The wording recorded with the opt-ins; the default wording when absent. */
  consent?: { text: string; version: string };
  /** Validate and count inside a transaction that is rolled back. */
  dryRun: boolean;
  /** Facts recorded with each consent event (API key id, file name). */
  details: Record<string, unknown>;
}

export interface BatchOutcome {
  created: number;
  updated: number;
  unchanged: number;
  /** New subscriptions. */
  subscribed: number;
  /** Rows refused (each with at least one entry in `errors`). */
  failed: number;
  errors: RowError[];
}

// Unsubscribed people left on purpose; the others cannot be mailed at all. An import must not
// quietly bring any of them back.
const UNTOUCHABLE = new Set<SubscriberStatus>(['unsubscribed', 'bounced', 'complained', 'erased']);

const MAX_ATTEMPTS = 5;

interface ExistingSubscriber {
  id: string;
  email: string;
  status: SubscriberStatus;
  is_customer: boolean;
  locale: string;
}

interface Plan {
  row: ImportRow;
  existing?: ExistingSubscriber;
  /** Subscriptions to create (the topic is new to this subscriber). */
  join: TopicChoice[];
}

/** Another transaction created one of the batch's addresses after it was read: start over. */
class ConcurrentInsert extends Error {}

/** Carries a dry run's outcome out of the transaction that is being rolled back. */
class DryRunRollback extends Error {
  constructor(readonly outcome: BatchOutcome) {
    super('dry run');
  }
}

/**
 * Writes one batch of validated rows with set-based SQL in one transaction: all of the batch's
 * valid rows are written, or (on an error) none of them. Rows refused by a database-backed rule
 * (suppressed, unsubscribed, a prospect on a customers-only topic) are reported and skipped
 * without holding up the rest.
 */
@Injectable()
export class ImportBatchService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly suppressions: SuppressionsService,
    private readonly consent: ConsentService,
    private readonly events: EventOutbox,
    private readonly purposeGrants: ImportedPurposeGrants,
  ) {}

  /** Rows must have distinct emails (the caller starts a new batch on a repeat). */
  async write(rows: ImportRow[], settings: BatchSettings): Promise<BatchOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(async (manager) => {
          const outcome = await this.apply(manager, rows, settings);
          if (settings.dryRun) throw new DryRunRollback(outcome);
          return outcome;
        });
      } catch (err) {
        if (err instanceof DryRunRollback) return err.outcome;
        if (attempt < MAX_ATTEMPTS && isRetryable(err)) continue;
        throw err;
      }
    }
  }

  private async apply(
    m: EntityManager,
    rows: ImportRow[],
    settings: BatchSettings,
  ): Promise<BatchOutcome> {
    const errors: RowError[] = [];
    const refused = new Set<number>();
    const refuse = (row: ImportRow, field: string, message: string) => {
      errors.push({ line: row.line, field, message });
      refused.add(row.line);
    };

    // Lock first, then check suppressions: an erasure that commits while we wait for its lock
    // has added its suppression by the time the check runs.
    const existing = await m.query<ExistingSubscriber[]>(
      `SELECT id, email, status, is_customer, locale FROM subscribers
        WHERE email = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE`,
      [rows.map((r) => r.email)],
    );
    const byEmail = new Map(existing.map((e) => [e.email, e]));
    const suppressed = await this.suppressions.suppressedAmong(
      rows.map((r) => r.email),
      m,
    );

    const candidates: Plan[] = [];
    for (const row of rows) {
      const found = byEmail.get(row.email);
      if (suppressed.has(row.email)) {
        refuse(
          row,
          'email',
          'this address is on the suppression list (bounced, complained or erased) and cannot be imported',
        );
      } else if (found && UNTOUCHABLE.has(found.status)) {
        refuse(
          row,
          'email',
          `this subscriber's status is ${found.status}; an import never changes such a subscriber`,
        );
      } else {
        candidates.push({ row, existing: found, join: mergeChoices(settings.topics, row.topics) });
      }
    }

    const purposeRefusals = await this.purposeGrants.refusals(m, [
      ...new Set(candidates.flatMap((c) => c.row.purposes ?? [])),
    ]);
    const current = await this.currentSubscriptions(m, candidates);
    const plans: Plan[] = [];
    for (const plan of candidates) {
      const { row, existing: found } = plan;
      const isCustomer = row.isCustomer ?? found?.is_customer ?? false;
      const join: TopicChoice[] = [];
      for (const choice of plan.join) {
        const key = choice.topic.key;
        const status = found ? current.get(`${found.id}:${choice.topic.id}`) : undefined;
        if (!isCustomer && !choice.topic.prospectsAllowed) {
          refuse(
            row,
            'topics',
            `topic "${key}" is for customers only; this subscriber is a prospect (is_customer false)`,
          );
        } else if (status === 'unsubscribed') {
          refuse(
            row,
            'topics',
            `this subscriber unsubscribed from "${key}"; an import never subscribes them again`,
          );
        } else if (status === undefined) {
          join.push(choice);
        }
      }
      for (const key of row.purposes ?? []) {
        const why = purposeRefusals.get(key);
        if (why) refuse(row, 'purposes', `purpose "${key}": ${why}`);
      }
      if (!refused.has(row.line)) plans.push({ ...plan, join });
    }

    const fresh = plans.filter((p) => !p.existing);
    const known = plans.filter((p) => p.existing);
    const ids = new Map<string, string>(known.map((p) => [p.row.email, p.existing!.id]));
    const inserted = await this.insertSubscribers(m, fresh);
    for (const r of inserted) ids.set(r.email, r.id);
    await this.events.record(
      m,
      inserted.map((r) => ({
        type: 'subscriber.created',
        subscriberId: r.id,
        data: { subscriberId: r.id, status: 'active', isCustomer: r.is_customer, source: 'import' },
        occurredAt: new Date(),
      })),
    );
    if (ids.size !== plans.length) throw new ConcurrentInsert();

    const changed = new Set<string>();
    for (const id of await this.updateSubscribers(m, known)) changed.add(id);
    for (const id of await this.writeDates(m, plans, ids)) changed.add(id);
    const joined = await this.insertSubscriptions(m, plans, ids);
    for (const j of joined) changed.add(j.subscriberId);
    await this.recordOptIns(m, joined, settings);
    await this.purposeGrants.grant(
      m,
      plans.flatMap(({ row, existing: found }) =>
        row.purposes?.length
          ? [
              {
                subscriberId: ids.get(row.email)!,
                locale: localeOr(row.locale ?? found?.locale ?? 'en'),
                purposes: row.purposes,
              },
            ]
          : [],
      ),
      settings.details,
    );

    const updated = known.filter((p) => changed.has(p.existing!.id)).length;
    return {
      created: fresh.length,
      updated,
      unchanged: known.length - updated,
      subscribed: joined.length,
      failed: refused.size,
      errors,
    };
  }

  /** Status of each existing subscriber's subscription to the topics in play, by `sub:topic`. */
  private async currentSubscriptions(m: EntityManager, plans: Plan[]) {
    const subscriberIds = plans.flatMap((p) =>
      p.existing && p.join.length ? [p.existing.id] : [],
    );
    const topicIds = [...new Set(plans.flatMap((p) => p.join.map((c) => c.topic.id)))];
    const out = new Map<string, string>();
    if (!subscriberIds.length || !topicIds.length) return out;
    const rows = await m.query<{ subscriber_id: string; topic_id: string; status: string }[]>(
      `SELECT subscriber_id, topic_id, status FROM subscriptions
        WHERE subscriber_id = ANY($1::uuid[]) AND topic_id = ANY($2::uuid[])`,
      [subscriberIds, topicIds],
    );
    for (const r of rows) out.set(`${r.subscriber_id}:${r.topic_id}`, r.status);
    return out;
  }

  private async insertSubscribers(
    m: EntityManager,
    plans: Plan[],
  ): Promise<{ id: string; email: string; is_customer: boolean }[]> {
    if (!plans.length) return [];
    const rows = plans.map((p) => p.row);
    // New subscribers are active; a null attribute means "remove", which for them is "omit".
    return m.query(
      `INSERT INTO subscribers (email, name, locale, timezone, is_customer, attributes, status)
       SELECT u.email, u.name, u.locale, coalesce(u.timezone, 'UTC'),
              coalesce(u.is_customer, false), coalesce(u.attributes::jsonb, '{}'::jsonb), 'active'
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[])
              AS u(email, name, locale, timezone, is_customer, attributes)
       ON CONFLICT (email) DO NOTHING
       RETURNING id, email, is_customer`,
      [
        rows.map((r) => r.email),
        rows.map((r) => r.name ?? null),
        rows.map((r) => r.locale ?? localeOr('en')),
        rows.map((r) => r.timezone ?? null),
        rows.map((r) => r.isCustomer ?? null),
        rows.map((r) => (r.attributes ? JSON.stringify(splitAttributes(r.attributes).set) : null)),
      ],
    );
  }

  /** Only the fields a row gives; attributes merged. Returns the ids that actually changed. */
  private async updateSubscribers(m: EntityManager, plans: Plan[]): Promise<string[]> {
    if (!plans.length) return [];
    const rows = plans.map((p) => p.row);
    const attrs = rows.map((r) => (r.attributes ? splitAttributes(r.attributes) : undefined));
    // TypeORM answers an UPDATE or DELETE ... RETURNING on PostgreSQL with [rows, count].
    const [changed] = await m.query<[{ id: string }[], number]>(
      `UPDATE subscribers s
          SET name = v.name, locale = v.locale, timezone = v.timezone,
              is_customer = v.is_customer, attributes = v.attributes, updated_at = now()
         FROM (
           SELECT x.id,
                  coalesce(u.name, x.name) AS name,
                  coalesce(u.locale, x.locale) AS locale,
                  coalesce(u.timezone, x.timezone) AS timezone,
                  coalesce(u.is_customer, x.is_customer) AS is_customer,
                  (x.attributes || coalesce(u.attrs::jsonb, '{}'::jsonb))
                    - ARRAY(SELECT jsonb_array_elements_text(coalesce(u.removed::jsonb, '[]'::jsonb)))
                    AS attributes
             FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[], $7::text[])
                  AS u(id, name, locale, timezone, is_customer, attrs, removed)
             JOIN subscribers x ON x.id = u.id
         ) v
        WHERE s.id = v.id
          AND (s.name, s.locale, s.timezone, s.is_customer, s.attributes)
              IS DISTINCT FROM (v.name, v.locale, v.timezone, v.is_customer, v.attributes)
       RETURNING s.id`,
      [
        plans.map((p) => p.existing!.id),
        rows.map((r) => r.name ?? null),
        rows.map((r) => r.locale ?? null),
        rows.map((r) => r.timezone ?? null),
        rows.map((r) => r.isCustomer ?? null),
        attrs.map((a) => (a ? JSON.stringify(a.set) : null)),
        attrs.map((a) => (a?.removed.length ? JSON.stringify(a.removed) : null)),
      ],
    );
    return changed.map((r) => r.id);
  }

  /** Sets and removes dated attributes; returns the subscriber ids whose dates changed. */
  private async writeDates(
    m: EntityManager,
    plans: Plan[],
    ids: Map<string, string>,
  ): Promise<string[]> {
    const set: { id: string[]; name: string[]; value: string[] } = { id: [], name: [], value: [] };
    const removed: { id: string[]; name: string[] } = { id: [], name: [] };
    for (const { row, existing } of plans) {
      const id = ids.get(row.email)!;
      for (const [name, value] of Object.entries(row.dates ?? {})) {
        if (value !== null) {
          set.id.push(id);
          set.name.push(name);
          set.value.push(value);
        } else if (existing) {
          removed.id.push(id);
          removed.name.push(name);
        }
      }
    }
    const out: string[] = [];
    if (set.id.length) {
      const rows = await m.query<{ subscriber_id: string }[]>(
        `INSERT INTO subscriber_dates (subscriber_id, name, value)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::date[])
         ON CONFLICT (subscriber_id, name) DO UPDATE SET value = EXCLUDED.value
          WHERE subscriber_dates.value IS DISTINCT FROM EXCLUDED.value
         RETURNING subscriber_id`,
        [set.id, set.name, set.value],
      );
      out.push(...rows.map((r) => r.subscriber_id));
    }
    if (removed.id.length) {
      const rows = await m.query<[{ subscriber_id: string }[], number]>(
        `DELETE FROM subscriber_dates d USING unnest($1::uuid[], $2::text[]) AS r(id, name)
          WHERE d.subscriber_id = r.id AND d.name = r.name
         RETURNING d.subscriber_id`,
        [removed.id, removed.name],
      );
      out.push(...rows[0].map((r) => r.subscriber_id));
    }
    return out;
  }

  private async insertSubscriptions(m: EntityManager, plans: Plan[], ids: Map<string, string>) {
    const cols: { sub: string[]; topic: string[]; status: string[]; frequency: string[] } = {
      sub: [],
      topic: [],
      status: [],
      frequency: [],
    };
    const choiceOf = new Map<string, TopicChoice>();
    for (const plan of plans) {
      const id = ids.get(plan.row.email)!;
      for (const choice of plan.join) {
        cols.sub.push(id);
        cols.topic.push(choice.topic.id);
        // As through the API: a subscriber still to confirm gets subscriptions still to confirm.
        cols.status.push(plan.existing?.status === 'pending' ? 'pending' : 'active');
        cols.frequency.push(choice.frequency);
        choiceOf.set(`${id}:${choice.topic.id}`, choice);
      }
    }
    if (!cols.sub.length) return [];
    const rows = await m.query<{ subscriber_id: string; topic_id: string }[]>(
      `INSERT INTO subscriptions (subscriber_id, topic_id, status, frequency)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[])
       ON CONFLICT (subscriber_id, topic_id) DO NOTHING
       RETURNING subscriber_id, topic_id`,
      [cols.sub, cols.topic, cols.status, cols.frequency],
    );
    return rows.map((r) => ({
      subscriberId: r.subscriber_id,
      choice: choiceOf.get(`${r.subscriber_id}:${r.topic_id}`)!,
    }));
  }

  private async recordOptIns(
    m: EntityManager,
    joined: { subscriberId: string; choice: TopicChoice }[],
    settings: BatchSettings,
  ): Promise<void> {
    const events: NewConsentEvent[] = joined.map(({ subscriberId, choice }) => ({
      subscriberId,
      action: 'opt_in',
      topicId: choice.topic.id,
      wording:
        settings.consent?.text ??
        defaultWording('opt_in', {
          topic: choice.topic.name,
          frequency: choice.frequency,
          via: 'an import',
        }),
      wordingVersion: settings.consent?.version ?? DEFAULT_WORDING_VERSION,
      source: 'import',
      details: { ...settings.details, frequency: choice.frequency },
    }));
    await this.consent.record(m, events);
  }
}

/** Attribute values to set, and the keys a null value removes. */
export function splitAttributes(attributes: Record<string, unknown>): {
  set: Record<string, unknown>;
  removed: string[];
} {
  const set = Object.create(null) as Record<string, unknown>;
  const removed: string[] = [];
  for (const [k, v] of Object.entries(attributes)) {
    if (v === null) removed.push(k);
    else set[k] = v;
  }
  return { set, removed };
}

function isRetryable(err: unknown): boolean {
  if (err instanceof ConcurrentInsert) return true;
  // Deadlock or serialization failure with a concurrent writer: the whole batch can run again.
  const code = err instanceof QueryFailedError ? (err.driverError as { code?: string }).code : '';
  return code === '40P01' || code === '40001';
}
