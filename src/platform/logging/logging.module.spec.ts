import { redactPath } from './logging.module';

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
