import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { from, Observable, of } from 'rxjs';
import { mergeMap } from 'rxjs/operators';
import type { AuthenticatedRequest } from '../../platform/http/auth.decorators';
import { ActivityAction, ActivityService, Actor } from './activity.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Recorded {
  /** The action, or how to tell it from the request (what it asked for). */
  action: ActivityAction | ((req: Request) => ActivityAction);
  targetType: string;
  /** The target's id from the request and the answer; null when it must not be kept. */
  target: (req: Request, body: Record<string, unknown> | undefined) => string | null;
  details?: (body: Record<string, unknown> | undefined, req: Request) => Record<string, unknown>;
  /** Record only on this status (a repeated idempotent request answers 200, not 201). */
  status?: number;
}

const param = (name: string) => (req: Request) => String(req.params?.[name] ?? '') || null;
const bodyId = (_: Request, body: Record<string, unknown> | undefined) =>
  typeof body?.id === 'string' ? body.id : null;
/** The subscriber named by id in the path; null when named by email (the log keeps no address). */
const subscriberId = (req: Request) => {
  const id = String(req.params?.id ?? '');
  return UUID.test(id) ? id.toLowerCase() : null;
};

/**
 * The routes other modules own whose success the activity log records, by method and route
 * path. Kept here, in the surface that owns the log, so the modules below need not know it.
 */
export const RECORDED_ROUTES: Readonly<Record<string, Recorded>> = {
  'POST /v1/campaigns': {
    action: 'campaign.launched',
    targetType: 'campaign',
    target: bodyId,
    status: 201,
    details: (b) => ({ topic: b?.topic, kind: b?.kind, sendAt: b?.sendAt }),
  },
  'POST /v1/campaigns/:id/cancel': {
    action: 'campaign.cancelled',
    targetType: 'campaign',
    target: param('id'),
  },
  'POST /v1/campaigns/:id/resume': {
    action: 'campaign.resumed',
    targetType: 'campaign',
    target: param('id'),
  },
  'POST /v1/templates/:key/publish': {
    action: 'template.published',
    targetType: 'template',
    target: param('key'),
    // The answer is the saved template: its published version is the one just made.
    details: (b) => ({ version: (b?.template as { version?: unknown } | undefined)?.version }),
  },
  'POST /v1/templates/:key/versions/:n/restore': {
    action: 'template.restored',
    targetType: 'template',
    target: param('key'),
    details: (_, req) => ({ version: Number(req.params?.n) }),
  },
  'POST /v1/templates/:key/reset': {
    action: 'template.reset',
    targetType: 'template',
    target: param('key'),
  },
  'POST /v1/lifecycle-rules': {
    action: 'lifecycle_rule.created',
    targetType: 'lifecycle_rule',
    target: bodyId,
    status: 201,
    details: (b) => ({ key: b?.key, enabled: b?.enabled }),
  },
  // A change of `enabled` alone is an enable or a disable; anything else is a change (with the
  // fields it changed, and whether the rule is enabled after it).
  'PATCH /v1/lifecycle-rules/:idOrKey': {
    action: (req) => {
      const asked = (req.body ?? {}) as Record<string, unknown>;
      const fields = Object.keys(asked);
      if (fields.length === 1 && typeof asked.enabled === 'boolean') {
        return asked.enabled ? 'lifecycle_rule.enabled' : 'lifecycle_rule.disabled';
      }
      return 'lifecycle_rule.changed';
    },
    targetType: 'lifecycle_rule',
    target: bodyId,
    details: (b, req) => ({
      key: b?.key,
      enabled: b?.enabled,
      fields: Object.keys((req.body ?? {}) as object),
    }),
  },
  'DELETE /v1/lifecycle-rules/:idOrKey': {
    action: 'lifecycle_rule.deleted',
    targetType: 'lifecycle_rule',
    target: param('idOrKey'),
  },
  'POST /v1/topics': {
    action: 'topic.created',
    targetType: 'topic',
    target: bodyId,
    status: 201,
    details: (b) => ({ key: b?.key }),
  },
  'PATCH /v1/topics/:idOrKey': {
    action: 'topic.changed',
    targetType: 'topic',
    target: bodyId,
    details: (b) => ({ key: b?.key }),
  },
  'DELETE /v1/topics/:idOrKey': {
    action: 'topic.archived',
    targetType: 'topic',
    target: bodyId,
    details: (b) => ({ key: b?.key }),
  },
  // The subscriber is named by id only: a request that names them by email address keeps no address.
  'DELETE /v1/subscribers/:id': {
    action: 'subscriber.erased',
    targetType: 'subscriber',
    target: subscriberId,
  },
  'POST /v1/subscribers/:id/resend-confirmation': {
    action: 'subscriber.confirmation_resent',
    targetType: 'subscriber',
    target: subscriberId,
  },
  'POST /v1/subscribers/:id/preference-link': {
    action: 'subscriber.preference_link_sent',
    targetType: 'subscriber',
    target: subscriberId,
  },
  'POST /v1/subscribers/:id/pause': {
    action: 'subscriber.paused',
    targetType: 'subscriber',
    target: subscriberId,
    details: (b) => ({ pausedUntil: b?.pausedUntil }),
  },
  'DELETE /v1/subscribers/:id/pause': {
    action: 'subscriber.resumed',
    targetType: 'subscriber',
    target: subscriberId,
  },
  'POST /v1/subscribers/:id/unsubscribe-all': {
    action: 'subscriber.unsubscribed',
    targetType: 'subscriber',
    target: subscriberId,
    details: (b) => ({ topic: null, changed: b?.changed }),
  },
  'DELETE /v1/subscribers/:id/subscriptions/:topic': {
    action: 'subscriber.unsubscribed',
    targetType: 'subscriber',
    target: subscriberId,
    details: (b, req) => ({ topic: req.params?.topic, changed: b?.changed }),
  },
  'GET /v1/subscribers/:id/export': {
    action: 'subscriber.exported',
    targetType: 'subscriber',
    target: subscriberId,
  },
  'POST /v1/subscribers/imports': {
    action: 'subscriber.import_started',
    targetType: 'subscriber_import',
    target: bodyId,
    details: (b) => ({ total: b?.total, format: b?.format, dryRun: b?.dryRun }),
  },
  'POST /v1/api-keys': {
    action: 'api_key.created',
    targetType: 'api_key',
    target: bodyId,
    details: (b) => ({ name: b?.name, scopes: b?.scopes }),
  },
  'DELETE /v1/api-keys/:id': {
    action: 'api_key.revoked',
    targetType: 'api_key',
    target: param('id'),
  },
  // Where events go, and so who learns what about subscribers: who added or changed an endpoint.
  'POST /v1/webhook-endpoints': {
    action: 'webhook_endpoint.created',
    targetType: 'webhook_endpoint',
    target: bodyId,
    details: (b) => ({ url: b?.url, events: b?.events, enabled: b?.enabled }),
  },
  'PATCH /v1/webhook-endpoints/:id': {
    action: 'webhook_endpoint.changed',
    targetType: 'webhook_endpoint',
    target: param('id'),
    details: (b) => ({ url: b?.url, events: b?.events, enabled: b?.enabled }),
  },
  'DELETE /v1/webhook-endpoints/:id': {
    action: 'webhook_endpoint.deleted',
    targetType: 'webhook_endpoint',
    target: param('id'),
    details: (b) => ({ url: b?.url }),
  },
};

