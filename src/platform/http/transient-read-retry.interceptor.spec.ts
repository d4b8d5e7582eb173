import { CallHandler, ExecutionContext, Logger } from '@nestjs/common';
import { DatabaseError } from 'pg';
import { defer, firstValueFrom } from 'rxjs';
import { QueryFailedError } from 'typeorm';
import { TransientReadRetryInterceptor } from './transient-read-retry.interceptor';

function terminated(): QueryFailedError {
  const err = new DatabaseError('terminating connection due to administrator command', 0, 'error');
  err.code = '57P01';
  return new QueryFailedError('SELECT 1', [], err);
}

function context(method: string, response: { headersSent: boolean } = { headersSent: false }) {
  return {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => ({ method }), getResponse: () => response }),
  } as unknown as ExecutionContext;
}

/** A handler that fails with these errors, in turn, then answers "ok". */
function handler(...failures: Error[]): CallHandler & { calls: number } {
  const h = {
    calls: 0,
    handle: () =>
      defer(async () => {
        const failure = failures[h.calls++];
        if (failure) throw failure;
        return 'ok';
      }),
  };
  return h;
}

describe(TransientReadRetryInterceptor.name, () => {
  const interceptor = new TransientReadRetryInterceptor([0, 0]);
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());
  const run = (ctx: ExecutionContext, h: CallHandler) =>
    firstValueFrom(interceptor.intercept(ctx, h));

  it.each(['GET', 'HEAD'])('runs a %s again after a transient database error', async (method) => {
    const h = handler(terminated(), terminated());
    await expect(run(context(method), h)).resolves.toBe('ok');
    expect(h.calls).toBe(3);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('gives up after two retries with the error', async () => {
    const h = handler(terminated(), terminated(), terminated());
    await expect(run(context('GET'), h)).rejects.toBeInstanceOf(QueryFailedError);
    expect(h.calls).toBe(3);
  });

  it.each(['POST', 'PATCH', 'DELETE'])('never runs a %s twice', async (method) => {
    const h = handler(terminated());
    await expect(run(context(method), h)).rejects.toBeInstanceOf(QueryFailedError);
    expect(h.calls).toBe(1);
  });

  it('does not retry other errors, or once the response has started', async () => {
    const other = handler(new Error('boom'));
    await expect(run(context('GET'), other)).rejects.toThrow('boom');
    expect(other.calls).toBe(1);
    const started = handler(terminated());
    await expect(run(context('GET', { headersSent: true }), started)).rejects.toBeInstanceOf(
      QueryFailedError,
    );
    expect(started.calls).toBe(1);
  });
});
