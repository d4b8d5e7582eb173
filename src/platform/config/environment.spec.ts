import { ConfigValidationError, validateEnvironment } from './environment';
import { resolve } from 'node:path';
import { loadConfig } from './configuration';

describe('validateEnvironment', () => {
  it('applies the embedded defaults when nothing is set', () => {
    const env = validateEnvironment({});
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.WORKERS_ENABLED).toBe(true);
    expect(env.QUEUE_PREFIX).toBe('tidings');
  });

  it('parses numbers and booleans from strings', () => {
    const env = validateEnvironment({
      PORT: '8080',
      WORKERS_ENABLED: 'false',
      DATABASE_POOL_SIZE: '3',
    });
    expect(env).toMatchObject({ PORT: 8080, WORKERS_ENABLED: false, DATABASE_POOL_SIZE: 3 });
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      validateEnvironment({ PORT: 'eighty', DATABASE_URL: 'mysql://x', REDIS_URL: 'http://x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const message = (error as Error).message;
    expect(message).toContain('PORT');
    expect(message).toContain('DATABASE_URL must be a postgres:// URL');
    expect(message).toContain('REDIS_URL must be a redis:// or rediss:// URL');
  });

  it('gives one message per bad number, with its range and the value given', () => {
    const problems = (env: NodeJS.ProcessEnv): string[] => {
      try {
        validateEnvironment(env);
      } catch (e) {
        return (e as ConfigValidationError).problems;
      }
      return [];
    };
    expect(problems({ PORT: 'abc' })).toEqual([
      'PORT must be an integer number from 0 to 65535 (got "abc")',
    ]);
    expect(problems({ PORT: '99999' })).toEqual(['PORT must not be greater than 65535']);
    expect(problems({ DELIVERY_RETRY_BASE_MS: 'soon' })).toEqual([
      'DELIVERY_RETRY_BASE_MS must be an integer number, at least 10 (got "soon")',
    ]);
    expect(problems({ WORKERS_ENABLED: 'maybe' })).toEqual([
      'WORKERS_ENABLED must be a boolean value (true or false; got "maybe")',
    ]);
  });

  it('requires SECRET_KEY in production', () => {
    expect(() => validateEnvironment({ NODE_ENV: 'production' })).toThrow(/SECRET_KEY is required/);
  });

  it('requires POSTAL_ADDRESS in production, not on a first run', () => {
    expect(() =>
      validateEnvironment({ NODE_ENV: 'production', SECRET_KEY: 'x'.repeat(32) }),
    ).toThrow(/POSTAL_ADDRESS is required when NODE_ENV=production/);
    expect(
      validateEnvironment({
        NODE_ENV: 'production',
        SECRET_KEY: 'x'.repeat(32),
        POSTAL_ADDRESS: 'Keizersgracht 100, Amsterdam',
      }).POSTAL_ADDRESS,
    ).toBe('Keizersgracht 100, Amsterdam');
    expect(validateEnvironment({}).POSTAL_ADDRESS).toBeUndefined();
  });

  it('validates the brand colour and logo URL', () => {
    expect(validateEnvironment({}).BRAND_COLOR).toMatch(/^#[0-9a-f]{6}$/);
    expect(validateEnvironment({ BRAND_COLOR: '#A30' }).BRAND_COLOR).toBe('#A30');
    expect(() => validateEnvironment({ BRAND_COLOR: 'red' })).toThrow(
      /BRAND_COLOR must be a hex colour/,
    );
    expect(() => validateEnvironment({ BRAND_LOGO_URL: 'logo.png' })).toThrow(/BRAND_LOGO_URL/);
  });

  it('takes an overall weekly cap of 1 to 50, unset by default', () => {
    expect(validateEnvironment({}).OVERALL_WEEKLY_CAP).toBeUndefined();
    expect(validateEnvironment({ OVERALL_WEEKLY_CAP: '3' }).OVERALL_WEEKLY_CAP).toBe(3);
    for (const bad of ['0', '51', 'two', '2.5']) {
      expect(() => validateEnvironment({ OVERALL_WEEKLY_CAP: bad })).toThrow(/OVERALL_WEEKLY_CAP/);
    }
  });

  it('takes LOCALES as comma-separated language codes, nl,en by default, each once', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).locales).toEqual({
      list: ['nl', 'en'],
      dir: undefined,
    });
    expect(
      loadConfig({ NODE_ENV: 'test', LOCALES: 'en,nl,de', LOCALE_DIR: 'l10n' }).locales,
    ).toEqual({
      list: ['en', 'nl', 'de'],
      dir: resolve('l10n'),
    });
    expect(() => validateEnvironment({ LOCALES: 'nl, en' })).toThrow(
      /LOCALES must be comma-separated/,
    );
    expect(() => validateEnvironment({ LOCALES: 'NL' })).toThrow(/LOCALES must be/);
    expect(() => validateEnvironment({ LOCALES: 'nl,en,nl' })).toThrow(
      /LOCALES names a locale twice/,
    );
  });

  it('treats empty strings as unset', () => {
    expect(validateEnvironment({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });
});

describe('loadConfig', () => {
  it('derives the public URL from the port and marks the database as embedded', () => {
    const config = loadConfig({ NODE_ENV: 'test', PORT: '4000' });
    expect(config.app.publicUrl).toBe('http://localhost:4000');
    expect(config.database.embedded).toBe(true);
    expect(config.redis).toMatchObject({ url: 'redis://127.0.0.1:6379', explicit: false });
  });

  it('resolves the templates directory and fills in first-run brand defaults', () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    expect(config.rendering.templatesDir).toBe(resolve('templates'));
    expect(config.rendering.brand).toEqual({
      name: 'Tidings',
      color: '#0f766e',
      logoUrl: undefined,
    });
    expect(config.rendering.sender.postalAddress).toContain('set POSTAL_ADDRESS');
  });

  it('checks the queues at least as often as the dispatcher runs, and at least every 30 s', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).queues.checkIntervalMs).toBe(15_000);
    expect(
      loadConfig({ NODE_ENV: 'test', DISPATCH_INTERVAL_MS: '300' }).queues.checkIntervalMs,
    ).toBe(300);
    expect(
      loadConfig({ NODE_ENV: 'test', DISPATCH_INTERVAL_MS: '120000' }).queues.checkIntervalMs,
    ).toBe(30_000);
    expect(
      loadConfig({ NODE_ENV: 'test', QUEUE_CHECK_INTERVAL_MS: '5000' }).queues.checkIntervalMs,
    ).toBe(5_000);
    expect(() => validateEnvironment({ QUEUE_CHECK_INTERVAL_MS: '60000' })).toThrow(
      /QUEUE_CHECK_INTERVAL_MS must not be greater than 30000/,
    );
  });
});

