import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { AppConfig } from '../../platform/config/configuration';
import { queryRows } from '../../platform/database/sql';
import { LedgerService } from '../../messaging/delivery/ledger.service';
import { OnSchedulerTick } from '../../platform/scheduler/tick-handlers';
import { AttributeTriggerService } from './attribute-trigger.service';
import { DeadlinesService } from './deadlines.service';
import { DueScanService } from './due-scan.service';
import { LifecycleRule } from './lifecycle-rule.entity';

/** A tick stops starting new batches after this long; the next tick carries on. */
const TICK_BUDGET_MS = 20_000;

/**
 * The lifecycle engine's work on the scheduler tick (`@OnSchedulerTick`), in this order:
 * 1. `lifecycle-changes`: subscribers whose data changed (reschedule, cancel, late notices,
 *    attribute transitions), then first evaluations of new attribute rules;
 * 2. `lifecycle-scan`: the forward scans of date and confirmed rules;
 * 3. `lifecycle-deadlines`: notices whose deadline passed undelivered, then alerts.
 * Each runs under its own advisory lock (SchedulerService); everything is idempotent, so a
 * second scheduler process or a repeated tick writes nothing twice.
 */
@Injectable()
export class LifecycleScheduler {
  private readonly logger = new Logger('Lifecycle');
  private readonly batchSize: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dueScan: DueScanService,
    private readonly attributes: AttributeTriggerService,
    private readonly deadlines: DeadlinesService,
    private readonly ledger: LedgerService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.batchSize = config.get('lifecycle', { infer: true }).batchSize;
  }

  @OnSchedulerTick('lifecycle-changes', { order: 40 })
  async changes(now: Date): Promise<Record<string, number>> {
    const budgetEnd = Date.now() + TICK_BUDGET_MS;
    const report = { rechecked: 0, queued: 0, evaluated: 0 };
    const rules = (await this.activeRules()).filter((r) => r.triggerType !== 'event');
    for (;;) {
      const batch = await this.dataSource.transaction(async (manager) => {
        const ids = (
          await queryRows<{ subscriber_id: string }>(
            manager,
            `DELETE FROM lifecycle_recheck
              WHERE subscriber_id IN (SELECT subscriber_id FROM lifecycle_recheck
                                       ORDER BY queued_at LIMIT $1 FOR UPDATE SKIP LOCKED)
              RETURNING subscriber_id`,
            [this.batchSize],
          )
        ).map((r) => r.subscriber_id);
        const queued: string[] = [];
        if (!ids.length) return { ids, queued };
        const since = await this.activeSince(manager, rules);
        for (const rule of rules) {
          if (rule.triggerType === 'attribute') {
            queued.push(...(await this.attributes.evaluate(manager, rule, ids, now)).queued);
          } else {
            queued.push(
              ...(await this.dueScan.recheck(manager, rule, ids, now, since.get(rule.id) ?? now)),
            );
          }
        }
        return { ids, queued };
      });
      await this.ledger.enqueue(batch.queued);
      report.rechecked += batch.ids.length;
      report.queued += batch.queued.length;
      if (batch.ids.length < this.batchSize || Date.now() > budgetEnd) break;
    }
    for (const rule of rules.filter((r) => r.triggerType === 'attribute')) {
      while (Date.now() <= budgetEnd) {
        const step = await this.dataSource.transaction(async (manager) => {
          const [progress] = await queryRows<{ cursor_id: string | null; initial_done: boolean }>(
            manager,
            `SELECT cursor_id, initial_done FROM lifecycle_rule_progress WHERE rule_id = $1 FOR UPDATE`,
            [rule.id],
          );
          if (!progress || progress.initial_done) return null;
          const result = await this.attributes.initialBatch(
            manager,
            rule,
            progress.cursor_id,
            this.batchSize,
            now,
          );
          await manager.query(
            `UPDATE lifecycle_rule_progress SET cursor_id = $2, initial_done = $3, updated_at = now()
              WHERE rule_id = $1`,
            [rule.id, result.lastId, result.done],
          );
          return result;
        });
        if (!step) break;
        await this.ledger.enqueue(step.queued);
        report.queued += step.queued.length;
        report.evaluated += 1;
        if (step.done) break;
      }
    }
    return report;
  }

  @OnSchedulerTick('lifecycle-scan', { order: 41 })
  async scan(now: Date): Promise<Record<string, number>> {
    const budgetEnd = Date.now() + TICK_BUDGET_MS;
    const report = { rules: 0, scanned: 0, written: 0, missed: 0 };
    for (const rule of await this.activeRules()) {
      if (rule.triggerType !== 'date' && rule.triggerType !== 'confirmed') continue;
      if (Date.now() > budgetEnd) break;
      const r = await this.dueScan.scan(rule, now, this.batchSize, budgetEnd);
      report.rules += 1;
      report.scanned += r.scanned;
      report.written += r.written;
      report.missed += r.missed;
      if (r.written || r.missed)
        this.logger.log({ rule: rule.key, ...r }, 'Lifecycle notices scheduled');
    }
    return report;
  }

  @OnSchedulerTick('lifecycle-deadlines', { order: 42 })
  async sweep(now: Date): Promise<Record<string, number>> {
    const budgetEnd = Date.now() + TICK_BUDGET_MS;
    const report = { missed: 0, apologies: 0, alerts: 0 };
    for (;;) {
      const r = await this.deadlines.sweep(now, this.batchSize);
      report.missed += r.missed;
      report.apologies += r.apologies;
      if (r.missed < this.batchSize || Date.now() > budgetEnd) break;
    }
    report.alerts = (await this.deadlines.alertMarketer(now)).alerts;
    return report;
  }

  private activeRules(): Promise<LifecycleRule[]> {
    return this.dataSource
      .getRepository(LifecycleRule)
      .find({ where: { enabled: true, deletedAt: IsNull() }, order: { createdAt: 'ASC' } });
  }

  private async activeSince(
    manager: EntityManager,
    rules: LifecycleRule[],
  ): Promise<Map<string, Date>> {
    const rows = await queryRows<{ rule_id: string; active_since: Date }>(
      manager,
      `SELECT rule_id, active_since FROM lifecycle_rule_progress WHERE rule_id = ANY($1::uuid[])`,
      [rules.map((r) => r.id)],
    );
    return new Map(rows.map((r) => [r.rule_id, r.active_since]));
  }
}
