import pino from 'pino';
import { Writable } from 'node:stream';
import { LOG_REDACT_PATHS, redactPath } from './logging.module';

describe('redactPath', () => {
  it('masks signed tokens and addresses in paths, and drops query strings', () => {
    expect(redactPath('/p/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijk')).toBe('/p/:redacted');
    expect(redactPath('/v1/subscribers/ada%40example.com')).toBe('/v1/subscribers/:redacted');
    expect(redactPath('/v1/subscribers/ada@example.com/consent')).toBe(
      '/v1/subscribers/:redacted/consent',
    );
    expect(redactPath('/v1/topics?key=secret')).toBe('/v1/topics');
  });

  it('keeps ordinary paths readable', () => {
    expect(redactPath('/v1/subscribers/2f1c9d0e-7d0e-4e7f-8a11-2f6b1c9d0e33')).toBe(
      '/v1/subscribers/2f1c9d0e-7d0e-4e7f-8a11-2f6b1c9d0e33',
    );
  });
});

describe('LOG_REDACT_PATHS', () => {
  it('blanks the session cookie a response sets and the credentials a request carries', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino({ redact: { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' } }, sink);
    logger.info({
      req: { headers: { cookie: 'tidings_session=s3cret', 'x-csrf-token': 'c5rf' } },
      res: { statusCode: 200, headers: { 'set-cookie': 'tidings_session=s3cret; HttpOnly' } },
      email: 'ada@example.com',
    });
    const line = lines.join('');
    expect(line).toContain('[redacted]');
    expect(line).not.toMatch(/s3cret|c5rf|ada@example\.com/);
  });
});
