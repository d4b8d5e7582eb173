import { createServer } from 'node:net';
import { StartupError } from './errors/startup-error';

/** Asks the OS for a free loopback port. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Refuses, before anything else starts (Redis, the database, migrations), a PORT the HTTP server
 * could not listen on: the probe listens and closes again at once.
 */
export async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', (err) => reject(portStartupError(err, port, host)));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** The operator's version of a listen error (EADDRINUSE and friends); others pass through. */
export function portStartupError(err: unknown, port: number, host: string): Error {
  switch ((err as NodeJS.ErrnoException)?.code) {
    case 'EADDRINUSE':
      return new StartupError(
        `PORT=${port} is already in use on ${host} (another Tidings, or another program). ` +
          'Stop that program or set PORT to a free port.',
      );
    case 'EACCES':
      return new StartupError(
        `PORT=${port} on ${host} needs privileges this process does not have. Set PORT to 1024 or above.`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new StartupError(
        `HOST=${host} is not an address of this machine. Set HOST to one of its addresses, or 0.0.0.0 for all.`,
      );
  }
  return err instanceof Error ? err : new Error(String(err));
}
