import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { decoratedMethods, inOrder, Ordered, refuseDuplicateNames } from '../extension-points';

/** What a tick handler reports (counts by name), shown in the tick's report. */
export type TickResult = Record<string, number> | void;

/**
 * One kind of due work the scheduler looks for on every tick. It must be idempotent and
 * set-based: find what is due with indexed SQL, write ledger rows with dedupe keys
 * (ON CONFLICT DO NOTHING), enqueue. A double tick, or two scheduler processes, then send once.
 */
export type TickRun = (now: Date) => Promise<TickResult>;

export interface TickHandler {
  readonly name: string;
  run: TickRun;
}

interface TickOptions extends Ordered {
  name: string;
}

const ON_SCHEDULER_TICK = Reflector.createDecorator<TickOptions>();

/**
 * Runs the decorated method on every scheduler tick with the clock's "now", under an advisory
 * lock named after `name` (so one process runs it at a time). Handlers run one after the other in
 * `order`; a name used twice is refused at start.
 */
export function OnSchedulerTick(name: string, options: Ordered = {}) {
  return <M extends TickRun>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): void => {
    ON_SCHEDULER_TICK({ ...options, name })(target, key, descriptor);
  };
}

/** The `@OnSchedulerTick()` methods, in the order a tick runs them. */
@Injectable()
export class TickHandlers implements OnModuleInit {
  private handlers: readonly TickHandler[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    const found = inOrder(
      decoratedMethods<TickRun, TickOptions>(this.discovery, this.scanner, ON_SCHEDULER_TICK),
    );
    refuseDuplicateNames(found, (h) => h.options.name, 'scheduler tick handlers');
    this.handlers = found.map((h) => ({ name: h.options.name, run: h.target }));
  }

  all(): readonly TickHandler[] {
    return this.handlers;
  }
}
