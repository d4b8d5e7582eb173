import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

export const BODY_FORMATS = ['html', 'markdown'] as const;
export type BodyFormat = (typeof BODY_FORMATS)[number];

export interface RenderedBody {
  /** Safe to insert into an email as it is (the campaign template triple-stashes it). */
  html: string;
  /** The same content for the plain-text part. */
  text: string;
}

const markdown = new MarkdownIt({ html: true, linkify: true, breaks: false });

/**
 * What survives into an email: text structure, links, images and simple tables. No scripts,
 * styles, forms, iframes, event handlers or class names; links only to http(s) and mailto.
 * The body is inserted after MJML compiled the template, so it only has to be email-safe HTML,
 * never MJML.
 */
const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'hr',
    'h1',
    'h2',
    'h3',
    'h4',
    'strong',
    'b',
    'em',
    'i',
    'u',
    's',
    'a',
    'ul',
    'ol',
    'li',
    'blockquote',
    'code',
    'pre',
    'img',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'target', 'rel'],
    img: ['src', 'alt', 'width', 'height', 'title'],
    td: ['colspan', 'rowspan'],
    th: ['colspan', 'rowspan'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Links open in a new window and do not hand the reader's session to the target.
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { target: '_blank', rel: 'noopener noreferrer' }),
  },
};

export function renderBody(source: string, format: BodyFormat): RenderedBody {
  const raw = format === 'markdown' ? markdown.render(source) : source;
  const html = sanitizeHtml(raw, SANITIZE).trim();
  return { html, text: htmlToText(html) };
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, code: string) => {
    if (code[0] === '#') {
      const n =
        code[1] === 'x' || code[1] === 'X' ? parseInt(code.slice(2), 16) : Number(code.slice(1));
      return Number.isFinite(n) && n > 0 && n < 0x110000 ? String.fromCodePoint(n) : whole;
    }
    return ENTITIES[code.toLowerCase()] ?? whole;
  });
}

/**
 * Plain text from sanitised HTML (a known, small set of well-formed tags, so a few rules do):
 * blocks become paragraphs, list items get a dash, links show their address.
 */
export function htmlToText(html: string): string {
  let s = html.replace(/\r\n?/g, '\n').replace(/\n/g, ' ');
  s = s.replace(
    /<a\s[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi,
    (_m, href: string, inner: string) => {
      const label = inner.replace(/<[^>]+>/g, '').trim();
      const url = decodeEntities(href);
      return !label || decodeEntities(label) === url ? url : `${label} (${url})`;
    },
  );
  s = s.replace(/<img\s[^>]*alt="([^"]*)"[^>]*>/gi, (_m, alt: string) => (alt ? `[${alt}]` : ''));
  s = s.replace(/<br\s*\/?>/gi, '\n');
  s = s.replace(/<li[^>]*>/gi, '\n- ');
  s = s.replace(/<hr\s*\/?>/gi, '\n\n---\n\n');
  s = s.replace(/<\/(td|th)>/gi, '\t');
  s = s.replace(/<\/(p|h[1-6]|blockquote|pre|ul|ol|table)>/gi, '\n\n');
  s = s.replace(/<\/tr>/gi, '\n');
  s = s.replace(/<[^>]+>/g, '');
  s = decodeEntities(s);
  return s
    .split('\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
