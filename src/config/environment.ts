import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};
const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/**
 * Every environment variable Tidings reads. The README's configuration table mirrors this class;
 * keep them in step.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  /** Base URL that links in emails point to (preference center, confirm, unsubscribe). */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  PUBLIC_URL?: string;

  @IsString()
  DATA_DIR = './data';

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  @Transform(toBool)
  @IsBoolean()
  DATABASE_MIGRATIONS_RUN = true;

  @IsOptional()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @Matches(/^[A-Za-z0-9_-]{1,40}$/, {
    message: 'QUEUE_PREFIX must be 1-40 letters, digits, - or _',
  })
  QUEUE_PREFIX = 'tidings';

  @Transform(toBool)
  @IsBoolean()
  WORKERS_ENABLED = true;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsIn(['auto', 'json', 'pretty'])
  LOG_FORMAT: 'auto' | 'json' | 'pretty' = 'auto';

  /**
   * Master secret for keyed hashes (suppression list) and signed links. Required in production;
   * on a first run without it one is generated under DATA_DIR.
   */
  @IsOptional()
  @MinLength(32, { message: 'SECRET_KEY must be at least 32 characters' })
  SECRET_KEY?: string;

  /** Email templates directory (see docs/templates.md), resolved from the working directory. */
  @IsString()
  TEMPLATES_DIR = 'templates';

  @IsString()
  @MinLength(1)
  BRAND_NAME = 'Tidings';

  @Matches(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, {
    message: 'BRAND_COLOR must be a hex colour such as #0f766e',
  })
  BRAND_COLOR = '#0f766e';

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  BRAND_LOGO_URL?: string;

  /**
   * The sender's postal address, printed in every email footer (marketing law requires it).
   * Required in production; first runs get a placeholder that says it is one.
   */
  @IsOptional()
  @IsString()
  POSTAL_ADDRESS?: string;
}

/** Printed in footers until POSTAL_ADDRESS is set; obviously not a real address. */
export const PLACEHOLDER_POSTAL_ADDRESS =
  'Example Street 1, 1234 AB Example City (set POSTAL_ADDRESS)';

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Validates the raw environment; unknown variables are ignored, empty strings count as unset. */
export function validateEnvironment(raw: NodeJS.ProcessEnv): EnvironmentVariables {
  const known = Object.keys(new EnvironmentVariables());
  const defined: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined && value !== '') defined[key] = value;
  }
  const env = plainToInstance(EnvironmentVariables, defined, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false });
  const problems = errors.flatMap((e) =>
    Object.values(e.constraints ?? {}).map((m) =>
      known.includes(e.property) || m.startsWith(e.property) ? m : `${e.property}: ${m}`,
    ),
  );
  if (env.NODE_ENV === 'production' && !env.SECRET_KEY) {
    problems.push('SECRET_KEY is required when NODE_ENV=production (at least 32 characters)');
  }
  if (env.NODE_ENV === 'production' && !env.POSTAL_ADDRESS?.trim()) {
    problems.push('POSTAL_ADDRESS is required when NODE_ENV=production (printed in every email)');
  }
  if (problems.length) throw new ConfigValidationError(problems);
  return env;
}
