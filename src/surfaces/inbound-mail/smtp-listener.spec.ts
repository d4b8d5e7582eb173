import type { ConfigService } from '@nestjs/config';
import { createServer, Server } from 'node:net';
import type { AppConfig } from '../../platform/config/configuration';
import { StartupError } from '../../platform/errors/startup-error';
import type { InboundMailService } from './inbound-mail.service';
import { SmtpListener } from './smtp-listener';

describe(SmtpListener.name, () => {
  let busy: Server;
  let port: number;

  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    port = (busy.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  const listener = (smtp: AppConfig['inbound']['smtp']) =>
    new SmtpListener(
      {} as InboundMailService,
      {
        get: () => ({
          unsubscribeAddress: 'unsubscribe@news.test',
          bounceAddress: 'bounces@news.test',
          maxMessageBytes: 10_000,
          smtp,
          imap: undefined,
        }),
      } as unknown as ConfigService<AppConfig, true>,
    );

  it('stops the start with a StartupError naming INBOUND_SMTP_PORT when the port is taken', async () => {
    const start = listener({ port, host: '127.0.0.1' }).onApplicationBootstrap();
    await expect(start).rejects.toBeInstanceOf(StartupError);
    await expect(start).rejects.toThrow(`INBOUND_SMTP_PORT ${port} is already in use`);
  });

  it('does nothing when INBOUND_SMTP_PORT is unset', async () => {
    const off = listener(undefined);
    await off.onApplicationBootstrap();
    expect(off.port).toBeNull();
  });
});
