import { INestApplicationContext, Logger } from '@nestjs/common';
import { ConfigValidationError } from './config/environment';
import { DomainError } from './errors/domain-errors';
import { StartupError } from './errors/startup-error';

/**
 * Graceful shutdown on SIGTERM/SIGINT: Nest closes (HTTP stops accepting, workers finish their
 * active jobs, connections close), then what infrastructure.ts started is stopped.
 * A second signal exits at once.
 */
export function handleShutdown(
  app: INestApplicationContext,
  stopInfrastructure: () => Promise<void>,
): void {
  const logger = new Logger('Shutdown');
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    closing = true;
    logger.log(`${signal} received: shutting down gracefully`);
    void (async () => {
      try {
        await app.close();
        await stopInfrastructure();
        logger.log('Shutdown complete');
        process.exit(0);
      } catch (err) {
        logger.error({ err }, 'Shutdown failed');
        process.exit(1);
      }
    })();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Startup problems the user can fix get a plain message, not a stack trace. */
export function exitOnStartupError(err: unknown): never {
  if (
    err instanceof ConfigValidationError ||
    err instanceof StartupError ||
    err instanceof DomainError
  ) {
    process.stderr.write(`\nTidings cannot start.\n${err.message}\n\n`);
  } else {
    process.stderr.write(`\nTidings cannot start: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exit(1);
}
