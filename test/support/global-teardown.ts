import Redis from 'ioredis';
import { Client } from 'pg';
import { redisOptionsFromUrl } from '../../src/platform/redis/redis-options';
import { DB_PREFIX, TEST_PG_ADMIN_URL, TEST_REDIS_URL } from './test-env';

/** Drops this run's databases and Redis keys. */
export default async function globalTeardown(): Promise<void> {
  const run = process.env.TIDINGS_TEST_RUN;
  if (!run) return;
  const admin = new Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`${DB_PREFIX}${run}%`],
    );
    for (const { datname } of rows)
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  const redis = new Redis(redisOptionsFromUrl(TEST_REDIS_URL));
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `t${run}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
