import { ConfigService } from '@nestjs/config';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { normaliseEmail } from '../email';
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
    /** PUBLIC_URL or PORT was given; otherwise publicUrl is the default http://localhost:3000. */
    publicUrlConfigured: boolean;
    dataDir: string;
    defaultTimezone: string;
  };
  /** LOCALES (the default first) and LOCALE_DIR, resolved. */
  locales: { list: string[]; dir: string | undefined };
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
  security: { secretKey: string | undefined; tokenKeys: Array<{ id: number; secret: string }> };
  mail: {
    smtpUrl: string | undefined;
    poolSize: number;
    from: string;
    replyTo: string | undefined;
    unsubscribeMailto: string;
    /** Domain used for List-Id and Message-ID. */
    domain: string;
    dkim: { domainName: string; keySelector: string; privateKey: string } | undefined;
  };
  delivery: {
    concurrency: number;
    composeThreads: number;
    batchSize: number;
    maxAttempts: number;
    retryBaseMs: number;
    dispatchIntervalMs: number;
    staleAfterSeconds: number;
    confirmResendMinutes: number;
  };
  scheduler: { intervalMs: number };
  /** The self-check of every process: queue-state marker and job schedulers in Redis. */
  queues: { checkIntervalMs: number };
  lifecycle: { batchSize: number };
  contentMix: {
    /** 0..1 */
    maxPromotionalShare: number;
    windowDays: number;
    promotionalGapDays: number;
  };
  /** The trust question: at most once per subscriber per `periodDays` (0: never asked). */
  trustQuestion: { periodDays: number };
  /** Regular emails per subscriber in any 7 days when they chose no cap themselves; null: none. */
  overallCap: { weeklyDefault: number | null };
  digests: { maxItems: number; silenceGraceDays: number };
  campaigns: { fanoutBatchSize: number; maxWaitingJobs: number };
  alerts: { webhookUrl: string | undefined; webhookSecret: string | undefined; emails: string[] };
  /** Webhooks out (docs/webhooks-out.md). */
  webhooksOut: {
    intervalMs: number;
    maxAttempts: number;
    retryBaseMs: number;
    timeoutMs: number;
    retentionDays: number;
  };
  webhooks: {
    /** Bearer secrets of the bounce and complaint webhooks; unset disables the endpoint. */
    bounceSecret: string | undefined;
    complaintSecret: string | undefined;
    softBounceLimit: number;
    softBounceWindowDays: number;
  };
  /** Inbound mail: the built-in SMTP listener and the IMAP poller (each off when unset). */
  inbound: {
    /** The mailto: List-Unsubscribe address (UNSUBSCRIBE_MAILTO), normalised. */
    unsubscribeAddress: string;
    /** Where bounces and complaints arrive (INBOUND_BOUNCE_ADDRESS or the From address), normalised. */
    bounceAddress: string;
    maxMessageBytes: number;
    smtp: { port: number; host: string } | undefined;
    imap:
      | {
          host: string;
          port: number;
          secure: boolean;
          user: string;
          password: string;
          mailbox: string;
          intervalMs: number;
        }
      | undefined;
  };
  /** Sending services' webhooks (`POST /v1/webhooks/providers/:provider`); unset: 503. */
  providers: {
    ses: { topicArns: string[]; autoConfirm: boolean } | undefined;
    postmark: { username: string; password: string } | undefined;
    sendgrid: { publicKey: string } | undefined;
    mailgun: { signingKey: string } | undefined;
  };
  rendering: {
    /** Absolute path of the templates directory. */
    templatesDir: string;
    brand: { name: string; color: string; logoUrl: string | undefined };
    sender: { postalAddress: string };
  };
  preferences: {
    freshLinkHours: number;
    rateLimit: { tokenPerMinute: number; subscribePerMinute: number; signInPerMinute: number };
    subscribeFormFrameAncestors: string;
  };
  accounts: { maxSignInFailures: number; sessionIdleHours: number };
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
  const mail = mailConfig(e);
  return {
    app: {
      env: e.NODE_ENV,
      role: 'api',
      port: e.PORT,
      host: e.HOST,
      publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
      publicUrlConfigured: !!env.PUBLIC_URL || !!env.PORT,
      dataDir: resolve(e.DATA_DIR),
      defaultTimezone: e.DEFAULT_TIMEZONE,
    },
    locales: {
      list: e.LOCALES.split(','),
      dir: e.LOCALE_DIR ? resolve(e.LOCALE_DIR) : undefined,
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
    security: { secretKey: e.SECRET_KEY, tokenKeys: parseTokenKeys(e.TOKEN_KEYS) },
    mail,
    delivery: {
      concurrency: e.DELIVERY_CONCURRENCY,
      composeThreads: e.DELIVERY_COMPOSE_THREADS,
      batchSize: e.DELIVERY_BATCH_SIZE,
      maxAttempts: e.DELIVERY_MAX_ATTEMPTS,
      retryBaseMs: e.DELIVERY_RETRY_BASE_MS,
      dispatchIntervalMs: e.DISPATCH_INTERVAL_MS,
      staleAfterSeconds: e.DELIVERY_STALE_AFTER_SECONDS,
      confirmResendMinutes: e.CONFIRM_RESEND_MINUTES,
    },
    scheduler: { intervalMs: e.SCHEDULER_INTERVAL_MS },
    queues: {
      checkIntervalMs: e.QUEUE_CHECK_INTERVAL_MS ?? Math.min(e.DISPATCH_INTERVAL_MS, 30_000),
    },
    lifecycle: { batchSize: e.LIFECYCLE_BATCH_SIZE },
    contentMix: {
      maxPromotionalShare: e.CONTENT_MIX_MAX_PROMOTIONAL_PERCENT / 100,
      windowDays: e.CONTENT_MIX_WINDOW_DAYS,
      promotionalGapDays: e.CONTENT_MIX_PROMOTIONAL_GAP_DAYS,
    },
    trustQuestion: { periodDays: e.TRUST_QUESTION_PERIOD_DAYS },
    overallCap: { weeklyDefault: e.OVERALL_WEEKLY_CAP ?? null },
    digests: { maxItems: e.DIGEST_MAX_ITEMS, silenceGraceDays: e.SILENCE_GRACE_DAYS },
    campaigns: {
      fanoutBatchSize: e.CAMPAIGN_FANOUT_BATCH_SIZE,
      maxWaitingJobs: e.CAMPAIGN_MAX_WAITING_JOBS,
    },
    rendering: {
      templatesDir: resolve(e.TEMPLATES_DIR),
      brand: { name: e.BRAND_NAME, color: e.BRAND_COLOR, logoUrl: e.BRAND_LOGO_URL },
      sender: { postalAddress: e.POSTAL_ADDRESS?.trim() || PLACEHOLDER_POSTAL_ADDRESS },
    },
    preferences: {
      freshLinkHours: e.PREFERENCES_FRESH_LINK_HOURS,
      rateLimit: {
        tokenPerMinute: e.RATE_LIMIT_TOKEN_PER_MINUTE,
        subscribePerMinute: e.RATE_LIMIT_SUBSCRIBE_PER_MINUTE,
        signInPerMinute: e.RATE_LIMIT_SIGN_IN_PER_MINUTE,
      },
      subscribeFormFrameAncestors: e.SUBSCRIBE_FORM_FRAME_ANCESTORS,
    },
    accounts: {
      maxSignInFailures: e.SIGN_IN_MAX_FAILURES,
      sessionIdleHours: e.SESSION_IDLE_HOURS,
    },
    alerts: {
      webhookUrl: e.ALERT_WEBHOOK_URL,
      webhookSecret: e.ALERT_WEBHOOK_SECRET,
      emails: (e.ALERT_EMAIL ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    },
    webhooksOut: {
      intervalMs: e.WEBHOOK_INTERVAL_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retentionDays: e.WEBHOOK_RETENTION_DAYS,
    },
    webhooks: {
      bounceSecret: e.BOUNCE_WEBHOOK_SECRET,
      complaintSecret: e.COMPLAINT_WEBHOOK_SECRET,
      softBounceLimit: e.SOFT_BOUNCE_LIMIT,
      softBounceWindowDays: e.SOFT_BOUNCE_WINDOW_DAYS,
    },
    inbound: inboundConfig(e, mail),
    providers: {
      ses: e.SES_SNS_TOPIC_ARNS
        ? { topicArns: e.SES_SNS_TOPIC_ARNS.split(','), autoConfirm: e.SES_SNS_AUTO_CONFIRM }
        : undefined,
      postmark: e.POSTMARK_WEBHOOK_PASSWORD
        ? { username: e.POSTMARK_WEBHOOK_USERNAME, password: e.POSTMARK_WEBHOOK_PASSWORD }
        : undefined,
      sendgrid: e.SENDGRID_WEBHOOK_PUBLIC_KEY
        ? { publicKey: e.SENDGRID_WEBHOOK_PUBLIC_KEY }
        : undefined,
      mailgun: e.MAILGUN_WEBHOOK_SIGNING_KEY
        ? { signingKey: e.MAILGUN_WEBHOOK_SIGNING_KEY }
        : undefined,
    },
  };
}

function inboundConfig(e: EnvironmentVariables, mail: AppConfig['mail']): AppConfig['inbound'] {
  const fromAddress = /<([^>]+)>/.exec(e.MAIL_FROM)?.[1] ?? e.MAIL_FROM.trim();
  let imap: AppConfig['inbound']['imap'];
  if (e.INBOUND_IMAP_URL) {
    const url = new URL(e.INBOUND_IMAP_URL);
    const secure = url.protocol === 'imaps:';
    imap = {
      host: url.hostname,
      port: url.port ? Number(url.port) : secure ? 993 : 143,
      secure,
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      mailbox: decodeURIComponent(url.pathname.replace(/^\//, '')) || 'INBOX',
      intervalMs: e.INBOUND_IMAP_INTERVAL_SECONDS * 1000,
    };
  }
  return {
    unsubscribeAddress: normaliseEmail(mail.unsubscribeMailto),
    bounceAddress: normaliseEmail(e.INBOUND_BOUNCE_ADDRESS ?? fromAddress),
    maxMessageBytes: e.INBOUND_MAX_MESSAGE_BYTES,
    smtp:
      e.INBOUND_SMTP_PORT !== undefined
        ? { port: e.INBOUND_SMTP_PORT, host: e.INBOUND_SMTP_HOST }
        : undefined,
    imap,
  };
}

function parseTokenKeys(raw: string | undefined): Array<{ id: number; secret: string }> {
  if (!raw) return [];
  return raw.split(',').map((pair) => {
    const [id, secret] = pair.split(':');
    return { id: Number(id), secret };
  });
}

function mailConfig(e: EnvironmentVariables): AppConfig['mail'] {
  const fromAddress = /<([^>]+)>/.exec(e.MAIL_FROM)?.[1] ?? e.MAIL_FROM.trim();
  const domain = fromAddress.split('@')[1] ?? 'tidings.localhost';
  let dkim: AppConfig['mail']['dkim'];
  if (e.DKIM_DOMAIN && e.DKIM_SELECTOR && e.DKIM_PRIVATE_KEY) {
    const key = e.DKIM_PRIVATE_KEY.includes('PRIVATE KEY')
      ? e.DKIM_PRIVATE_KEY.replace(/\\n/g, '\n')
      : readFileSync(e.DKIM_PRIVATE_KEY, 'utf8');
    dkim = { domainName: e.DKIM_DOMAIN, keySelector: e.DKIM_SELECTOR, privateKey: key };
  }
  return {
    smtpUrl: e.SMTP_URL,
    poolSize: e.SMTP_POOL_SIZE,
    from: e.MAIL_FROM,
    replyTo: e.MAIL_REPLY_TO,
    unsubscribeMailto: e.UNSUBSCRIBE_MAILTO ?? `unsubscribe@${domain}`,
    domain,
    dkim,
  };
}
