import {
  ConsoleLogger,
  DynamicModule,
  INestApplicationContext,
  Logger,
  LogLevel,
  Module,
  Type,
} from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '../../platform/config/configuration';
import { ClockModule } from '../../platform/clock.module';
import { DatabaseModule } from '../../platform/database/database.module';
import { prepareInfrastructure } from '../../infrastructure';

@Module({})
class CliModule {
  static with(
    config: ReturnType<typeof loadConfig>,
    imports: Array<Type | DynamicModule>,
  ): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => config] }),
        ClockModule,
        DatabaseModule,
        ...imports,
      ],
    };
  }
}

/** Progress notes go to stderr, so a command's stdout carries only its own output. */
class StderrLogger extends ConsoleLogger {
  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    _stream?: 'stdout' | 'stderr',
    errorStack?: unknown,
  ): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack);
  }
}

export interface CliContext {
  app: INestApplicationContext;
  close(): Promise<void>;
}

/**
 * A Nest context for command-line tools: the same configuration, database resolution (embedded
 * or DATABASE_URL) and migrations as the server, without HTTP, Redis or workers. Only the given
 * feature modules are loaded.
 */
export async function createCliContext(imports: Array<Type | DynamicModule>): Promise<CliContext> {
  // Which database the tool uses (a running server's embedded one, its own, DATABASE_URL) is
  // worth telling; Nest's module-by-module start-up chatter is not.
  Logger.overrideLogger(new StderrLogger({ logLevels: ['log', 'warn', 'error'] }));
  const base = loadConfig();
  const infra = await prepareInfrastructure(
    { ...base, app: { ...base.app, role: 'cli' }, workers: { enabled: false } },
    { redis: false },
  );
  let app: INestApplicationContext;
  try {
    app = await NestFactory.createApplicationContext(CliModule.with(infra.config, imports), {
      logger: new StderrLogger({ logLevels: ['warn', 'error'] }),
    });
  } catch (err) {
    // An embedded database this tool started would otherwise keep the process alive.
    await infra.stop();
    throw err;
  }
  return {
    app,
    close: async () => {
      await app.close();
      await infra.stop();
    },
  };
}

/** Prints a message for the user and exits non-zero (no stack trace for expected problems). */
export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
