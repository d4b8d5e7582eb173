import type { Job } from 'bullmq';

/**
 * Queue names. The braces are a Redis Cluster hash tag: every key of one queue lands in one slot,
 * so BullMQ's multi-key scripts work on a cluster, and different queues spread across slots.
 */
export const QueueName = {
  /** Batches of ledger ids to send. */
  Delivery: '{delivery}',
  /** Periodic housekeeping of the ledger: due rows, retries, lost jobs. */
  Dispatch: '{dispatch}',
  /** The minute tick that finds due work in PostgreSQL (lifecycle notices, digests, watchdog). */
  Scheduler: '{scheduler}',
  /** Campaign fan-out: audience → ledger rows, batch by batch. */
  Campaigns: '{campaigns}',
  /** Webhooks out: hands recorded events to endpoints and sends due deliveries. */
  Webhooks: '{webhooks}',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/** Job names, one list for the whole application. */
export enum JobName {
  DeliverBatch = 'deliver-batch',
  DispatchDue = 'dispatch-due',
  SchedulerTick = 'scheduler-tick',
  CampaignFanout = 'campaign-fanout',
  WebhooksRun = 'webhooks-run',
}

/**
 * Job name → payload. Payloads carry ids, never whole records: handlers reload and re-check.
 */
export interface JobPayloads {
  [JobName.DeliverBatch]: { messageIds: string[] };
  [JobName.DispatchDue]: Record<string, never>;
  [JobName.SchedulerTick]: Record<string, never>;
  [JobName.CampaignFanout]: { campaignId: string };
  [JobName.WebhooksRun]: Record<string, never>;
}

export type TypedJob<N extends keyof JobPayloads> = Job<JobPayloads[N], unknown, N & string>;

/** The union a processor switches on: narrowing `job.name` narrows `job.data`. */
export type JobOf<N extends keyof JobPayloads> = { [K in N]: TypedJob<K> }[N];
