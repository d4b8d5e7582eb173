import { isRetryableDatabaseError } from '../../platform/database/transaction';

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

export interface GroupCommitOptions {
  /** Items per statement at most. */
  maxGroup?: number;
  /** Tries of one group on a deadlock, serialization failure or lost connection. */
  tries?: number;
  retryDelayMs?: number;
}

/**
 * Group commit: one write at a time, each carrying everything that arrived while the previous one
 * ran. An item submitted while nothing is being written goes at once, so a lone sender never
 * waits for company; under load, groups grow to the number of senders waiting. `write` returns
 * one result per item, in order, and must be idempotent: a group whose commit may or may not have
 * happened (the connection dropped) is written again.
 */
export class GroupCommit<T, R> {
  private pending: Waiting<T, R>[] = [];
  private writing = 0;
  private readonly maxGroup: number;
  private readonly tries: number;
  private readonly retryDelayMs: number;

  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    options: GroupCommitOptions = {},
  ) {
    this.maxGroup = options.maxGroup ?? 200;
    this.tries = options.tries ?? 4;
    this.retryDelayMs = options.retryDelayMs ?? 100;
  }

  /** Items submitted and not yet committed. */
  get backlog(): number {
    return this.pending.length + this.writing;
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length) {
      const group = this.pending.splice(0, this.maxGroup);
      this.writing = group.length;
      try {
        const results = await this.withRetries(group.map((w) => w.item));
        group.forEach((w, i) => w.resolve(results[i]));
      } catch (err) {
        for (const w of group) w.reject(err);
      }
    }
    this.writing = 0;
  }

  private async withRetries(items: T[]): Promise<R[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.write(items);
      } catch (err) {
        // Rolled back whole (or never reached the server): writing the same group again is safe.
        if (attempt >= this.tries || !isRetryableDatabaseError(err)) throw err;
        await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs * attempt));
      }
    }
  }
}
