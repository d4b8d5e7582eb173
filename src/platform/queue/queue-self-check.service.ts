import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleInit,
  Type,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryService, Reflector } from '@nestjs/core';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { AppConfig } from '../config/configuration';
import { Clock } from '../clock';
import { decoratedProviders, inOrder, Ordered, refuseDuplicateNames } from '../extension-points';
import { InjectRedis } from '../redis/redis.module';
import { JobSchedulers } from './job-schedulers.service';

/**
 * Work that lived in Redis and that PostgreSQL can rebuild: ledger rows whose delivery jobs were
 * lost, running campaigns whose fan-out job was lost.
 */
export interface RedisLossHandler {
  /** Puts the due work back into the queues; idempotent. Returns how many items it rebuilt. */
  rebuild(now: Date): Promise<number>;
  /** True while work that was due at `since` has not been picked up again by a worker. */
  waiting(since: Date): Promise<boolean>;
}

export interface OnRedisLossOptions extends Ordered {
  /** The count's name in `/health` (`rebuilt.<name>`); unique. */
  name: string;
}

const ON_REDIS_LOSS = Reflector.createDecorator<OnRedisLossOptions>();

/**
 * Marks a provider that rebuilds, from PostgreSQL, work its module had in Redis when Redis lost
 * its data. Handlers rebuild in `order`, after the job schedulers; `name` is their count in
 * `/health` (`rebuilt.<name>`), and two with one name are refused at start.
 */
export function OnRedisLoss(name: string, options: Ordered = {}) {
  return (target: Type<RedisLossHandler>): void => {
    ON_REDIS_LOSS({ ...options, name })(target);
  };
}

interface NamedRedisLossHandler {
  name: string;
  handler: RedisLossHandler;
}

/** What Redis holds under the marker key (JSON). */
export interface QueueStateRecord {
  /** When a process wrote the marker: Redis has kept Tidings' data since. */
  since: string;
  /** Set when the marker was found missing: Redis lost its data (or is new). */
  loss?: {
    lostAt: string;
    detectedBy: string;
    rebuiltAt?: string;
    rebuilt?: Record<string, number>;
    recoveredAt?: string;
  };
}

export interface LastLoss {
  lostAt: string;
  detectedBy: string;
  rebuiltAt: string | null;
  recoveredAt: string | null;
  rebuilt: Record<string, number> | null;
}

/** `info.queues` of `/health` (docs/operations.md shows both forms). */
export type QueuesReport =
  | { status: 'up'; lastLoss: LastLoss | null }
  | {
      status: 'degraded';
      message: string;
      /** Null while no process has noticed the loss yet. */
      lostAt: string | null;
      detectedBy: string | null;
      rebuiltAt: string | null;
      rebuilt: Record<string, number> | null;
    };

