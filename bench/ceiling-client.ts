/**
 * The ceiling for bench/campaign.bench.ts, in its own process (as the delivery worker is): a
 * plain pooled nodemailer transport with TCP_NODELAY, sending one pre-built message over and over.
 * Argv: smtp port, connections, count, path of the raw message. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { createTransport } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { connectNoDelay } from '../src/messaging/delivery/mail-transport';

async function main(): Promise<void> {
  const [port, connections, count, rawPath] = process.argv.slice(2);
  const raw = readFileSync(rawPath);
  const transport = createTransport({
    pool: true,
    host: '127.0.0.1',
    port: Number(port),
    secure: false,
    ignoreTLS: true,
    maxConnections: Number(connections),
    maxMessages: Infinity,
    getSocket: (options, callback) =>
      connectNoDelay(
        options as { host?: string; port?: number; connectionTimeout?: number },
        callback,
      ),
  } as SMTPPool.Options);
  const total = Number(count);
  const envelope = { from: 'bench@bench.test', to: ['ceiling@bench.test'] };
  // Warm the connections first, so the rate is the steady one.
  await Promise.all(
    Array.from({ length: Number(connections) }, () => transport.sendMail({ envelope, raw })),
  );
  let sent = 0;
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const lanes = Array.from({ length: Number(connections) * 4 }, async () => {
    while (sent < total) {
      sent += 1;
      await transport.sendMail({ envelope, raw });
    }
  });
  await Promise.all(lanes);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  transport.close();
  const cpuMsPerMessage = (cpu.user + cpu.system) / 1000 / total;
  console.log(JSON.stringify({ sent: total, seconds, rate: total / seconds, cpuMsPerMessage }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
