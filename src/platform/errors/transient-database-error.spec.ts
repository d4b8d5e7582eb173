import { createServer, Server, Socket } from 'node:net';
import { Client, DatabaseError, Pool } from 'pg';
import { QueryFailedError } from 'typeorm';
import { isTransientDatabaseError } from './transient-database-error';

/** A local TCP server that treats every connection as told (no PostgreSQL involved). */
async function server(
  onConnection: (socket: Socket) => void,
): Promise<{ port: number; server: Server }> {
  const s = createServer(onConnection);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const address = s.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return { port: address.port, server: s };
}

function serverError(code: string, message = 'error'): DatabaseError {
  const err = new DatabaseError(message, message.length, 'error');
  err.code = code;
  return err;
}

/** The error pg-pool or pg gives, caught. */
async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe(isTransientDatabaseError.name, () => {
  const sockets: Socket[] = [];
  const servers: Server[] = [];
  afterAll(async () => {
    sockets.forEach((s) => s.destroy());
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it.each(['57P01', '57P02', '57P03', '53300', '40001', '40P01', '08006', '08001', '08P01'])(
    'SQLSTATE %s, as TypeORM wraps it, is transient',
    (code) => {
      const err = serverError(code);
      expect(isTransientDatabaseError(err)).toBe(true);
      expect(isTransientDatabaseError(new QueryFailedError('SELECT 1', [], err))).toBe(true);
    },
  );

  it.each(['23505', '22P02', '22021', '42P01', '57014', '25006'])('SQLSTATE %s is not', (code) => {
    expect(isTransientDatabaseError(new QueryFailedError('SELECT 1', [], serverError(code)))).toBe(
      false,
    );
  });

  it('a refused connection is transient', async () => {
    const { port, server: s } = await server(() => undefined);
    await new Promise((r) => s.close(r));
    const err = await caught(() => new Client({ host: '127.0.0.1', port }).connect());
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    expect(isTransientDatabaseError(err)).toBe(true);
  });

  it('a connection the server drops is transient', async () => {
    const { port, server: s } = await server((socket) => socket.destroy());
    servers.push(s);
    const err = await caught(() => new Client({ host: '127.0.0.1', port }).connect());
    expect((err as Error).message).toBe('Connection terminated unexpectedly');
    expect(isTransientDatabaseError(err)).toBe(true);
  });

  it("pg-pool's connect timeout and acquire timeout are transient", async () => {
    const { port, server: s } = await server((socket) => sockets.push(socket));
    servers.push(s);
    const pool = new Pool({ host: '127.0.0.1', port, max: 1, connectionTimeoutMillis: 100 });
    const [connecting, waiting] = await Promise.all([
      caught(() => pool.connect()),
      caught(() => pool.connect()),
    ]);
    expect((connecting as Error).message).toBe('Connection terminated due to connection timeout');
    expect((waiting as Error).message).toBe('timeout exceeded when trying to connect');
    expect(isTransientDatabaseError(connecting)).toBe(true);
    expect(isTransientDatabaseError(waiting)).toBe(true);
    await pool.end();
  });

  it('other errors are not', () => {
    expect(isTransientDatabaseError(new Error('boom'))).toBe(false);
    expect(isTransientDatabaseError(new TypeError('Cannot read properties of undefined'))).toBe(
      false,
    );
    expect(isTransientDatabaseError('57P01')).toBe(false);
    expect(isTransientDatabaseError(null)).toBe(false);
    expect(isTransientDatabaseError({ message: 'Connection to SMTP terminated' })).toBe(false);
  });

  it('follows a cause', () => {
    const wrapped = new Error('The import stopped', { cause: serverError('57P01') });
    expect(isTransientDatabaseError(wrapped)).toBe(true);
  });
});
