import { Processor } from '@nestjs/bullmq';
import type { WorkerOptions } from 'bullmq';

/**
 * @Processor that does not start consuming by itself: WorkerRunner starts every worker at
 * application bootstrap when WORKERS_ENABLED is on, so an API-only process holds no workers.
 */
export const TidingsProcessor = (
  queue: string,
  options: Omit<Partial<WorkerOptions>, 'autorun' | 'connection' | 'prefix'> = {},
): ClassDecorator => Processor(queue, { ...options, autorun: false });
