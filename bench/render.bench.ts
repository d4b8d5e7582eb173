import { MemoryTemplateStore } from '../test/support/memory-template-store';
/**
 * Renders the welcome template for many recipients two ways, in one run:
 *   1. compile-once: MJML compiled at load, then Handlebars per recipient (RenderingService.render);
 *   2. naive: Handlebars over the MJML source, then mjml2html, per recipient.
 * Prints both rates and their ratio; exits 1 when compile-once is less than 50 times faster.
 * Also prints the rate of compile-once followed by building each email's MIME message (mime.ts,
 * line endings normalised to CRLF), which is what a delivery worker's compose thread does.
 *
 *   npm run bench:render                        (BENCH_FAST_N=2000 BENCH_SLOW_N=100 by default)
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import mjml2html from 'mjml';
import { AppConfig, loadConfig } from '../src/platform/config/configuration';
import { buildMessage } from '../src/messaging/delivery/mime';
import type { RenderingGlobals } from '../src/messaging/rendering/compiled-template';
import { createHandlebars } from '../src/messaging/rendering/handlebars-env';
import { compactHtml, MjmlCompiler } from '../src/messaging/rendering/mjml-compiler';
import { RenderingService } from '../src/messaging/rendering/rendering.service';
import { TemplateLoader } from '../src/messaging/rendering/template-loader';

const FAST_N = Number(process.env.BENCH_FAST_N ?? 2000);
const SLOW_N = Number(process.env.BENCH_SLOW_N ?? 100);
const MIN_RATIO = 50;
const KEY = 'welcome';
const LOCALE = 'en';

function recipient(base: Record<string, unknown>, i: number): Record<string, unknown> {
  return {
    ...base,
    subscriber: { name: `Recipient ${i} & "Co"`, email: `r${i}@example.com` },
    links: {
      unsubscribe: `https://mail.example.com/p/tok${i}/unsubscribe?s=${i}`,
      preferences: `https://mail.example.com/p/tok${i}`,
    },
  };
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  const config: AppConfig = loadConfig({
    NODE_ENV: 'test',
    TEMPLATES_DIR: process.env.TEMPLATES_DIR ?? 'templates',
  });
  const compiler = new MjmlCompiler();
  const service = new RenderingService(
    new ConfigService<AppConfig, true>(config),
    compiler,
    new MemoryTemplateStore().asStore(),
  );
  await service.onModuleInit();
  const base = service.sample(KEY, LOCALE);

  // The naive path starts from exactly the MJML source the service compiled.
  const globals: RenderingGlobals = {
    brand: config.rendering.brand,
    sender: config.rendering.sender,
    publicUrl: config.app.publicUrl,
  };
  const hb = createHandlebars();
  const loaded = await new TemplateLoader(compiler, hb).load(
    config.rendering.templatesDir,
    KEY,
    globals,
  );
  const parts = loaded.locales.get(LOCALE)!;
  const personaliseMjml = hb.compile(parts.html.source.text, { strict: true });
  const naive = async (input: Record<string, unknown>) => {
    const data = { links: {}, ...input, ...globals, locale: LOCALE };
    const subject = parts.subject.run(data).replace(/\s+/g, ' ').trim();
    const mjml = personaliseMjml(data, { data: { subject } });
    const { html } = await mjml2html(mjml, {
      validationLevel: 'strict',
      keepComments: false,
      minify: false,
      beautify: false,
      fonts: {},
    });
    return { subject, html: compactHtml(html), text: parts.text.run(data) };
  };

  // Same output both ways, so the comparison is like for like.
  const a = service.render(KEY, LOCALE, recipient(base, 0));
  const b = await naive(recipient(base, 0));
  // (Heads may differ: compiled once, MJML adds styles for both branches of an {{#if}}; and an
  // {{#if}} between two elements can leave a blank line that HTML ignores.)
  const body = (html: string) => html.slice(html.indexOf('<body')).replace(/>\s+</g, '><');
  if (body(a.html) !== body(b.html) || a.subject !== b.subject || a.text !== b.text.trim() + '\n') {
    throw new Error(
      'the two paths render different emails; the benchmark would compare apples and pears',
    );
  }

  // Warm-up, so both paths are measured with optimised code rather than V8's first tiers.
  let bytes = 0;
  for (let i = 0; i < 2000; i++)
    bytes += service.render(KEY, LOCALE, recipient(base, i)).html.length;
  for (let i = 0; i < 10; i++) bytes += (await naive(recipient(base, i))).html.length;

  const fastStart = process.hrtime.bigint();
  for (let i = 0; i < FAST_N; i++) {
    bytes += service.render(KEY, LOCALE, recipient(base, i)).html.length;
  }
  const fastSeconds = Number(process.hrtime.bigint() - fastStart) / 1e9;

  const build = (i: number) => {
    const email = service.render(KEY, LOCALE, recipient(base, i));
    return buildMessage({
      from: '"Acme" <news@mail.example.com>',
      to: { name: `Recipient ${i}`, address: `r${i}@example.com` },
      subject: email.subject,
      html: email.html,
      text: email.text,
      messageId: `<bench-${i}@mail.example.com>`,
      headers: {
        'List-Unsubscribe': `<https://mail.example.com/u/tok${i}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    }).raw.length;
  };
  for (let i = 0; i < 2000; i++) bytes += build(i);
  const buildStart = process.hrtime.bigint();
  for (let i = 0; i < FAST_N; i++) bytes += build(i);
  const buildSeconds = Number(process.hrtime.bigint() - buildStart) / 1e9;

  const slowStart = process.hrtime.bigint();
  for (let i = 0; i < SLOW_N; i++) {
    bytes += (await naive(recipient(base, i))).html.length;
  }
  const slowSeconds = Number(process.hrtime.bigint() - slowStart) / 1e9;

  const fastRate = FAST_N / fastSeconds;
  const slowRate = SLOW_N / slowSeconds;
  const ratio = fastRate / slowRate;
  const line = (label: string, n: number, s: number, rate: number) =>
    `${label.padEnd(44)} ${String(n).padStart(6)} renders in ${(s * 1000).toFixed(0).padStart(6)} ms = ${rate.toFixed(0).padStart(7)} renders/s`;
  console.log(
    `Template "${KEY}" (${LOCALE}), version ${a.templateVersion}, ${a.html.length} bytes of HTML`,
  );
  console.log(line('compile-once (MJML at load, Handlebars each):', FAST_N, fastSeconds, fastRate));
  console.log(line('compile-once + MIME build:', FAST_N, buildSeconds, FAST_N / buildSeconds));
  console.log(line('mjml2html per recipient:', SLOW_N, slowSeconds, slowRate));
  console.log(
    `ratio: ${ratio.toFixed(1)}x (required: at least ${MIN_RATIO}x)  [checksum ${bytes}]`,
  );
  if (ratio < MIN_RATIO) {
    console.error(`FAIL: compile-once is only ${ratio.toFixed(1)}x faster`);
    process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
