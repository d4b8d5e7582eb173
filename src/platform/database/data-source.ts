import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/configuration';
import { baseDataSourceOptions, ENTITY_GLOB } from './typeorm-options';

/**
 * For the TypeORM CLI (`npm run migration:run`, `migration:generate`). It needs DATABASE_URL:
 * the embedded database is migrated by the server itself on start.
 */
const config = loadConfig();
if (!config.database.url) {
  throw new Error(
    'DATABASE_URL is not set. The TypeORM CLI needs a PostgreSQL URL; the embedded database is migrated by `npm start`.',
  );
}

export default new DataSource({
  ...baseDataSourceOptions(config.database.url, 2),
  entities: [ENTITY_GLOB],
});
