/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: unknown): string {
  const text =
    typeof value === 'string'
      ? value
      : value === null || value === undefined
        ? ''
        : JSON.stringify(value);
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A value already escaped (or trusted markup) that `html` inserts as is. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Tagged template that escapes every interpolation unless it is SafeHtml (or an array of them). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  values.forEach((v, i) => {
    const part = Array.isArray(v)
      ? v.map((x) => (x instanceof SafeHtml ? x.value : escapeHtml(x))).join('')
      : v instanceof SafeHtml
        ? v.value
        : escapeHtml(v);
    out += part + strings[i + 1];
  });
  return new SafeHtml(out);
}

export interface PageOptions {
  title: string;
  lang: string;
  body: SafeHtml;
  brandName?: string;
  brandColor?: string;
  /** An http(s) logo shown instead of the brand name (the name stays as its alt text). */
  brandLogoUrl?: string;
  /** The same page in each language, for the language switch. */
  languages?: Array<{ lang: string; label: string; href: string; current: boolean }>;
  /** Accessible name of the language switch ("Language", "Taal"). */
  languagesLabel?: string;
  /** Small print under the main card. */
  footer?: SafeHtml;
}

const DEFAULT_BRAND_COLOR = '#0f766e';

/**
 * The frame of every subscriber-facing page: server-rendered, readable on a phone, branded with the
 * configured name, colour and logo. Pages work without JavaScript (the subscribe form adds one
 * small script of its own, for the browser's time zone).
 */