describe('inbound mail and provider webhooks configuration', () => {
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      validateEnvironment(env);
      return [];
    } catch (e) {
      return (e as ConfigValidationError).problems;
    }
  };

  it('leaves the listener, the poller and every provider webhook off by default', () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    expect(config.inbound).toMatchObject({
      smtp: undefined,
      imap: undefined,
      unsubscribeAddress: 'unsubscribe@tidings.localhost',
      bounceAddress: 'no-reply@tidings.localhost',
    });
    expect(config.providers).toEqual({
      ses: undefined,
      postmark: undefined,
      sendgrid: undefined,
      mailgun: undefined,
    });
  });

  it('reads the IMAP URL into its parts, credentials decoded', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      INBOUND_SMTP_PORT: '2525',
      INBOUND_IMAP_URL: 'imaps://bounces%40acme.test:p%3Ass@imap.acme.test/Bounces',
      SES_SNS_TOPIC_ARNS:
        'arn:aws:sns:eu-west-1:123456789012:a,arn:aws:sns:us-east-1:123456789012:b',
    });
    expect(config.inbound.smtp).toEqual({ port: 2525, host: '0.0.0.0' });
    expect(config.inbound.imap).toEqual({
      host: 'imap.acme.test',
      port: 993,
      secure: true,
      user: 'bounces@acme.test',
      password: 'p:ss',
      mailbox: 'Bounces',
      intervalMs: 60_000,
    });
    expect(config.providers.ses?.topicArns).toHaveLength(2);
  });

  it('refuses bad values with one clear message each', () => {
    expect(
      problemsOf({
        PORT: '3000',
        INBOUND_SMTP_PORT: '3000',
        INBOUND_IMAP_URL: 'imap://imap.acme.test',
        SES_SNS_TOPIC_ARNS: 'my-topic',
        SENDGRID_WEBHOOK_PUBLIC_KEY: 'not a key',
        MAILGUN_WEBHOOK_SIGNING_KEY: 'short',
        INBOUND_BOUNCE_ADDRESS: 'bounces',
      }),
    ).toEqual(
      expect.arrayContaining([
        'INBOUND_SMTP_PORT must differ from PORT (both are 3000)',
        expect.stringContaining('INBOUND_IMAP_URL must be imap:// or imaps://user:password@host'),
        expect.stringContaining('SES_SNS_TOPIC_ARNS must be SNS topic ARNs'),
        expect.stringContaining('SENDGRID_WEBHOOK_PUBLIC_KEY must be the Event Webhook'),
        'MAILGUN_WEBHOOK_SIGNING_KEY must be at least 16 characters',
        'INBOUND_BOUNCE_ADDRESS must be an email address',
      ]),
    );
  });
});
