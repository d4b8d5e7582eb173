/**
 * Import benchmark (not a test): streams generated CSV files of 10,000 and 100,000 rows through
 * the import service against a throw-away database on the local PostgreSQL, and prints
 * throughput and memory. Memory should not grow with the file: the 100k/10k ratio of peak
 * memory should be close to 1.
 *
 *   npm run bench:import            (BENCH_DATABASE_URL overrides postgres://postgres@127.0.0.1:5432)
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/platform/config/configuration';
import { DatabaseModule } from '../src/platform/database/database.module';
import {
  baseDataSourceOptions,
  runMigrationsLocked,
} from '../src/platform/database/typeorm-options';
import { SubscriberImportModule } from '../src/audience/subscribers/import/subscriber-import.module';
import { SubscriberImportService } from '../src/audience/subscribers/import/subscriber-import.service';
import { adminQuery as admin, databaseUrlFor as urlFor } from './support/bench-database';

const SIZES = [10_000, 100_000];
const LIVE_EVERY = 10_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A CSV like a CRM export: name, customer flag, two topics, an attribute and a date. */
async function writeCsv(path: string, rows: number, topics: string[]): Promise<void> {
  const out = createWriteStream(path);
  const tag = randomBytes(3).toString('hex');
  out.write('email,name,locale,timezone,is_customer,topics,attr.plan,date.renewal_date\n');
  for (let i = 0; i < rows; i++) {
    const line =
      `person${i}.${tag}@example.test,Person ${i},${i % 3 ? 'en' : 'nl'},Europe/Amsterdam,` +
      `${i % 2 ? 'yes' : 'no'},${topics[0]}${i % 2 ? `|${topics[1]}:monthly` : ''},` +
      `plan-${i % 5},2027-${String((i % 12) + 1).padStart(2, '0')}-15\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

interface Measure {
  rows: number;
  ms: number;
  peakRss: number;
  rssGrowth: number;
  heapGrowth: number;
}

async function measure(run: () => Promise<number>): Promise<Measure> {
  gc();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const timer = setInterval(sample, 20);
  const started = process.hrtime.bigint();
  const rows = await run();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  clearInterval(timer);
  sample();
  return {
    rows,
    ms,
    peakRss,
    rssGrowth: peakRss - base.rss,
    heapGrowth: peakHeap - base.heapUsed,
  };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const db = `tidings_bench_import_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'tidings-bench-import-'));
  await admin(`CREATE DATABASE ${db}`);
  try {
    const ds = await new DataSource(baseDataSourceOptions(urlFor(db), 1)).initialize();
    try {
      await runMigrationsLocked(ds);
      await ds.query(`INSERT INTO topics (key, name, kind, allowed_frequencies, default_frequency)
        VALUES ('bench-news', 'Bench news', 'editorial', '{weekly,monthly}', 'monthly'),
               ('bench-renewals', 'Bench renewals', 'notice', '{monthly,quarterly}', 'quarterly')`);
    } finally {
      await ds.destroy();
    }

    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: urlFor(db),
      DATABASE_POOL_SIZE: '4',
      SECRET_KEY: 'bench-secret-key-that-is-long-enough-0123456789',
      DATA_DIR: dir,
      LOG_LEVEL: 'silent',
    });
    @Module({
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => config] }),
        DatabaseModule,
        SubscriberImportModule,
      ],
    })
    class BenchModule {}
    const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
    try {
      const service = app.get(SubscriberImportService);
      const prepared = await service.prepare({
        consentText: 'Yes, send me the news.',
        consentVersion: 'bench-1',
      });
      const results: Record<number, Measure> = {};
      for (const size of SIZES) {
        const file = join(dir, `subscribers-${size}.csv`);
        await writeCsv(file, size, ['bench-news', 'bench-renewals']);
        const m = await measure(async () => {
          const r = await service.run(createReadStream(file), 'csv', prepared);
          if (r.failed || r.created !== size)
            throw new Error(`unexpected result ${JSON.stringify(r)}`);
          return r.rows;
        });
        results[size] = m;
        console.log(
          `${String(size).padStart(7)} rows: ${Math.round((m.rows / m.ms) * 1000)} rows/s, ` +
            `${(m.ms / 1000).toFixed(1)} s, peak RSS ${mb(m.peakRss)} ` +
            `(+${mb(m.rssGrowth)}), heap used +${mb(m.heapGrowth)}`,
        );
      }
      const [small, large] = SIZES.map((s) => results[s]);
      console.log(
        `peak RSS ratio 100k/10k: ${(large.peakRss / small.peakRss).toFixed(2)} ` +
          `(RSS growth ${mb(large.rssGrowth)} vs ${mb(small.rssGrowth)}, ` +
          `heap growth ${mb(large.heapGrowth)} vs ${mb(small.heapGrowth)})`,
      );

      // Peaks include garbage V8 has not collected yet (it lets the heap grow further on a longer
      // run). What the import keeps alive is the heap right after a full collection: sample it
      // every 10k rows while importing the 100k file again (every row unchanged this time).
      const live: number[] = [];
      const againStarted = Date.now();
      const again = await service.run(
        createReadStream(join(dir, `subscribers-${SIZES[1]}.csv`)),
        'csv',
        prepared,
        ({ rows }) => {
          if (rows % LIVE_EVERY !== 0) return;
          gc();
          live.push(process.memoryUsage().heapUsed);
        },
      );
      if (again.unchanged !== SIZES[1]) throw new Error(`unexpected ${JSON.stringify(again)}`);
      const againMs = Date.now() - againStarted;
      console.log(
        `re-import of the 100k file (all unchanged, with a full GC every ${LIVE_EVERY} rows): ` +
          `${Math.round((SIZES[1] / againMs) * 1000)} rows/s, ${(againMs / 1000).toFixed(1)} s`,
      );
      console.log(
        `live heap after GC, every ${LIVE_EVERY} rows of a 100k re-import: ` +
          `${live.map((b) => (b / 1024 / 1024).toFixed(1)).join(', ')} MB ` +
          `(spread ${mb(Math.max(...live) - Math.min(...live))})`,
      );
    } finally {
      await app.close();
    }
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
