import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { AppLogger } from './platform/logging/logging.module';
import { boundHeapGrowth, collectStartupGarbage } from './platform/heap';
import { exitOnStartupError, handleShutdown } from './platform/lifecycle';
import { loadConfig } from './platform/config/configuration';
import { prepareInfrastructure } from './infrastructure';

/** Workers only, no HTTP: run as many of these as the load needs, on any machine. */
async function bootstrap(): Promise<void> {
  boundHeapGrowth();
  const base = loadConfig();
  const config = {
    ...base,
    app: { ...base.app, role: 'worker' as const },
    workers: { enabled: true },
  };
  const infra = await prepareInfrastructure(config);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(infra.config), {
    bufferLogs: true,
  });
  app.useLogger(app.get(AppLogger));
  handleShutdown(app, infra.stop);
  await app.init();
  collectStartupGarbage();
  app.get(AppLogger).log('Tidings worker is running (no HTTP)', 'Startup');
}

bootstrap().catch(exitOnStartupError);
