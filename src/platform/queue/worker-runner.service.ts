import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import type { Worker } from 'bullmq';
import { AppConfig } from '../config/configuration';

/** A processor that has something to write down once the workers stopped taking jobs. */
export interface AfterWorkersStopped {
  afterWorkersStopped(): Promise<void>;
}

/**
 * Starts the BullMQ workers of every @TidingsProcessor when workers are enabled, and on shutdown
 * stops taking jobs and waits for the active ones before the database and Redis are closed.
 */
@Injectable()
export class WorkerRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Workers');
  private running: Worker[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  private hosts(): WorkerHost[] {
    return this.discovery
      .getProviders()
      .map((w) => w.instance as unknown)
      .filter((i): i is WorkerHost => i instanceof WorkerHost);
  }

  onApplicationBootstrap(): void {
    if (!this.config.get('workers', { infer: true }).enabled) {
      this.logger.log('Workers are off (WORKERS_ENABLED=false): this process only serves HTTP');
      return;
    }
    for (const host of this.hosts()) {
      const worker = host.worker;
      worker.on('error', (err) => this.logger.error({ err, queue: worker.name }, 'Worker error'));
      // run() resolves only when the worker closes; errors surface through the 'error' event.
      worker
        .run()
        .catch((err: unknown) => this.logger.error({ err, queue: worker.name }, 'Worker stopped'));
      this.running.push(worker);
    }
    if (this.running.length) {
      this.logger.log(`Workers started: ${this.running.map((w) => w.name).join(', ')}`);
    }
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    if (!this.running.length) return;
    this.logger.log(`Stopping workers${signal ? ` on ${signal}` : ''}: finishing active jobs`);
    await Promise.all(this.running.map((w) => w.close()));
    this.running = [];
    // Work a processor finished but has not written down yet (delivery's accepted messages),
    // while the database is still open.
    for (const host of this.hosts()) {
      const after = (host as Partial<AfterWorkersStopped>).afterWorkersStopped;
      if (after) await after.call(host);
    }
    this.logger.log('Workers stopped');
  }
}
