import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { InvalidInputError } from '../../platform/errors/domain-errors';

/** The actions the log records (docs/accounts.md lists them with their routes). */
export const ACTIVITY_ACTIONS = [
  'campaign.launched',
  'campaign.cancelled',
  'campaign.resumed',
  'template.published',
  'template.restored',
  'template.reset',
  'topic.created',
  'topic.changed',
  'topic.archived',
  'subscriber.erased',
  'lifecycle_rule.created',
  'lifecycle_rule.changed',
  'lifecycle_rule.enabled',
  'lifecycle_rule.disabled',
  'lifecycle_rule.deleted',
  'subscriber.confirmation_resent',
  'subscriber.preference_link_sent',
  'subscriber.paused',
  'subscriber.resumed',
  'subscriber.unsubscribed',
  'subscriber.exported',
  'subscriber.import_started',
  'user.invited',
  'user.role_changed',
  'user.disabled',
  'user.enabled',
  'user.deleted',
  'user.owner_created',
  'api_key.created',
  'api_key.revoked',
  'webhook_endpoint.created',
  'webhook_endpoint.changed',
  'webhook_endpoint.deleted',
  'user.password_changed',
] as const;
export type ActivityAction = (typeof ACTIVITY_ACTIONS)[number];

export type ActorType = 'user' | 'api_key' | 'system';

export interface Actor {
  type: ActorType;
  id: string | null;
  /** A user's email or an API key's name, as it was at the time. */
  name: string;
}

export interface ActivityEntry {
  id: string;
  occurredAt: Date;
  actorType: ActorType;
  actorId: string | null;
  actorName: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
}

export interface ActivityFilter {
  actor?: string;
  action?: string;
  from?: Date;
  to?: Date;
  /** Entries older than this entry id (keyset, newest first). */
  before?: string;
  limit: number;
}

/**
 * Who did what. Other modules do not call this: the surfaces record through the
 * ActivityInterceptor (routes marked @RecordsActivity) and the accounts module itself.
 */
@Injectable()
export class ActivityService {
  constructor(private readonly dataSource: DataSource) {}

  async record(
    actor: Actor,
    action: ActivityAction,
    target: { type: string; id: string | null },
    details: Record<string, unknown> = {},
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO activity_log (actor_type, actor_id, actor_name, action, target_type, target_id, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [actor.type, actor.id, actor.name, action, target.type, target.id, JSON.stringify(details)],
    );
  }

  async list(filter: ActivityFilter): Promise<ActivityEntry[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.actor) add('actor_id = ?::uuid', filter.actor);
    if (filter.action) add('action = ?', filter.action);
    if (filter.from) add('occurred_at >= ?', filter.from);
    if (filter.to) add('occurred_at < ?', filter.to);
    if (filter.before) {
      if (!/^[0-9]{1,18}$/.test(filter.before))
        throw new InvalidInputError('before must be an entry id', 'before');
      add('id < ?::bigint', filter.before);
    }
    params.push(filter.limit);
    const rows = await this.dataSource.query<
      Array<{
        id: string;
        occurred_at: Date;
        actor_type: ActorType;
        actor_id: string | null;
        actor_name: string;
        action: string;
        target_type: string | null;
        target_id: string | null;
        details: Record<string, unknown>;
      }>
    >(
      `SELECT id::text, occurred_at, actor_type, actor_id, actor_name, action, target_type,
              target_id, details
         FROM activity_log
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY id DESC
        LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      occurredAt: r.occurred_at,
      actorType: r.actor_type,
      actorId: r.actor_id,
      actorName: r.actor_name,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      details: r.details,
    }));
  }
}
