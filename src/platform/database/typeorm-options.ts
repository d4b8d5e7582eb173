import { join } from 'node:path';
import { types } from 'pg';
import { DataSource, DataSourceOptions, MigrationExecutor } from 'typeorm';
import { SnakeNamingStrategy } from 'typeorm-naming-strategies';
import { MIGRATIONS } from './migrations';

// DATE columns are calendar dates, not instants: keep them as 'YYYY-MM-DD' strings instead of
// letting pg turn them into JavaScript Dates at local midnight.
types.setTypeParser(types.builtins.DATE, (value: string) => value);

/** Options shared by the application and the TypeORM CLI (data-source.ts). */
export function baseDataSourceOptions(url: string, poolSize: number): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    namingStrategy: new SnakeNamingStrategy(),
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    // Schema changes only ever come from reviewed migrations.
    synchronize: false,
    migrationsRun: false,
    extra: { max: poolSize, application_name: 'tidings' },
  };
}

export const ENTITY_GLOB = join(__dirname, '..', '..', '**', '*.entity.{js,ts}');

// Any stable 64-bit number works; it only has to be the same in every Tidings process.
const MIGRATION_LOCK_ID = 7_417_093_211;

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so an API process and several worker
 * processes starting together apply each migration once.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    // The executor runs on the connection that holds the lock (a pool of one would deadlock).
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'each';
    const applied = await executor.executePendingMigrations();
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await runner.release();
  }
}
