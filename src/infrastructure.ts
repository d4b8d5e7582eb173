import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { resolveRedis } from './platform/redis/redis-bootstrap';
import { AppConfig } from './platform/config/configuration';
import { ensureSecretKey } from './platform/config/secret-key';
import { checkDatabase } from './platform/database/database-check';
import { startEmbeddedPostgres } from './platform/database/embedded-postgres';
import { baseDataSourceOptions, runMigrationsLocked } from './platform/database/typeorm-options';

export interface Infrastructure {
  /** The configuration with the database URL, Redis URL and secret resolved. */
  config: AppConfig;
  /** Stops what this process started (embedded database, private Redis), after Nest closed. */
  stop: () => Promise<void>;
}

/**
 * Everything that has to exist before Nest starts: the secret, Redis (checked for noeviction),
 * the database (checked with one connection, or embedded when DATABASE_URL is unset) and its
 * migrations. A problem the operator can fix is a StartupError naming the setting.
 */
export async function prepareInfrastructure(
  base: AppConfig,
  options: { redis?: boolean } = {},
): Promise<Infrastructure> {
  const logger = new Logger('Startup');
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const secret = ensureSecretKey(base.security.secretKey, base.app.dataDir);
    if (secret.generated) {
      logger.warn(
        `No SECRET_KEY set: generated one in ${secret.path}. Keep it (suppression hashes depend on it).`,
      );
    }

    let redisUrl = base.redis.url;
    if (options.redis !== false) {
      const redis = await resolveRedis(base.redis.url, base.redis.explicit, base.app.dataDir);
      stops.push(redis.stop);
      redisUrl = redis.url;
    }

    let databaseUrl = base.database.url;
    if (databaseUrl) {
      await checkDatabase(databaseUrl);
    } else {
      const embedded = await startEmbeddedPostgres(base.app.dataDir);
      stops.push(embedded.stop);
      databaseUrl = embedded.url;
    }

    if (base.database.migrationsRun) {
      const ds = await new DataSource(baseDataSourceOptions(databaseUrl, 1)).initialize();
      try {
        const applied = await runMigrationsLocked(ds);
        if (applied.length) logger.log(`Applied migrations: ${applied.join(', ')}`);
      } finally {
        await ds.destroy();
      }
    }

    return {
      config: {
        ...base,
        database: { ...base.database, url: databaseUrl },
        redis: { ...base.redis, url: redisUrl },
        security: { ...base.security, secretKey: secret.key },
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