/** Writes ARGV[2] only if the key still holds ARGV[1]: a newer loss record is never overwritten. */
const COMPARE_AND_SET = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0`;
const COMPARE_AND_DELETE = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Every process, API or worker, checks every QUEUE_CHECK_INTERVAL_MS that Redis still holds the
 * queues' state: a marker key written by the first process that found it missing. A missing
 * marker means Redis lost its data (a FLUSHALL, a restart without persistence) or is new; then one
 * process (a lease key) rebuilds from PostgreSQL: the job schedulers, the ledger rows whose jobs
 * were lost, the running campaigns' fan-out jobs. The record in the marker tells `/health` what was
 * lost and rebuilt; the loss counts as over once the work that was due is picked up again.
 * Each check also re-creates job schedulers that went missing on their own.
 */
@Injectable()
export class QueueSelfCheck
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger('QueueSelfCheck');
  private handlers: readonly NamedRedisLossHandler[] = [];
  private readonly key: string;
  private readonly intervalMs: number;
  private readonly workersEnabled: boolean;
  private readonly identity: string;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private failing = false;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    private readonly schedulers: JobSchedulers,
    private readonly clock: Clock,
    private readonly discovery: DiscoveryService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.key = `${config.get('redis', { infer: true }).prefix}:queue-state`;
    this.intervalMs = config.get('queues', { infer: true }).checkIntervalMs;
    this.workersEnabled = config.get('workers', { infer: true }).enabled;
    this.identity = `${hostname()}#${process.pid} (${config.get('app', { infer: true }).role})`;
  }

  onModuleInit(): void {
    const found = inOrder(
      decoratedProviders<RedisLossHandler, OnRedisLossOptions>(this.discovery, ON_REDIS_LOSS),
    );
    refuseDuplicateNames(found, (h) => h.options.name, 'Redis-loss handlers');
    this.handlers = found.map((h) => ({ name: h.options.name, handler: h.target }));
  }

  async onApplicationBootstrap(): Promise<void> {
    // A failure is logged; the next check (or the next process) tries again.
    await this.check({ atStart: true }).catch(() => undefined);
    this.timer = setInterval(() => void this.check().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** One check; a call while one runs waits for it. Errors are logged and rethrown. */
  check(options: { atStart?: boolean } = {}): Promise<void> {
    this.running ??= this.runCheck(options.atStart ?? false)
      .then(() => {
        if (this.failing) this.logger.log('Queue checks work again');
        this.failing = false;
      })
      .catch((err: unknown) => {
        // Once per outage at warn level: Redis being down is reported by /health anyway.
        if (!this.failing) this.logger.warn({ err }, 'Queue check failed');
        this.failing = true;
        throw err;
      })
      .finally(() => (this.running = null));
    return this.running;
  }

  /** The queues' part of `/health`; one GET, no side effect. */
  async report(): Promise<QueuesReport> {
    let raw: string | null;
    try {
      raw = await this.redis.get(this.key);
    } catch (err) {
      return {
        status: 'degraded',
        message: `The queue state could not be read: ${(err as Error).message}`,
        lostAt: null,
        detectedBy: null,
        rebuiltAt: null,
        rebuilt: null,
      };
    }
    if (raw === null) {
      return {
        status: 'degraded',
        message:
          'Redis holds no queue state: it lost its data (or is new). The next queue check ' +
          `(every ${this.intervalMs} ms) rebuilds due work from PostgreSQL.`,
        lostAt: null,
        detectedBy: null,
        rebuiltAt: null,
        rebuilt: null,
      };
    }
    const { loss } = parseRecord(raw);
    if (loss && !loss.recoveredAt) {
      return {
        status: 'degraded',
        message: loss.rebuiltAt
          ? 'Redis lost its data; due work was rebuilt from PostgreSQL and is being picked up again.'
          : 'Redis lost its data; due work is being rebuilt from PostgreSQL.',
        lostAt: loss.lostAt,
        detectedBy: loss.detectedBy,
        rebuiltAt: loss.rebuiltAt ?? null,
        rebuilt: loss.rebuilt ?? null,
      };
    }
    return {
      status: 'up',
      lastLoss: loss
        ? {
            lostAt: loss.lostAt,
            detectedBy: loss.detectedBy,
            rebuiltAt: loss.rebuiltAt ?? null,
            recoveredAt: loss.recoveredAt ?? null,
            rebuilt: loss.rebuilt ?? null,
          }
        : null,
    };
  }

  private async runCheck(atStart: boolean): Promise<void> {
    // A worker starting applies its configured intervals, as the processors did before.
    if (atStart && this.workersEnabled) await this.schedulers.ensure({ all: true });
    let raw = await this.redis.get(this.key);
    if (raw === null) raw = await this.recordLoss();
    if (raw === null) return; // lost again in between: the next check sees it
    const record = parseRecord(raw);
    if (record.loss && !record.loss.rebuiltAt) {
      if (await this.rebuild(raw, record)) return;
    }
    await this.schedulers.ensure();
    if (record.loss?.rebuiltAt && !record.loss.recoveredAt) {
      await this.markRecoveredWhenPickedUp(raw, record);
    }
  }

  /** Writes the loss record unless another process did first; returns what the marker holds. */
  private async recordLoss(): Promise<string | null> {
    const now = this.clock.now().toISOString();
    const record: QueueStateRecord = {
      since: now,
      loss: { lostAt: now, detectedBy: this.identity },
    };
    const raw = JSON.stringify(record);
    if ((await this.redis.set(this.key, raw, 'NX')) !== 'OK') return this.redis.get(this.key);
    this.logger.warn(
      { detectedBy: this.identity },
      'Redis holds no queue state: it lost its data (or is new). Rebuilding due work from PostgreSQL',
    );
    return raw;
  }

  /**
   * Rebuilds under a lease, so one process does it and another takes over if that one dies
   * mid-way. Returns false when another process holds the lease.
   */
  private async rebuild(raw: string, record: QueueStateRecord): Promise<boolean> {
    const lease = `${this.key}:rebuild`;
    const token = randomUUID();
    const leaseMs = Math.max(60_000, 5 * this.intervalMs);
    if ((await this.redis.set(lease, token, 'PX', leaseMs, 'NX')) !== 'OK') return false;
    try {
      const now = this.clock.now();
      // First the schedulers, which need only Redis: the dispatcher and the tick run at once.
      const schedulers = (await this.schedulers.ensure({ all: true })).length;
      const rebuilt: Record<string, number> = {};
      for (const { name, handler } of this.handlers) rebuilt[name] = await handler.rebuild(now);
      rebuilt.schedulers = schedulers;
      // Nothing was waiting (a new Redis, an idle installation): nothing left to pick up again.
      const nothingLost = this.handlers.every((h) => rebuilt[h.name] === 0);
      const done: QueueStateRecord = {
        ...record,
        loss: {
          ...record.loss!,
          rebuiltAt: now.toISOString(),
          rebuilt,
          ...(nothingLost ? { recoveredAt: now.toISOString() } : {}),
        },
      };
      await this.redis.eval(COMPARE_AND_SET, 1, this.key, raw, JSON.stringify(done));
      this.logger.warn(
        { rebuilt, lostAt: record.loss!.lostAt },
        'Rebuilt from PostgreSQL the work Redis lost',
      );
      return true;
    } finally {
      await this.redis.eval(COMPARE_AND_DELETE, 1, lease, token).catch(() => undefined);
    }
  }

  private async markRecoveredWhenPickedUp(raw: string, record: QueueStateRecord): Promise<void> {
    const since = new Date(record.loss!.rebuiltAt!);
    for (const { handler } of this.handlers) {
      if (await handler.waiting(since)) return;
    }
    const recovered: QueueStateRecord = {
      ...record,
      loss: { ...record.loss!, recoveredAt: this.clock.now().toISOString() },
    };
    if (await this.redis.eval(COMPARE_AND_SET, 1, this.key, raw, JSON.stringify(recovered))) {
      this.logger.log(
        { lostAt: record.loss!.lostAt, rebuilt: record.loss!.rebuilt },
        'The work Redis lost has been picked up again',
      );
    }
  }
}

function parseRecord(raw: string): QueueStateRecord {
  try {
    const parsed = JSON.parse(raw) as QueueStateRecord;
    if (parsed && typeof parsed === 'object' && typeof parsed.since === 'string') return parsed;
  } catch {
    // Not ours to interpret: Redis has data, so nothing was lost.
  }
  return { since: '' };
}