export function renderPage(o: PageOptions): string {
  const color = /^#[0-9a-f]{3,8}$/i.test(o.brandColor ?? '') ? o.brandColor! : DEFAULT_BRAND_COLOR;
  const logo = /^https?:\/\//i.test(o.brandLogoUrl ?? '') ? o.brandLogoUrl : undefined;
  const brand = logo
    ? html`<img class="logo" src="${logo}" alt="${o.brandName ?? ''}" />`
    : html`<span class="brand-name">${o.brandName ?? ''}</span>`;
  const languages = o.languages?.length
    ? html`<nav class="langs" aria-label="${o.languagesLabel ?? 'Language'}">
        ${o.languages.map((l) =>
          l.current
            ? html`<span aria-current="true" lang="${l.lang}">${l.label}</span>`
            : html`<a href="${l.href}" hreflang="${l.lang}" lang="${l.lang}">${l.label}</a>`,
        )}
      </nav>`
    : html``;
  return html`<!doctype html>
    <html lang="${o.lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <link rel="icon" href="data:," />
        <title>${o.title}${o.brandName ? ` · ${o.brandName}` : ''}</title>
        <style>
          :root {
            --brand: ${color};
            --ink: #1d2327;
            --muted: #5b6368;
            --line: #e3e6e8;
            --bg: #f4f5f3;
            --danger: #b42318;
          }
          * {
            box-sizing: border-box;
          }
          body {
            margin: 0;
            font:
              16px/1.55 system-ui,
              -apple-system,
              'Segoe UI',
              Roboto,
              sans-serif;
            color: var(--ink);
            background: var(--bg);
          }
          .top {
            background: #fff;
            border-top: 4px solid var(--brand);
            border-bottom: 1px solid var(--line);
          }
          .top-inner {
            max-width: 46rem;
            margin: 0 auto;
            padding: 0.8rem 1.25rem;
            display: flex;
            flex-wrap: wrap;
            align-items: center;
            justify-content: space-between;
            gap: 1rem;
          }
          .brand-name {
            font-weight: 700;
            font-size: 1.15rem;
            color: var(--brand);
          }
          .logo {
            max-height: 40px;
            max-width: 160px;
          }
          .langs {
            display: flex;
            gap: 0.6rem;
            font-size: 0.9rem;
          }
          .langs span {
            font-weight: 600;
          }
          main {
            overflow-wrap: anywhere;
            max-width: 46rem;
            margin: 1.25rem auto;
            padding: 1.5rem 1.25rem;
            background: #fff;
            border-radius: 12px;
            box-shadow: 0 1px 3px rgba(0, 0, 0, 0.08);
          }
          h1 {
            font-size: 1.55rem;
            line-height: 1.25;
            margin: 0 0 0.5rem;
          }
          h2 {
            font-size: 1.15rem;
            margin: 2rem 0 0.75rem;
            padding-top: 1.25rem;
            border-top: 1px solid var(--line);
            scroll-margin-top: 0.5rem;
          }
          .notice h2 {
            font-size: 1.02rem;
            margin: 0 0 0.4rem;
            padding: 0;
            border: 0;
          }
          h3 {
            font-size: 1.02rem;
            margin: 0 0 0.25rem;
          }
          a {
            color: var(--brand);
          }
          a:focus-visible,
          button:focus-visible,
          select:focus-visible,
          input:focus-visible,
          .button:focus-visible {
            outline: 3px solid var(--brand);
            outline-offset: 2px;
          }
          button,
          .button {
            background: var(--brand);
            color: #fff;
            border: 2px solid var(--brand);
            border-radius: 8px;
            padding: 0.5rem 1rem;
            font: inherit;
            font-weight: 600;
            cursor: pointer;
            text-decoration: none;
            display: inline-block;
          }
          button.secondary,
          .button.secondary {
            background: #fff;
            color: var(--brand);
          }
          button.danger {
            background: #fff;
            color: var(--danger);
            border-color: var(--danger);
          }
          button.danger.solid {
            background: var(--danger);
            color: #fff;
          }
          select,
          input[type='email'],
          input[type='text'] {
            font: inherit;
            padding: 0.45rem 0.6rem;
            border: 1px solid #b8bfc4;
            border-radius: 8px;
            background: #fff;
            max-width: 100%;
          }
          input[type='email'],
          input[type='text'] {
            width: 100%;
          }
          label {
            font-weight: 600;
          }
          fieldset {
            border: 0;
            margin: 0;
            padding: 0;
          }
          legend {
            font-weight: 600;
            padding: 0;
            margin-bottom: 0.35rem;
          }
          .choice {
            display: inline-flex;
            align-items: center;
            gap: 0.35rem;
            margin: 0 1rem 0.35rem 0;
            font-weight: 400;
          }
          .row {
            display: flex;
            flex-wrap: wrap;
            gap: 0.6rem;
            align-items: flex-end;
            margin-top: 0.6rem;
          }
          .row > div {
            display: flex;
            flex-direction: column;
            gap: 0.2rem;
          }
          .field {
            margin: 0 0 1rem;
          }
          .field label {
            display: block;
            margin-bottom: 0.25rem;
          }
          .card {
            border: 1px solid var(--line);
            border-radius: 10px;
            padding: 1rem;
            margin: 0 0 0.9rem;
          }
          .card.off {
            background: #fafbfa;
          }
          .badge {
            display: inline-block;
            font-size: 0.8rem;
            font-weight: 600;
            border-radius: 999px;
            padding: 0.05rem 0.6rem;
            background: #e7f3ef;
            color: #155e4b;
            margin-left: 0.4rem;
            vertical-align: middle;
          }
          .badge.off {
            background: #eceff1;
            color: #4a5257;
          }
          .notice {
            border-radius: 10px;
            padding: 0.8rem 1rem;
            margin: 0 0 1.25rem;
            background: #e7f3ef;
            border-left: 4px solid var(--brand);
          }
          .notice.warn {
            background: #fff6e5;
            border-left-color: #b7791f;
          }
          .notice.error {
            background: #fdecea;
            border-left-color: var(--danger);
          }
          /* A confirmation is the target of the redirect after a change: keep its heading in view. */
          .notice.done {
            scroll-margin-top: 4.5rem;
          }
          .notice.done p {
            margin: 0;
          }
          .notice:focus {
            outline: 3px solid var(--brand);
            outline-offset: 2px;
          }
          .field-error {
            color: var(--danger);
            font-weight: 600;
            margin: 0.3rem 0 0;
          }
          [aria-invalid='true'] {
            border-color: var(--danger);
          }
          details.where > summary {
            cursor: pointer;
            font-weight: 600;
            margin-bottom: 0.5rem;
          }
          nav.toc ul {
            list-style: none;
            padding: 0;
            margin: 0.75rem 0 1.25rem;
            display: flex;
            flex-wrap: wrap;
            gap: 0.25rem 1rem;
            font-size: 0.92rem;
          }
          ul.plain {
            list-style: none;
            padding: 0;
            margin: 0;
          }
          ul {
            padding-left: 1.2rem;
          }
          .muted {
            color: var(--muted);
            font-size: 0.92rem;
          }
          .table-wrap {
            overflow-x: auto;
          }
          table {
            border-collapse: collapse;
            width: 100%;
            font-size: 0.92rem;
            /* main's overflow-wrap: anywhere would let columns shrink and split words. */
            overflow-wrap: normal;
          }
          td.wording {
            overflow-wrap: break-word;
          }
          th,
          td {
            text-align: left;
            vertical-align: top;
            padding: 0.45rem 0.5rem;
            border-bottom: 1px solid var(--line);
          }
          dl.kept dt {
            font-weight: 600;
            margin-top: 0.75rem;
          }
          dl.kept dd {
            margin: 0.1rem 0 0;
          }
          form.inline {
            display: inline;
          }
          .sr-only {
            position: absolute;
            width: 1px;
            height: 1px;
            padding: 0;
            margin: -1px;
            overflow: hidden;
            clip: rect(0, 0, 0, 0);
            white-space: nowrap;
            border: 0;
          }
          .actions {
            display: flex;
            flex-wrap: wrap;
            gap: 0.6rem;
            align-items: flex-end;
            margin-top: 0.75rem;
          }
          .small-print {
            max-width: 46rem;
            margin: 0 auto 2rem;
            padding: 0 1.25rem;
            color: var(--muted);
            font-size: 0.85rem;
          }
          @media (max-width: 30rem) {
            main {
              border-radius: 0;
              margin: 0;
            }
            .row {
              flex-direction: column;
              align-items: stretch;
            }
            table.stack thead {
              position: absolute;
              width: 1px;
              height: 1px;
              overflow: hidden;
              clip: rect(0, 0, 0, 0);
            }
            table.stack tr {
              display: block;
              padding: 0.5rem 0;
              border-bottom: 1px solid var(--line);
            }
            table.stack td {
              display: block;
              border: 0;
              padding: 0.1rem 0;
            }
            table.stack td::before {
              content: attr(data-label) ': ';
              font-weight: 600;
            }
          }
        </style>
      </head>
      <body>
        <header class="top">
          <div class="top-inner">${brand} ${languages}</div>
        </header>
        <main>${o.body}</main>
        ${o.footer ? html`<footer class="small-print">${o.footer}</footer>` : html``}
      </body>
    </html>`.value;
}
