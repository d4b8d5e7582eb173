import { Injectable } from '@nestjs/common';

/**
 * One kind of due work the scheduler looks for on every tick. `run` must be idempotent and
 * set-based: find what is due with indexed SQL, write ledger rows with dedupe keys
 * (ON CONFLICT DO NOTHING), enqueue. A double tick, or two scheduler processes, then send once.
 */
export interface TickHandler {
  readonly name: string;
  run(now: Date): Promise<Record<string, number> | void>;
}

@Injectable()
export class TickRegistry {
  private readonly handlers: TickHandler[] = [];

  register(handler: TickHandler): void {
    if (this.handlers.some((h) => h.name === handler.name)) {
      throw new Error(`A scheduler tick handler named "${handler.name}" is already registered`);
    }
    this.handlers.push(handler);
  }

  all(): readonly TickHandler[] {
    return this.handlers;
  }
}
