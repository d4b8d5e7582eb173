import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Clock } from '../clock';
import { REDIS_CLIENT } from '../redis/redis.module';
import { JobSchedulers } from './job-schedulers.service';
import { OnRedisLoss, QueueSelfCheck, RedisLossHandler } from './queue-self-check.service';

/** Just enough of ioredis for the self-check: GET, SET (NX), and its two compare scripts. */
class FakeRedis {
  readonly store = new Map<string, string>();

  async get(key: string): Promise<string | null> {
    return this.store.get(key) ?? null;
  }

  async set(key: string, value: string, ...args: unknown[]): Promise<'OK' | null> {
    if (args.includes('NX') && this.store.has(key)) return null;
    this.store.set(key, value);
    return 'OK';
  }

  async eval(_script: string, _keys: number, key: string, expected: string, next?: string) {
    if (this.store.get(key) !== expected) return 0;
    if (next === undefined) this.store.delete(key);
    else this.store.set(key, next);
    return 1;
  }
}

const calls: string[] = [];
let waiting = true;

@Injectable()
@OnRedisLoss('campaigns', { order: 20 })
class CampaignsRebuild implements RedisLossHandler {
  async rebuild(): Promise<number> {
    calls.push('campaigns');
    return 1;
  }
  async waiting(): Promise<boolean> {
    return waiting;
  }
}

@Injectable()
@OnRedisLoss('ledgerRows', { order: 10 })
class LedgerRebuild implements RedisLossHandler {
  async rebuild(): Promise<number> {
    calls.push('ledgerRows');
    return 2;
  }
  async waiting(): Promise<boolean> {
    return waiting;
  }
}

@Injectable()
@OnRedisLoss('ledgerRows')
class OtherLedgerRebuild extends LedgerRebuild {}

async function selfCheck(...handlers: Array<new () => RedisLossHandler>) {
  const config: Record<string, unknown> = {
    redis: { prefix: 'unit' },
    queues: { checkIntervalMs: 60_000 },
    workers: { enabled: false },
    app: { role: 'api' },
  };
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule],
    providers: [
      QueueSelfCheck,
      ...handlers,
      { provide: REDIS_CLIENT, useValue: new FakeRedis() },
      { provide: JobSchedulers, useValue: { ensure: async () => [] } },
      { provide: Clock, useValue: { now: () => new Date('2027-01-01T00:00:00Z') } },
      { provide: ConfigService, useValue: { get: (key: string) => config[key] } },
    ],
  }).compile();
  // Bootstrapping runs the first check: the fake Redis has no marker, as after a loss.
  await moduleRef.init();
  return moduleRef;
}

describe(QueueSelfCheck.name, () => {
  beforeEach(() => {
    calls.length = 0;
    waiting = true;
  });

  it('rebuilds with every @OnRedisLoss provider, in order, and reports each by name', async () => {
    const moduleRef = await selfCheck(CampaignsRebuild, LedgerRebuild);
    const check = moduleRef.get(QueueSelfCheck);
    expect(calls).toEqual(['ledgerRows', 'campaigns']);
    expect(await check.report()).toMatchObject({
      status: 'degraded',
      rebuilt: { ledgerRows: 2, campaigns: 1, schedulers: 0 },
    });
    waiting = false;
    await check.check();
    expect(await check.report()).toMatchObject({ status: 'up' });
    await moduleRef.close();
  });

  it('refuses to start with two handlers of one name', async () => {
    await expect(selfCheck(LedgerRebuild, OtherLedgerRebuild)).rejects.toThrow(
      'Two Redis-loss handlers are named "ledgerRows"',
    );
  });
});
