import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { Clock } from '../../platform/clock';
import { queryRows } from '../../platform/database/sql';
import { MetricsService } from '../../platform/metrics/metrics.service';

/** Scrapes come every few seconds from each Prometheus; the figures need not be fresher. */
const CACHE_MS = 15_000;

interface Snapshot {
  suppressions: Array<{ reason: string; n: number }>;
  subscribers: Array<{ status: string; n: number }>;
  unsubscribes: Array<{ source: string; n: number }>;
  votes: Array<{ helpful: boolean; n: number }>;
  missed: Array<{ rule: string; cause: string; n: number }>;
}

/**
 * Gauges read from PostgreSQL when Prometheus scrapes (cached briefly): the state every process
 * shares, where per-process counters would miss what other processes did. Event counters
 * (votes, bounces, complaints) are incremented where they happen.
 */
@Injectable()
export class TrustMetrics implements OnModuleInit {
  private cached?: { at: number; value: Promise<Snapshot> };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.gauge(
      'tidings_suppressed_addresses',
      'Addresses on the suppression list, by reason',
      ['reason'],
      (g, s) => {
        for (const r of s.suppressions) g.set({ reason: r.reason }, r.n);
      },
    );
    this.gauge(
      'tidings_subscribers',
      'Subscribers by status (unsubscribed, bounced, complained, ...)',
      ['status'],
      (g, s) => {
        for (const r of s.subscribers) g.set({ status: r.status }, r.n);
      },
    );
    this.gauge(
      'tidings_unsubscribes_last_24h',
      'Opt-out consent events in the last 24 hours, by source (system: complaints)',
      ['source'],
      (g, s) => {
        for (const r of s.unsubscribes) g.set({ source: r.source }, r.n);
      },
    );
    this.gauge(
      'tidings_feedback_votes',
      'Recorded "was this useful?" answers, by answer',
      ['answer'],
      (g, s) => {
        for (const r of s.votes) g.set({ answer: r.helpful ? 'helpful' : 'unhelpful' }, r.n);
      },
    );
    this.gauge(
      'tidings_missed_deadlines',
      'Lifecycle notices whose deadline passed undelivered, all recorded, by rule key and cause',
      ['rule', 'cause'],
      (g, s) => {
        for (const r of s.missed) g.set({ rule: r.rule, cause: r.cause }, r.n);
      },
    );
  }

  private gauge(
    name: string,
    help: string,
    labelNames: string[],
    fill: (g: Gauge<string>, s: Snapshot) => void,
  ): void {
    if (this.metrics.registry.getSingleMetric(name)) return;
    const load = () => this.snapshot();
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.metrics.registry],
      async collect() {
        const snapshot = await load();
        this.reset();
        fill(this, snapshot);
      },
    });
  }

  private snapshot(): Promise<Snapshot> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > CACHE_MS) {
      const value = this.load();
      // A failed read is not cached, so the next scrape tries again.
      value.catch(() => (this.cached = undefined));
      this.cached = { at: now, value };
    }
    return this.cached.value;
  }

  private async load(): Promise<Snapshot> {
    const [suppressions, subscribers, unsubscribes, votes, missed] = await Promise.all([
      queryRows<{ reason: string; n: number }>(
        this.dataSource,
        `SELECT reason, count(*)::int AS n FROM audience_suppressions GROUP BY reason`,
      ),
      queryRows<{ status: string; n: number }>(
        this.dataSource,
        `SELECT status, count(*)::int AS n FROM audience_subscribers GROUP BY status`,
      ),
      queryRows<{ source: string; n: number }>(
        this.dataSource,
        `SELECT source, count(*)::int AS n FROM audience_consent_events
          WHERE action = 'opt_out' AND occurred_at > $1::timestamptz - interval '24 hours'
          GROUP BY source`,
        [this.clock.now()],
      ),
      queryRows<{ helpful: boolean; n: number }>(
        this.dataSource,
        `SELECT helpful, count(*)::int AS n FROM trust_feedback_votes GROUP BY helpful`,
      ),
      // Deleted rules keep their rows; a key used again adds up under the same label.
      queryRows<{ rule: string; cause: string; n: number }>(
        this.dataSource,
        `SELECT r.key AS rule, p.cause, count(*)::int AS n
           FROM programmes_lifecycle_missed_promises p
           JOIN programmes_lifecycle_rules r ON r.id = p.rule_id
          GROUP BY 1, 2`,
      ),
    ]);
    return { suppressions, subscribers, unsubscribes, votes, missed };
  }
}
