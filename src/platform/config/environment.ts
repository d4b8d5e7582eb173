import { createPublicKey, KeyObject } from 'node:crypto';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsTimeZone,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  getMetadataStorage,
  validateSync,
  ValidationError,
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

  /** Time zone for subscribers who do not give one (send windows are computed in it). */
  @IsTimeZone({ message: 'DEFAULT_TIMEZONE must be an IANA time zone such as Europe/Amsterdam' })
  DEFAULT_TIMEZONE = 'UTC';

  /**
   * The languages Tidings speaks, comma-separated; the first is the default that every missing
   * text falls back to. nl and en ship with texts; others need translations (LOCALE_DIR).
   */
  @Matches(/^[a-z]{2,3}(-[a-z0-9]{2,8})?(,[a-z]{2,3}(-[a-z0-9]{2,8})?)*$/, {
    message:
      'LOCALES must be comma-separated lowercase language codes such as nl,en,de (the first is the default)',
  })
  LOCALES = 'nl,en';

  /** Translations for more languages: one `<locale>.json` per language (see docs/locales.md). */
  @IsOptional()
  @IsString()
  LOCALE_DIR?: string;

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
   * Link-signing keys as `id:secret` pairs (id 1-255), comma separated. The first signs, all verify,
   * so keys rotate without breaking links already sent. Without it a key derives from SECRET_KEY.
   */
  @IsOptional()
  @Matches(/^\d{1,3}:[^,:]{32,}(,\d{1,3}:[^,:]{32,})*$/, {
    message:
      'TOKEN_KEYS must be id:secret pairs separated by commas (ids 1-255, secrets of 32+ characters)',
  })
  TOKEN_KEYS?: string;

  /** Outgoing SMTP server (smtp:// or smtps://, credentials in the URL). Unset: .eml files in DATA_DIR/outbox. */
  @IsOptional()
  @Matches(/^smtps?:\/\//, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  SMTP_POOL_SIZE = 5;

  /** The From header, e.g. `"Acme" <news@acme.example>`. */
  @IsString()
  @MinLength(3)
  MAIL_FROM = '"Tidings" <no-reply@tidings.localhost>';

  @IsOptional()
  @IsString()
  MAIL_REPLY_TO?: string;

  /** Mailbox for the mailto: List-Unsubscribe link. Default: unsubscribe@ the From domain. */
  @IsOptional()
  @IsString()
  UNSUBSCRIBE_MAILTO?: string;

  @IsOptional()
  @Matches(/^[a-z0-9.-]+$/i, { message: 'DKIM_DOMAIN must be a domain name' })
  DKIM_DOMAIN?: string;

  @IsOptional()
  @Matches(/^[a-z0-9._-]+$/i, { message: 'DKIM_SELECTOR must be a DNS label' })
  DKIM_SELECTOR?: string;

  /** PEM private key, or a path to a file holding it. */
  @IsOptional()
  @IsString()
  DKIM_PRIVATE_KEY?: string;

  /** Delivery jobs one worker process runs at once (each handles a batch). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  DELIVERY_CONCURRENCY = 4;

  /** Worker threads that render and encode email in each worker process; 0 renders on the main thread. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(16)
  DELIVERY_COMPOSE_THREADS = 1;

  /** Ledger ids per delivery job. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  DELIVERY_BATCH_SIZE = 50;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  DELIVERY_MAX_ATTEMPTS = 8;

  /** First retry delay after a temporary SMTP failure; doubles per attempt (capped at an hour). */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  DELIVERY_RETRY_BASE_MS = 30_000;

  /** How often the dispatcher moves due ledger rows (retries, scheduled sends, lost jobs) to the queue. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  DISPATCH_INTERVAL_MS = 15_000;

  /**
   * How often every process (API or worker) checks that Redis still holds the queues' state and
   * the job schedulers, re-creating what is missing and rebuilding due work from PostgreSQL after
   * a loss. Default: DISPATCH_INTERVAL_MS, at most 30 s.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(30_000)
  QUEUE_CHECK_INTERVAL_MS?: number;

  /** A row queued or sending this long without progress is considered lost and re-enqueued. */
  @Transform(toInt)
  @IsInt()
  @Min(5)
  DELIVERY_STALE_AFTER_SECONDS = 600;

  /** Alerts to the marketer (missed deadlines, silent subscribers) are POSTed here as JSON. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  ALERT_WEBHOOK_URL?: string;

  /** Sent with the alert webhook as `X-Tidings-Signature: sha256=<HMAC of the body>`. */
  @IsOptional()
  @MinLength(16, { message: 'ALERT_WEBHOOK_SECRET must be at least 16 characters' })
  ALERT_WEBHOOK_SECRET?: string;

  /** Alerts are also emailed here (comma-separated addresses). */
  @IsOptional()
  @IsString()
  ALERT_EMAIL?: string;

  /** How often recorded events are handed to webhook endpoints and due deliveries are sent. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  WEBHOOK_INTERVAL_MS = 2_000;

  /** Attempts of one webhook delivery before it is marked failed (it can still be replayed). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(30)
  WEBHOOK_MAX_ATTEMPTS = 12;

  /** Delay before a webhook delivery's first retry; doubles per attempt, at most six hours. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  WEBHOOK_RETRY_BASE_MS = 30_000;

  /** How long one webhook POST may take before it counts as failed. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  WEBHOOK_TIMEOUT_MS = 10_000;

  /** Delivered and failed webhook deliveries are kept this many days, then deleted. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  WEBHOOK_RETENTION_DAYS = 30;

  /** How often the scheduler looks for due work (notices, digests, watchdog) in PostgreSQL. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  SCHEDULER_INTERVAL_MS = 60_000;

  /** Rows one lifecycle scan statement handles; a tick runs batches until its time budget is used. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(100_000)
  LIFECYCLE_BATCH_SIZE = 5000;
  /** Most promotional messages a subscriber may get, as a percentage of their messages in the window. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100)
  CONTENT_MIX_MAX_PROMOTIONAL_PERCENT = 25;

  /** The rolling window (days) over which the promotional share is counted. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  CONTENT_MIX_WINDOW_DAYS = 90;

  /** At most one promotional message per subscriber per this many days. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(365)
  CONTENT_MIX_PROMOTIONAL_GAP_DAYS = 7;

  /**
   * The trust question ("Do we act in your interest?") goes in at most one email per subscriber
   * per this many days (docs/trust-question.md). 0 turns it off.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3650)
  TRUST_QUESTION_PERIOD_DAYS = 182;

  /**
   * The marketer's default overall cap: at most this many regular (editorial and promotional)
   * emails per subscriber in any 7 days, across all topics. Unset: no cap. A subscriber's own
   * choice on the preference page wins.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  OVERALL_WEEKLY_CAP?: number;

  /** Content items at most in one digest (newest first; older ones wait for the next). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  DIGEST_MAX_ITEMS = 20;

  /** Days past a subscriber's chosen period before the silence watchdog counts them as silent. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(90)
  SILENCE_GRACE_DAYS = 2;

  /** Subscribers per campaign fan-out transaction (ledger rows written per batch). */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(20000)
  CAMPAIGN_FANOUT_BATCH_SIZE = 1000;

  /** The campaign fan-out waits while this many delivery jobs are waiting (bounds Redis memory). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  CAMPAIGN_MAX_WAITING_JOBS = 40;

  /** A pending address gets a new confirmation email at most this often. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  CONFIRM_RESEND_MINUTES = 10;

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

  /** Requests per minute per client address to the preference-center pages (/p/..., /u/...). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_TOKEN_PER_MINUTE = 60;

  /** Requests per minute per client address to the public subscribe form (GET and POST /subscribe). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_SUBSCRIBE_PER_MINUTE = 20;

  /** Sign-in and password-reset requests per minute per client address (console accounts). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_SIGN_IN_PER_MINUTE = 10;

  /** Wrong passwords for one account within 15 minutes before its sign-in is refused (429). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  SIGN_IN_MAX_FAILURES = 5;

  /** Hours a console session stays valid without use (it ends after 7 days in any case). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(168)
  SESSION_IDLE_HOURS = 12;

  /**
   * A manage link from an email sent less than this many hours ago may also raise what we send
   * (join, more often, resume); older links need a fresh link sent by email first.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(720)
  PREFERENCES_FRESH_LINK_HOURS = 24;

  /** CSP frame-ancestors for the embeddable GET /subscribe form: `*`, `'none'` or origins. */
  @Matches(/^(\*|'none'|'self'|https?:\/\/[^\s;,]+)( (\*|'self'|https?:\/\/[^\s;,]+))*$/, {
    message:
      "SUBSCRIBE_FORM_FRAME_ANCESTORS must be *, 'none', 'self' or space-separated http(s) origins",
  })
  SUBSCRIBE_FORM_FRAME_ANCESTORS = '*';

  /**
   * The sender's postal address, printed in every email footer (marketing law requires it).
   * Required in production; first runs get a placeholder that says it is one.
   */
  @IsOptional()
  @IsString()
  POSTAL_ADDRESS?: string;

  /**
   * Shared secret for `POST /v1/webhooks/bounces` (sent as `Authorization: Bearer <secret>`).
   * Unset: the endpoint answers 503.
   */
  @IsOptional()
  @MinLength(16, { message: 'BOUNCE_WEBHOOK_SECRET must be at least 16 characters' })
  BOUNCE_WEBHOOK_SECRET?: string;

  /** Shared secret for `POST /v1/webhooks/complaints`. Unset: the endpoint answers 503. */
  @IsOptional()
  @MinLength(16, { message: 'COMPLAINT_WEBHOOK_SECRET must be at least 16 characters' })
  COMPLAINT_WEBHOOK_SECRET?: string;

  /**
   * Soft bounces (mailbox full, temporary failures given up on) within SOFT_BOUNCE_WINDOW_DAYS
   * after which the address is suppressed like a hard bounce.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  SOFT_BOUNCE_LIMIT = 3;

  /** The window, in days, in which SOFT_BOUNCE_LIMIT soft bounces suppress an address. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(365)
  SOFT_BOUNCE_WINDOW_DAYS = 14;

  /**
   * Port of the built-in SMTP listener for inbound mail (mailto: unsubscribes, bounces and
   * complaints); it runs in the API process. Unset: no listener. 0 picks a free port (tests).
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  INBOUND_SMTP_PORT?: number;

  /** The interface the SMTP listener binds to. */
  @IsString()
  INBOUND_SMTP_HOST = '0.0.0.0';

  /** Largest inbound message the listener or the IMAP poller reads (bytes); larger is refused. */
  @Transform(toInt)
  @IsInt()
  @Min(10_000)
  @Max(26_214_400)
  INBOUND_MAX_MESSAGE_BYTES = 10_485_760;

  /**
   * The address that takes bounces (DSN) and complaints (ARF). Default: the MAIL_FROM address,
   * which is the envelope sender of every message and so where DSNs are sent.
   */
  @IsOptional()
  @IsEmail({}, { message: 'INBOUND_BOUNCE_ADDRESS must be an email address' })
  INBOUND_BOUNCE_ADDRESS?: string;

  /**
   * A mailbox elsewhere to poll for unsubscribe mail and bounces:
   * `imaps://user:password@imap.example.com:993/INBOX` (credentials percent-encoded). Unset: off.
   */
  @IsOptional()
  @Matches(/^imaps?:\/\/[^\s/@]+:[^\s/@]+@[^\s/]+(\/.*)?$/, {
    message:
      'INBOUND_IMAP_URL must be imap:// or imaps://user:password@host[:port][/mailbox] (credentials percent-encoded)',
  })
  INBOUND_IMAP_URL?: string;

  /** Seconds between two polls of the IMAP mailbox. */
  @Transform(toInt)
  @IsInt()
  @Min(5)
  @Max(86_400)
  INBOUND_IMAP_INTERVAL_SECONDS = 60;

  /**
   * Amazon SES via SNS: the topic ARNs whose notifications `POST /v1/webhooks/providers/ses`
   * accepts (comma-separated). Unset: that webhook answers 503.
   */
  @IsOptional()
  @Matches(
    /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+(,arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+)*$/,
    {
      message:
        'SES_SNS_TOPIC_ARNS must be SNS topic ARNs (arn:aws:sns:<region>:<account>:<topic>), comma-separated',
    },
  )
  SES_SNS_TOPIC_ARNS?: string;

  /** Confirm an SNS subscription to one of SES_SNS_TOPIC_ARNS by visiting its SubscribeURL. */
  @Transform(toBool)
  @IsBoolean()
  SES_SNS_AUTO_CONFIRM = true;

  /** Basic-auth user name in the Postmark webhook URL. */
  @IsString()
  @MinLength(1)
  POSTMARK_WEBHOOK_USERNAME = 'postmark';

  /** Basic-auth password in the Postmark webhook URL. Unset: that webhook answers 503. */
  @IsOptional()
  @MinLength(16, { message: 'POSTMARK_WEBHOOK_PASSWORD must be at least 16 characters' })
  POSTMARK_WEBHOOK_PASSWORD?: string;

  /** SendGrid Event Webhook verification key (the base64 public key SendGrid shows, or PEM). */
  @IsOptional()
  @IsString()
  SENDGRID_WEBHOOK_PUBLIC_KEY?: string;

  /** Mailgun HTTP webhook signing key. Unset: that webhook answers 503. */
  @IsOptional()
  @MinLength(16, { message: 'MAILGUN_WEBHOOK_SIGNING_KEY must be at least 16 characters' })
  MAILGUN_WEBHOOK_SIGNING_KEY?: string;
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

/**
 * The messages for one variable. A value of the wrong type is one message, with the range the
 * value must be in and the value given, not also every range check it failed as a consequence
 * (`PORT=abc` is not "greater than 65535", "less than 0" and "not an integer" at once).
 */
function problemsOf(e: ValidationError, known: string[]): string[] {
  const c = e.constraints ?? {};
  const given = JSON.stringify(String(e.value));
  if (c.isInt) return [`${c.isInt}${rangeOf(e.property)} (got ${given})`];
  if (c.isBoolean) return [`${c.isBoolean} (true or false; got ${given})`];
  return Object.values(c).map((m) =>
    known.includes(e.property) || m.startsWith(e.property) ? m : `${e.property}: ${m}`,
  );
}

/** The @Min/@Max of a variable, as words. */
function rangeOf(property: string): string {
  const rules = getMetadataStorage()
    .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
    .filter((m) => m.propertyName === property);
  const bound = (name: string) => rules.find((m) => m.name === name)?.constraints[0] as number;
  const [min, max] = [bound('min'), bound('max')];
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return `, at least ${min}`;
  if (max !== undefined) return `, at most ${max}`;
  return '';
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
  const problems = errors.flatMap((e) => problemsOf(e, known));
  if ([env.DKIM_DOMAIN, env.DKIM_SELECTOR, env.DKIM_PRIVATE_KEY].filter(Boolean).length % 3 !== 0) {
    problems.push('DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY must be set together');
  }
  if (env.NODE_ENV === 'production' && !env.SECRET_KEY) {
    problems.push('SECRET_KEY is required when NODE_ENV=production (at least 32 characters)');
  }
  if (env.NODE_ENV === 'production' && !env.POSTAL_ADDRESS?.trim()) {
    problems.push('POSTAL_ADDRESS is required when NODE_ENV=production (printed in every email)');
  }
  if (env.INBOUND_SMTP_PORT && env.INBOUND_SMTP_PORT === env.PORT) {
    problems.push(`INBOUND_SMTP_PORT must differ from PORT (both are ${env.PORT})`);
  }
  if (env.SENDGRID_WEBHOOK_PUBLIC_KEY && !sendgridKeyReadable(env.SENDGRID_WEBHOOK_PUBLIC_KEY)) {
    problems.push(
      'SENDGRID_WEBHOOK_PUBLIC_KEY must be the Event Webhook verification key SendGrid shows (base64) or a PEM public key',
    );
  }
  const localeList = env.LOCALES.split(',');
  if (new Set(localeList).size !== localeList.length) {
    problems.push(`LOCALES names a locale twice (got ${JSON.stringify(env.LOCALES)})`);
  }
  if (problems.length) throw new ConfigValidationError(problems);
  return env;
}

/** SendGrid shows its verification key as base64 DER (SPKI); a PEM is taken too. */
export function sendgridPublicKey(value: string): KeyObject {
  const text = value.trim().replace(/\\n/g, '\n');
  return text.includes('PUBLIC KEY')
    ? createPublicKey(text)
    : createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
}

function sendgridKeyReadable(value: string): boolean {
  try {
    return sendgridPublicKey(value).asymmetricKeyType === 'ec';
  } catch {
    return false;
  }
}
