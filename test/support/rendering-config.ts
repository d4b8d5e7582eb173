import { ConfigService } from '@nestjs/config';
import { join } from 'node:path';
import { AppConfig, loadConfig } from '../../src/platform/config/configuration';

export const SHIPPED_TEMPLATES_DIR = join(__dirname, '..', '..', 'templates');
export const TEST_POSTAL_ADDRESS = 'Tidings B.V., Keizersgracht 100, 1015 AA Amsterdam';

/** Configuration for rendering tests: fixed brand and address, so snapshots do not depend on env. */
export function renderingConfig(env: Record<string, string> = {}): ConfigService<AppConfig, true> {
  return new ConfigService<AppConfig, true>(
    loadConfig({
      NODE_ENV: 'test',
      TEMPLATES_DIR: SHIPPED_TEMPLATES_DIR,
      POSTAL_ADDRESS: TEST_POSTAL_ADDRESS,
      PUBLIC_URL: 'https://mail.example.com',
      ...env,
    }),
  );
}
