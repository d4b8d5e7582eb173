import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { escapeHtml } from '../../platform/http/page';
import { AppConfig } from '../../platform/config/configuration';
import { queryRows } from '../../platform/database/sql';
import { MAIL_TRANSPORT, MailTransport } from '../delivery/mail-transport';
import { OnSchedulerTick } from '../../platform/scheduler/tick-handlers';
import { Alert } from './alert.entity';

export interface NewAlert {
  dedupeKey: string;
  kind: string;
  title: string;
  details?: Record<string, unknown>;
}

const MAX_ATTEMPTS = 10;

/**
 * Tells the marketer when a promise is at risk or broken. Each occurrence is stored once (dedupe
 * key), then delivered to the webhook and/or email from config; undelivered alerts are retried on
 * scheduler ticks, so a webhook outage does not lose them.
 */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger('Alerts');
  private readonly alerts: AppConfig['alerts'];
  private readonly mail: AppConfig['mail'];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    config: ConfigService<AppConfig, true>,
  ) {
    this.alerts = config.get('alerts', { infer: true });
    this.mail = config.get('mail', { infer: true });
  }

  /** Records the alert (once per dedupe key) and tries to deliver it now. Returns false for a repeat. */
  async raise(alert: NewAlert): Promise<boolean> {
    const rows = await queryRows<Alert>(
      this.dataSource,
      `INSERT INTO alerts (dedupe_key, kind, title, details) VALUES ($1, $2, $3, $4)
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
      [alert.dedupeKey, alert.kind, alert.title, JSON.stringify(alert.details ?? {})],
    );
    if (!rows.length) return false;
    this.logger.warn({ kind: alert.kind, dedupeKey: alert.dedupeKey }, alert.title);
    await this.deliver(rows[0].id);
    return true;
  }

  async recent(limit = 50): Promise<Alert[]> {
    return this.dataSource.getRepository(Alert).find({ order: { createdAt: 'DESC' }, take: limit });
  }

  @OnSchedulerTick('alerts-retry', { order: 10 })
  private async retryUndelivered(): Promise<{ retried: number }> {
    if (!this.alerts.webhookUrl && !this.alerts.emails.length) return { retried: 0 };
    const pending = await queryRows<{ id: string }>(
      this.dataSource,
      `SELECT id FROM alerts
        WHERE attempts < $1
          AND (($2 AND webhook_delivered_at IS NULL) OR ($3 AND email_delivered_at IS NULL))
        ORDER BY created_at LIMIT 100`,
      [MAX_ATTEMPTS, !!this.alerts.webhookUrl, this.alerts.emails.length > 0],
    );
    for (const { id } of pending) await this.deliver(id);
    return { retried: pending.length };
  }

  private async deliver(id: string): Promise<void> {
    const alert = await this.dataSource.getRepository(Alert).findOneByOrFail({ id });
    const errors: string[] = [];
    if (this.alerts.webhookUrl && !alert.webhookDeliveredAt) {
      try {
        await this.postWebhook(alert);
        alert.webhookDeliveredAt = new Date();
      } catch (err) {
        errors.push(`webhook: ${(err as Error).message}`);
      }
    }
    if (this.alerts.emails.length && !alert.emailDeliveredAt) {
      try {
        await this.email(alert);
        alert.emailDeliveredAt = new Date();
      } catch (err) {
        errors.push(`email: ${(err as Error).message}`);
      }
    }
    alert.attempts += 1;
    alert.lastError = errors.length ? errors.join('; ') : null;
    await this.dataSource.getRepository(Alert).save(alert);
    if (errors.length)
      this.logger.warn({ alertId: id, errors }, 'Alert delivery failed; will retry');
  }

  private async postWebhook(alert: Alert): Promise<void> {
    const body = JSON.stringify({
      id: alert.id,
      kind: alert.kind,
      title: alert.title,
      details: alert.details,
      createdAt: alert.createdAt,
    });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Tidings-Alerts',
    };
    if (this.alerts.webhookSecret) {
      headers['x-tidings-signature'] =
        `sha256=${createHmac('sha256', this.alerts.webhookSecret).update(body).digest('hex')}`;
    }
    const res = await fetch(this.alerts.webhookUrl!, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  }

  private async email(alert: Alert): Promise<void> {
    const details = JSON.stringify(alert.details, null, 2);
    await this.transport.send({
      from: this.mail.from,
      to: { name: '', address: this.alerts.emails[0] },
      headers: this.alerts.emails.length > 1 ? { Cc: this.alerts.emails.slice(1).join(', ') } : {},
      subject: `[Tidings alert] ${alert.title}`.replace(/[\r\n]+/g, ' '),
      text: `${alert.title}\n\n${details}\n`,
      html: `<h2>${escapeHtml(alert.title)}</h2><pre>${escapeHtml(details)}</pre>`,
      messageId: `<alert-${alert.id}@${this.mail.domain}>`,
    });
  }
}
