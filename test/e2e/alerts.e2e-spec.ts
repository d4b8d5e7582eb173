import { createHmac } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlertsService } from '../../src/messaging/alerts/alerts.service';
import { SchedulerService } from '../../src/platform/scheduler/scheduler.service';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

describe('Alerts to the marketer', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let server: Server;
  let failNext = 0;
  const received: Array<{ body: string; signature: string | undefined }> = [];
  const secret = 'alert-secret-0123456789';

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (failNext > 0) {
          failNext--;
          res.writeHead(503).end();
          return;
        }
        received.push({
          body,
          signature: req.headers['x-tidings-signature'] as string | undefined,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t = await createTestApp({
      workers: false,
      env: {
        SMTP_URL: smtp.url,
        ALERT_WEBHOOK_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
        ALERT_WEBHOOK_SECRET: secret,
        ALERT_EMAIL: 'marketing@acme.test',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
    await new Promise((r) => server.close(r));
  });

  it('delivers an alert once to the signed webhook and by email, and ignores repeats', async () => {
    const alerts = t.app.get(AlertsService);
    expect(
      await alerts.raise({
        dedupeKey: 'test:1',
        kind: 'missed_deadline',
        title: 'A notice missed its deadline',
        details: { rule: 'renewal' },
      }),
    ).toBe(true);
    expect(
      await alerts.raise({ dedupeKey: 'test:1', kind: 'missed_deadline', title: 'again' }),
    ).toBe(false);
    expect(received).toHaveLength(1);
    const expected = `sha256=${createHmac('sha256', secret).update(received[0].body).digest('hex')}`;
    expect(received[0].signature).toBe(expected);
    expect(JSON.parse(received[0].body)).toMatchObject({
      kind: 'missed_deadline',
      details: { rule: 'renewal' },
    });
    const mail = await smtp.waitFor((m) => m.to.includes('marketing@acme.test'));
    expect(mail.parsed.subject).toBe('[Tidings alert] A notice missed its deadline');
  });

  it('retries an undelivered webhook on the next scheduler tick', async () => {
    failNext = 1;
    const alerts = t.app.get(AlertsService);
    await alerts.raise({ dedupeKey: 'test:2', kind: 'silence', title: 'Silent subscribers' });
    expect(received.filter((r) => r.body.includes('Silent subscribers'))).toHaveLength(0);
    await t.app.get(SchedulerService).tick();
    await eventually(async () => received.some((r) => r.body.includes('Silent subscribers')));
    const [row] = await t.dataSource.query(
      `SELECT attempts, webhook_delivered_at FROM alerts WHERE dedupe_key = 'test:2'`,
    );
    expect(row.attempts).toBe(2);
    expect(row.webhook_delivered_at).not.toBeNull();
  });
});
