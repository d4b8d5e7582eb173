import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DiscoveryModule } from '@nestjs/core';
import { OnSchedulerTick, TickHandlers } from './tick-handlers';

@Injectable()
class Digests {
  @OnSchedulerTick('digests', { order: 20 })
  async run(now: Date): Promise<Record<string, number>> {
    return { at: now.getTime() };
  }
}

@Injectable()
class Lifecycle {
  @OnSchedulerTick('lifecycle-scan', { order: 41 })
  async scan(): Promise<void> {}

  @OnSchedulerTick('lifecycle-changes', { order: 40 })
  async changes(): Promise<void> {}

  async notATick(): Promise<void> {}
}

@Injectable()
class Retry {
  @OnSchedulerTick('alerts-retry', { order: 10 })
  private async retryUndelivered(): Promise<{ retried: number }> {
    return { retried: 0 };
  }
}

@Injectable()
class AnotherDigests {
  @OnSchedulerTick('digests')
  async tick(): Promise<void> {}
}

@Module({ providers: [Lifecycle] })
class LifecycleModule {}

async function handlers(...providers: Array<new (...args: never[]) => object>) {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule, LifecycleModule],
    providers: [TickHandlers, ...providers],
  }).compile();
  await moduleRef.init();
  return moduleRef.get(TickHandlers).all();
}

describe(TickHandlers.name, () => {
  it('finds every @OnSchedulerTick method, in any module, in order', async () => {
    const found = await handlers(Digests, Retry);
    expect(found.map((h) => h.name)).toEqual([
      'alerts-retry',
      'digests',
      'lifecycle-changes',
      'lifecycle-scan',
    ]);
  });

  it('runs a handler bound to its provider, private methods included', async () => {
    const found = await handlers(Digests, Retry);
    const now = new Date('2027-01-01T08:00:00Z');
    expect(await found.find((h) => h.name === 'digests')!.run(now)).toEqual({
      at: now.getTime(),
    });
    expect(await found.find((h) => h.name === 'alerts-retry')!.run(now)).toEqual({ retried: 0 });
  });

  it('refuses to start with two handlers of one name', async () => {
    await expect(handlers(Digests, AnotherDigests)).rejects.toThrow(
      'Two scheduler tick handlers are named "digests": AnotherDigests.tick and Digests.run',
    );
  });
});
