import { ConfigService } from '@nestjs/config';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  EnvironmentVariables,
  PLACEHOLDER_POSTAL_ADDRESS,
  validateEnvironment,
} from './environment';

export interface AppConfig {
  app: {
    env: EnvironmentVariables['NODE_ENV'];
    /** Which entry point runs: the HTTP API (main.ts), workers only (worker.ts) or a CLI. */
    role: 'api' | 'worker' | 'cli';
    port: number;
    host: string;
    publicUrl: string;
    dataDir: string;
  };
  database: {
    /** Undefined until the embedded database is started (see database/embedded-postgres.ts). */
    url: string | undefined;
    embedded: boolean;
    poolSize: number;
    migrationsRun: boolean;
  };
  redis: {
    url: string;
    /** True when REDIS_URL was given: then Tidings never starts a private Redis. */
    explicit: boolean;
    prefix: string;
  };
  workers: { enabled: boolean };
  log: { level: string; format: EnvironmentVariables['LOG_FORMAT'] };
  security: { secretKey: string | undefined };
  rendering: {
    /** Absolute path of the templates directory. */
    templatesDir: string;
    brand: { name: string; color: string; logoUrl: string | undefined };
    sender: { postalAddress: string };
  };
}

export type TidingsConfigService = ConfigService<AppConfig, true>;

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Reads `.env` (if present, never overriding real environment variables) and the environment,
 * validates it and returns the typed configuration. This module is the only reader of process.env.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  if (env === process.env && env.NODE_ENV !== 'test' && existsSync('.env')) {
    process.loadEnvFile('.env');
  }
  const e = validateEnvironment(env);
  return {
    app: {
      env: e.NODE_ENV,
      role: 'api',
      port: e.PORT,
      host: e.HOST,
      publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
      dataDir: resolve(e.DATA_DIR),
    },
    database: {
      url: e.DATABASE_URL,
      embedded: !e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE,
      migrationsRun: e.DATABASE_MIGRATIONS_RUN,
    },
    redis: {
      url: e.REDIS_URL ?? DEFAULT_REDIS_URL,
      explicit: !!e.REDIS_URL,
      prefix: e.QUEUE_PREFIX,
    },
    workers: { enabled: e.WORKERS_ENABLED },
    log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT },
    security: { secretKey: e.SECRET_KEY },
    rendering: {
      templatesDir: resolve(e.TEMPLATES_DIR),
      brand: { name: e.BRAND_NAME, color: e.BRAND_COLOR, logoUrl: e.BRAND_LOGO_URL },
      sender: { postalAddress: e.POSTAL_ADDRESS?.trim() || PLACEHOLDER_POSTAL_ADDRESS },
    },
  };
}
