import { Injectable, Module, Scope } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import {
  decoratedMethods,
  decoratedProviders,
  inOrder,
  Ordered,
  refuseDuplicateNames,
} from './extension-points';

const PLUGS_IN = Reflector.createDecorator<Ordered & { name?: string }>();
const ALSO_PLUGS_IN = Reflector.createDecorator<Record<string, never>>();

@Injectable()
@PLUGS_IN({ name: 'first' })
class First {}

@Injectable()
@PLUGS_IN({ name: 'early', order: -1 })
@ALSO_PLUGS_IN()
class Early {}

@Injectable()
class NotDecorated {
  @PLUGS_IN({ name: 'method-b', order: 2 })
  b(): string {
    return `b of ${this.constructor.name}`;
  }

  @PLUGS_IN({ name: 'method-a', order: 1 })
  a(): string {
    return 'a';
  }

  plain(): void {}
}

@Module({ providers: [Early] })
class OtherModule {}

async function discover(providers: Array<new () => object>) {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule, OtherModule],
    providers,
  }).compile();
  return {
    discovery: moduleRef.get(DiscoveryService),
    scanner: moduleRef.get(MetadataScanner),
  };
}

describe('extension points', () => {
  it('finds the decorated providers in every module, with their options', async () => {
    const { discovery } = await discover([First, NotDecorated]);
    const found = decoratedProviders(discovery, PLUGS_IN);
    expect(found.map((f) => [f.source, f.options.name])).toEqual(
      expect.arrayContaining([
        ['First', 'first'],
        ['Early', 'early'],
      ]),
    );
    expect(found).toHaveLength(2);
    expect(found.find((f) => f.source === 'First')?.target).toBeInstanceOf(First);
  });

  it('finds a class that carries two decorators under each of them', async () => {
    const { discovery } = await discover([First]);
    expect(decoratedProviders(discovery, ALSO_PLUGS_IN).map((f) => f.source)).toEqual(['Early']);
    expect(decoratedProviders(discovery, PLUGS_IN).map((f) => f.source)).toContain('Early');
  });

  it('finds decorated methods, bound to their provider', async () => {
    const { discovery, scanner } = await discover([NotDecorated]);
    const found = decoratedMethods<() => string, Ordered & { name?: string }>(
      discovery,
      scanner,
      PLUGS_IN,
    );
    expect(found.map((f) => f.source)).toEqual(['NotDecorated.b', 'NotDecorated.a']);
    expect(found[0].target()).toBe('b of NotDecorated');
  });

  it('orders by `order`, keeping discovery order for equal ones', () => {
    const item = (source: string, order?: number) => ({ source, target: null, options: { order } });
    const sorted = inOrder([item('x', 5), item('y'), item('z', -1), item('w', 0), item('v', 5)]);
    expect(sorted.map((i) => i.source)).toEqual(['z', 'y', 'w', 'x', 'v']);
  });

  it('refuses two members with one name, naming both', () => {
    const items = [
      { source: 'A.run', name: 'digests' },
      { source: 'B', name: 'other' },
      { source: 'C.tick', name: 'digests' },
    ];
    expect(() => refuseDuplicateNames(items, (i) => i.name, 'tick handlers')).toThrow(
      'Two tick handlers are named "digests": A.run and C.tick',
    );
    expect(() => refuseDuplicateNames(items.slice(0, 2), (i) => i.name, 'x')).not.toThrow();
  });

  it('refuses a decorated provider that is not a singleton', async () => {
    @Injectable({ scope: Scope.REQUEST })
    @PLUGS_IN({ name: 'scoped' })
    class Scoped {}
    const { discovery } = await discover([Scoped]);
    expect(() => decoratedProviders(discovery, PLUGS_IN)).toThrow(
      'Scoped plugs into an extension point but is not a singleton',
    );
  });
});
