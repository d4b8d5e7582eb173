import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { ReflectableDecorator } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';

/**
 * How features plug into each other (docs/architecture.md, "Extension points"). The module that
 * runs an extension point defines, next to the code that runs it, a decorator
 * (`Reflector.createDecorator`, kept private) and the interface a decorated provider implements.
 * A provider that plugs in carries the decorator, so its own source shows what it plugs into; the
 * owner finds the decorated providers (or methods) with these helpers when the application
 * starts, through Nest's DiscoveryService. Nobody fills another module's registry.
 */

/** Options of an extension point whose members run in a set order. */
export interface Ordered {
  /** Lower runs first; equal values run in discovery order (module import order). Default 0. */
  order?: number;
}

/** One decorated provider, or one decorated method bound to its provider. */
export interface Found<T, O> {
  readonly target: T;
  /** What the decorator was given. */
  readonly options: O;
  /** `ClassName` or `ClassName.method`, for messages. */
  readonly source: string;
}

const reflector = new Reflector();

/**
 * The providers whose class carries `decorator`, each instance once, in discovery order. A
 * decorated provider must be a singleton: request-scoped or transient ones have no instance when
 * the application starts, and are refused rather than silently left out.
 */
export function decoratedProviders<T extends object, O>(
  discovery: DiscoveryService,
  decorator: ReflectableDecorator<O>,
): Array<Found<T, O>> {
  const found: Array<Found<T, O>> = [];
  const seen = new Set<object>();
  for (const instance of instances(discovery, decorator)) {
    const options = reflector.get(decorator, instance.constructor);
    if (options === undefined || seen.has(instance)) continue;
    seen.add(instance);
    found.push({ target: instance as T, options, source: instance.constructor.name });
  }
  return found;
}

/**
 * The methods that carry `decorator`, bound to their provider, in discovery order and, within a
 * provider, in the order they are declared. Same rule for scopes as `decoratedProviders`.
 */
export function decoratedMethods<F, O>(
  discovery: DiscoveryService,
  scanner: MetadataScanner,
  decorator: ReflectableDecorator<O>,
): Array<Found<F, O>> {
  const found: Array<Found<F, O>> = [];
  const seen = new Set<object>();
  for (const instance of instances(discovery, decorator)) {
    if (seen.has(instance)) continue;
    seen.add(instance);
    const methods = instance as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
      const method = methods[name];
      if (typeof method !== 'function') continue;
      const options = reflector.get(decorator, method);
      if (options === undefined) continue;
      found.push({
        target: method.bind(instance) as F,
        options,
        source: `${instance.constructor.name}.${name}`,
      });
    }
  }
  return found;
}

/** Sorted by `order` (stable: equal orders keep their discovery order). */
export function inOrder<X extends { options: Ordered }>(found: X[]): X[] {
  return [...found].sort((a, b) => (a.options.order ?? 0) - (b.options.order ?? 0));
}

/** Throws at start when two members of an extension point share a name. */
export function refuseDuplicateNames<X extends { source: string }>(
  found: X[],
  nameOf: (x: X) => string,
  what: string,
): void {
  const seen = new Map<string, string>();
  for (const x of found) {
    const name = nameOf(x);
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new Error(`Two ${what} are named "${name}": ${earlier} and ${x.source}`);
    }
    seen.set(name, x.source);
  }
}

/** Every singleton provider instance; throws on a decorated provider that is not a singleton. */
function* instances<O>(
  discovery: DiscoveryService,
  decorator: ReflectableDecorator<O>,
): Generator<object> {
  for (const wrapper of discovery.getProviders()) {
    if (!wrapper.isDependencyTreeStatic()) {
      refuseScoped(wrapper, decorator);
      continue;
    }
    const instance = wrapper.instance as unknown;
    if (instance && typeof instance === 'object') yield instance;
  }
}

function refuseScoped<O>(wrapper: InstanceWrapper, decorator: ReflectableDecorator<O>): void {
  const type = wrapper.metatype;
  if (typeof type !== 'function' || wrapper.inject) return;
  const onClass = reflector.get(decorator, type) !== undefined;
  const proto = type.prototype as Record<string, unknown> | undefined;
  const onMethod =
    !!proto &&
    new MetadataScanner()
      .getAllMethodNames(proto)
      .some((name) => reflector.get(decorator, proto[name] as () => unknown) !== undefined);
  if (onClass || onMethod) {
    throw new Error(
      `${type.name} plugs into an extension point but is not a singleton (request or transient scope)`,
    );
  }
}
