import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs SQL and returns its rows, whatever the statement. TypeORM's `query()` returns
 * `[rows, affectedCount]` for UPDATE and DELETE (even with RETURNING) but plain rows otherwise.
 */
export async function queryRows<T>(
  db: DataSource | EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const result: unknown = await db.query(sql, params);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}

/**
 * Numbered parameters for one statement, shared by the statement and the fragments that build
 * it: `add(value)` appends a value and returns its placeholder (`$1`, `$2`, ...), so a fragment
 * never needs to know which numbers the rest of the statement took.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

interface PgPool {
  connect(): Promise<{
    query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
    release(err?: boolean): void;
  }>;
}

/**
 * Runs a statement prepared once per connection (node-postgres named statements): PostgreSQL
 * parses and plans it once instead of on every call. For hot statements whose text never
 * changes, only their values; `name` must be unique per text.
 */
export async function queryPrepared<T>(
  dataSource: DataSource,
  name: string,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const pool = (dataSource.driver as unknown as { master: PgPool }).master;
  const client = await pool.connect();
  let broken = false;
  try {
    return (await client.query({ name, text, values })).rows as T[];
  } catch (err) {
    broken = !(err as { code?: string }).code;
    throw err;
  } finally {
    client.release(broken);
  }
}
