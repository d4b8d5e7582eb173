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
}

/**
 * The frame of every subscriber-facing page: server-rendered, no JavaScript, readable on a phone.
 */
export function renderPage(o: PageOptions): string {
  const color = /^#[0-9a-f]{3,8}$/i.test(o.brandColor ?? '') ? o.brandColor! : '#1f6f5c';
  return html`<!doctype html>
    <html lang="${o.lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>${o.title}${o.brandName ? ` · ${o.brandName}` : ''}</title>
        <style>
          :root {
            --brand: ${color};
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
            color: #1d2327;
            background: #f5f6f4;
          }
          header {
            background: var(--brand);
            color: #fff;
            padding: 1rem 1.25rem;
            font-weight: 600;
          }
          main {
            max-width: 40rem;
            margin: 1.5rem auto;
            padding: 1.5rem 1.25rem;
            background: #fff;
            border-radius: 10px;
            box-shadow: 0 1px 3px rgba(0, 0, 0, 0.08);
          }
          h1 {
            font-size: 1.5rem;
            margin-top: 0;
          }
          a {
            color: var(--brand);
          }
          button,
          .button {
            background: var(--brand);
            color: #fff;
            border: 0;
            border-radius: 6px;
            padding: 0.6rem 1.1rem;
            font: inherit;
            cursor: pointer;
            text-decoration: none;
            display: inline-block;
          }
          ul {
            padding-left: 1.2rem;
          }
          .muted {
            color: #5b6368;
            font-size: 0.9rem;
          }
        </style>
      </head>
      <body>
        <header>${o.brandName ?? ''}</header>
        <main>${o.body}</main>
      </body>
    </html>`.value;
}
