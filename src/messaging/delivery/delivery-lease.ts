import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Client } from 'pg';
import { AppConfig } from '../../platform/config/configuration';

/** First key of the lease's pg_advisory_lock(int, int); the second is the lease id. */
export const LEASE_LOCK_CLASS = 0x7464; // 'td'

/**
 * SQL listing the leases alive now: those whose advisory lock some session holds. A lock goes with
 * the connection that took it, so a worker killed with SIGKILL (or cut off from the database)
 * drops out of this list at once. Use it once per statement (`x NOT IN (SELECT lease FROM live)`),
 * not per row: pg_locks reads the whole lock table.
 */
export const LIVE_LEASES_SQL = `
  SELECT l.objid::text::integer AS lease FROM pg_locks l
   WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
     AND l.classid = ${LEASE_LOCK_CLASS}
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

/**
 * This process's right to claim ledger rows: an id from `delivery_lease_ids` and a session-level
 * advisory lock on it, held on a connection of its own for as long as the process delivers.
 * Claims record the id (`claimed_by`); the hand-over to SMTP is allowed only while the row is
 * still claimed by the current lease. If the lease's connection drops, the next claim takes a new
 * lease, and the dispatcher gives the old lease's rows to whoever claims them next.
 *
 * The embedded database (PGlite) runs every connection in one backend, so there a lock never looks
 * released; claims of a crashed worker then come back after DELIVERY_STALE_AFTER_SECONDS.
 */
@Injectable()
export class DeliveryLease implements OnApplicationShutdown {
  private readonly logger = new Logger('DeliveryLease');
  private client: Client | null = null;
  private current: Promise<number> | null = null;
  private closed = false;

  constructor(private readonly config: ConfigService<AppConfig, true>) {}

  /** The id of a lease this process holds now, taking one if it has none. */
  id(): Promise<number> {
    if (this.closed) return Promise.reject(new Error('The delivery lease is closed'));
    this.current ??= this.acquire().catch((err: unknown) => {
      this.current = null;
      throw err;
    });
    return this.current;
  }

  private async acquire(): Promise<number> {
    const url = this.config.get('database', { infer: true }).url!;
    const client = new Client({
      connectionString: url,
      application_name: 'tidings-lease',
      keepAlive: true,
    });
    const lost = (reason: string) => {
      if (this.client !== client) return;
      this.client = null;
      this.current = null;
      if (!this.closed)
        this.logger.warn({ reason }, 'Delivery lease lost; the next claim takes a new one');
      client.end().catch(() => undefined);
    };
    client.on('error', (err) => lost(err.message));
    client.on('end', () => lost('connection ended'));
    await client.connect();
    try {
      const [{ id }] = (
        await client.query<{ id: number }>(`SELECT nextval('delivery_lease_ids')::int AS id`)
      ).rows;
      await client.query('SELECT pg_advisory_lock($1, $2)', [LEASE_LOCK_CLASS, id]);
      this.client = client;
      this.logger.log({ lease: id }, 'Delivery lease taken');
      return id;
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    this.current = null;
    await client?.end().catch(() => undefined);
  }
}
