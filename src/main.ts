import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { AppLogger } from './platform/logging/logging.module';
import { configureHttpApp } from './platform/http/configure-app';
import { boundHeapGrowth, collectStartupGarbage } from './platform/heap';
import { exitOnStartupError, handleShutdown } from './platform/lifecycle';
import { loadConfig } from './platform/config/configuration';
import { assertPortFree, portStartupError } from './platform/net';
import { recordRunningServer } from './platform/running-server';
import { prepareInfrastructure } from './infrastructure';
import { frameNotices, StartupNotices } from './platform/startup-notices';

/** The HTTP API, and (unless WORKERS_ENABLED=false) the workers, in one process. */
async function bootstrap(): Promise<void> {
  boundHeapGrowth();
  const base = loadConfig();
  // A busy port is refused now, not after Redis, the database and the migrations.
  await assertPortFree(base.app.port, base.app.host);
  const infra = await prepareInfrastructure({ ...base, app: { ...base.app, role: 'api' } });
  const app = await NestFactory.create(AppModule.forRoot(infra.config), { bufferLogs: true });
  app.useLogger(app.get(AppLogger));
  configureHttpApp(app);
  let forgetServer = (): void => undefined;
  handleShutdown(app, async () => {
    forgetServer();
    await infra.stop();
  });
  const { port, host, publicUrl, dataDir } = infra.config.app;
  try {
    await app.listen(port, host);
  } catch (err) {
    // Taken between the check above and now.
    await app.close().catch(() => undefined);
    await infra.stop();
    throw portStartupError(err, port, host);
  }
  forgetServer = recordRunningServer(dataDir, publicUrl);
  collectStartupGarbage();
  // What the operator must read (the first-run admin key) comes last, framed, just above the
  // line that says the start is over, where the start-up log cannot scroll it away.
  const notices = frameNotices(app.get(StartupNotices).take());
  if (notices) process.stdout.write(`${notices}\n`);
  app
    .get(AppLogger)
    .log(`Tidings is serving on ${publicUrl} (API docs at ${publicUrl}/docs)`, 'Startup');
}

bootstrap().catch(exitOnStartupError);
