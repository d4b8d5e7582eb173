import { randomBytes } from 'node:crypto';
import { INestApplication, Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Logger } from 'nestjs-pino';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { ApiKeysService } from '../../src/surfaces/api/api-keys.service';
import { Clock } from '../../src/platform/clock';
import { configureHttpApp } from '../../src/platform/http/configure-app';
import { createOpenApiDocument } from '../../src/platform/http/openapi';
import { AppConfig, loadConfig } from '../../src/platform/config/configuration';
import { OpenApiContract } from './openapi-contract';
import { databaseUrl, DB_PREFIX, TEST_PG_ADMIN_URL, TEST_REDIS_URL } from './test-env';

let counter = 0;
/**
 * Jest loads this module afresh for every test file, so the counter starts at 0 again in a
 * worker that already ran a file; the random part keeps a database or queue prefix that a timed-out
 * file could not drop from being taken again by the next file on that worker.
 */
const fileTag = randomBytes(3).toString('hex');

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  dataSource: DataSource;
  /** The database this app uses (pass it as `databaseUrl` to start a second process on it). */
  databaseUrl: string;
  /** An API key with the admin scope. */
  adminKey: string;
  /**
   * supertest bound to the app's HTTP server. Every `/v1` answer is held to the OpenAPI document
   * (test/support/openapi-contract.ts): an undocumented status or body fails the request.
   */
  http: () => ReturnType<typeof request>;
  /** supertest with the admin key on every request of the returned agent (contract-checked too). */
  api: () => ReturnType<typeof request.agent>;
  /** The OpenAPI document this app serves, as a response checker. */
  contract: OpenApiContract;
  /** A key with only these scopes. */
  keyWith(...scopes: string[]): Promise<string>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Extra environment variables (as a user would set them). */
  env?: Record<string, string>;
  /** Start BullMQ workers in this app (default true). */
  workers?: boolean;
  /** Replace the application clock (see test/support/controllable-clock.ts). */
  clock?: Clock;
  /**
   * Use this existing database (another app's `databaseUrl`) instead of a fresh clone, as a second
   * process of the same deployment would; close() leaves it in place.
   */
  databaseUrl?: string;
  /** Extra providers next to AppModule, e.g. one that plugs into an extension point. */
  providers?: Provider[];
  /** Providers replaced by a value (a port to the outside world served from the test). */
  overrides?: Array<{ provide: unknown; useValue: unknown }>;
}

/** A fresh database cloned from the run's migrated template. */
export async function createTestDatabase(): Promise<{
  name: string;
  url: string;
  drop(): Promise<void>;
}> {
  const run = process.env.TIDINGS_TEST_RUN;
  const template = process.env.TIDINGS_TEST_TEMPLATE;
  if (!run || !template)
    throw new Error('Run end-to-end tests through jest (npm test): global setup is missing');
  const name = `${DB_PREFIX}${run}_${process.pid}_${fileTag}_${counter++}`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  return {
    name,
    url: databaseUrl(name),
    drop: () =>
      withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}

async function withAdmin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/**
 * Boots the real AppModule over HTTP against its own PostgreSQL database and its own Redis key
 * prefix on the machine's servers, with the same HTTP wiring as main.ts.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = options.databaseUrl
    ? { url: options.databaseUrl, drop: () => Promise.resolve() }
    : await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'tidings-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '5',
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: `t${process.env.TIDINGS_TEST_RUN}-${process.pid}-${fileTag}-${counter}`,
    SECRET_KEY: 'test-secret-key-that-is-long-enough-0123456789',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    LOG_FORMAT: 'json',
    WORKERS_ENABLED: String(options.workers ?? true),
    // Every test request comes from 127.0.0.1; tests of the limits set low ones in `env`.
    RATE_LIMIT_TOKEN_PER_MINUTE: '100000',
    RATE_LIMIT_SUBSCRIBE_PER_MINUTE: '100000',
    ...options.env,
  });
  config.app.role = 'api';

  const builder = Test.createTestingModule({
    imports: [AppModule.forRoot(config)],
    providers: options.providers ?? [],
  });
  if (options.clock) builder.overrideProvider(Clock).useValue(options.clock);
  for (const o of options.overrides ?? []) builder.overrideProvider(o.provide).useValue(o.useValue);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication({ bufferLogs: true });
  app.useLogger(app.get(Logger));
  configureHttpApp(app);
  await app.init();

  const apiKeys = app.get(ApiKeysService);
  const adminKey = (await apiKeys.create('test admin', ['admin'])).key;
  const contract = new OpenApiContract(createOpenApiDocument(app));
  return {
    app,
    config,
    dataSource: app.get(DataSource),
    databaseUrl: db.url,
    adminKey,
    http: () => checkedByContract(request(app.getHttpServer()), contract),
    api: () =>
      checkedByContract(
        request.agent(app.getHttpServer()).set('Authorization', `Bearer ${adminKey}`),
        contract,
      ),
    contract,
    keyWith: async (...scopes: string[]) => (await apiKeys.create('test key', scopes)).key,
    close: async () => {
      await app.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;

/**
 * The same supertest client, whose every request first asserts that its answer is documented
 * (a supertest assertion, so it runs however the test awaits or ends the request).
 */
export function checkedByContract<C extends object>(client: C, contract: OpenApiContract): C {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (!(METHODS as readonly (string | symbol)[]).includes(prop)) {
        // Chained setters (agent.set(...)) return the client itself: keep it wrapped.
        return (...args: unknown[]) => {
          const result: unknown = Reflect.apply(value, target, args);
          return result === target ? receiver : result;
        };
      }
      return (url: string, ...rest: unknown[]) => {
        const test = Reflect.apply(value, target, [url, ...rest]) as request.Test;
        return test.expect((res) => contract.check(String(prop), url, res));
      };
    },
  });
}