/** The user or API key that made a request. */
export function actorOf(req: AuthenticatedRequest): Actor {
  if (req.user) return { type: 'user', id: req.user.userId, name: req.user.email };
  if (req.apiKey) return { type: 'api_key', id: req.apiKey.id, name: req.apiKey.name };
  return { type: 'system', id: null, name: 'system' };
}

/**
 * Records a successful request to a route of RECORDED_ROUTES, after the handler and before the
 * answer leaves, so the log has it when the caller reads it. A failure to record is logged, not
 * turned into an error: the change itself is done.
 */
@Injectable()
export class ActivityInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Activity');

  constructor(private readonly activity: ActivityService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const req = http.getRequest<Request & AuthenticatedRequest>();
    const routePath = (req.route as { path?: string } | undefined)?.path;
    const rule = routePath ? RECORDED_ROUTES[`${req.method} ${routePath}`] : undefined;
    if (!rule) return next.handle();
    const res = http.getResponse<Response>();
    return next.handle().pipe(
      mergeMap((result: unknown) => {
        if (rule.status && res.statusCode !== rule.status) return of(result);
        const body = (result ?? undefined) as Record<string, unknown> | undefined;
        const details = rule.details ? withoutUndefined(rule.details(body, req)) : {};
        const action = typeof rule.action === 'function' ? rule.action(req) : rule.action;
        return from(
          this.activity
            .record(
              actorOf(req),
              action,
              { type: rule.targetType, id: rule.target(req, body) },
              details,
            )
            .catch((err: unknown) => this.logger.warn({ err, action }, 'Could not record activity'))
            .then(() => result),
        );
      }),
    );
  }
}

function withoutUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
