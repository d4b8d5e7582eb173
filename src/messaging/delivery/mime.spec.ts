import fc from 'fast-check';
import libqp from 'libqp';
import { simpleParser } from 'mailparser';
import type { OutgoingMail } from './outgoing-mail';
import { buildMessage, encodeBody, encodeQuotedPrintable, toCrlf } from './mime';

/** A CR not followed by LF, or an LF not preceded by CR. */
const LONE_CR_OR_LF = /\r(?!\n)|(?<!\r)\n/;

/** Text as pasted from anywhere: line breaks of every kind, non-ASCII, '=', dots, long lines. */
const pasted = fc
  .array(
    fc.oneof(
      fc.constantFrom('\r', '\n', '\r\n', '\r\r\n', '\n\r', ' ', '\t', '=', '.', '-- '),
      fc.constantFrom('é', '€', '🎉', 'Zoë', 'x'.repeat(80), 'é'.repeat(40), 'y'.repeat(1000)),
      fc.string({ maxLength: 20 }),
      fc.string({ unit: 'binary', maxLength: 10 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

function mail(over: Partial<OutgoingMail>): OutgoingMail {
  return {
    from: '"Acme" <news@acme.test>',
    to: { name: 'Ada', address: 'ada@example.test' },
    subject: 'Hello',
    html: '<p>Hello</p>',
    text: 'Hello',
    messageId: '<m1@acme.test>',
    headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    ...over,
  };
}

/** The decoded bytes of each body part, as a receiver reads them. */
function decodedParts(raw: string): Buffer[] {
  const boundary = /boundary="([^"]+)"/.exec(raw)![1];
  const parts = raw.split(`--${boundary}`).slice(1, -1);
  return parts.map((part) => {
    const at = part.indexOf('\r\n\r\n');
    const head = part.slice(0, at);
    const body = part.slice(at + 4, -2); // the CRLF before the next boundary belongs to it
    return /Content-Transfer-Encoding: quoted-printable/.test(head)
      ? libqp.decode(body)
      : Buffer.from(body, 'latin1');
  });
}

describe('encodeQuotedPrintable', () => {
  const samples = [
    'plain ascii',
    'a=b and 100% = true',
    'Café, naïve, 東京, emoji 🎉 and € signs',
    'trailing spaces   \nand tabs\t\nend with space ',
    `${'x'.repeat(300)}\n${'é'.repeat(120)}\n${'='.repeat(80)}`,
    '.starts with a dot\n.and again',
    'windows\r\nline\r\nends',
    '<p style="color:#111">HTML with "quotes" &amp; entities</p>',
    '',
  ];

  it.each(samples.map((s) => [s]))('round-trips %j', (text) => {
    const encoded = encodeQuotedPrintable(text);
    const decoded = libqp.decode(encoded).toString('utf8');
    expect(decoded).toBe(text.replace(/\r\n/g, '\n').replace(/\n/g, '\r\n'));
    for (const line of encoded.split('\r\n')) {
      expect(line.length).toBeLessThanOrEqual(76);
      expect(line).not.toMatch(/[ \t]$/);

      expect(line).toMatch(/^[\x21-\x7e \t]*$/);
    }
  });
});

describe('encodeBody', () => {
  it('sends plain ASCII with short lines as 7bit, and anything else quoted-printable', () => {
    expect(encodeBody('Hello\nthere = fine')).toEqual({
      encoding: '7bit',
      body: 'Hello\r\nthere = fine',
    });
    expect(encodeBody('Café').encoding).toBe('quoted-printable');
    expect(encodeBody(`${'x'.repeat(999)}\nshort`).encoding).toBe('quoted-printable');
    expect(encodeBody(`${'x'.repeat(998)}\nshort`).encoding).toBe('7bit');
    expect(encodeBody('nul\u0000').encoding).toBe('quoted-printable');
    expect(encodeBody('a\r\nb\nc').body).toBe('a\r\nb\r\nc');
  });

  it('turns every line break into CRLF in both encodings: CRLF, a lone CR and a lone LF', () => {
    expect(encodeBody('a\rb\r\nc\nd\r')).toEqual({
      encoding: '7bit',
      body: 'a\r\nb\r\nc\r\nd\r\n',
    });
    expect(encodeBody('é\rb\r\nc\nd\r\r\ne')).toEqual({
      encoding: 'quoted-printable',
      body: '=C3=A9\r\nb\r\nc\r\nd\r\n\r\ne',
    });
    // A lone CR is a line break, never =0D (which a receiver decodes back to a lone CR).
    expect(encodeQuotedPrintable('a\rb')).toBe('a\r\nb');
    expect(encodeQuotedPrintable(`${'x'.repeat(100)}\r${'é'.repeat(30)}`)).not.toContain('=0D');
  });
});

describe('toCrlf', () => {
  it('is CRLF-only, with one break for each CRLF, lone CR or lone LF', () => {
    fc.assert(
      fc.property(pasted, (text) => {
        const out = toCrlf(text);
        expect(out).not.toMatch(LONE_CR_OR_LF);
        expect(out.split('\r\n')).toEqual(text.split(/\r\n|\r|\n/));
      }),
      { numRuns: 300 },
    );
  });
});

describe('buildMessage', () => {
  it('builds a multipart/alternative email that parses back to what was given', async () => {
    const built = buildMessage({
      from: '"Acme Nieuws" <news@acme.test>',
      to: { name: 'Zoë "Z" de Vries', address: 'zoe@example.test' },
      replyTo: 'support@acme.test',
      subject: 'Zomeraanbieding: 20% korting op één jaar',
      html: '<p>Hallo Zoë,</p>\n<p>' + 'lang '.repeat(100) + '</p>',
      text: 'Hallo Zoë,\n\n' + 'lang '.repeat(100),
      messageId: '<m42@acme.test>',
      headers: {
        'List-Unsubscribe':
          '<https://tidings.test/u/abc>, <mailto:unsubscribe@acme.test?subject=unsubscribe%20abc>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        Cc: 'boss@acme.test',
      },
    });
    expect(built.envelope).toEqual({
      from: 'news@acme.test',
      to: ['zoe@example.test', 'boss@acme.test'],
    });
    const raw = built.raw.toString('latin1');
    // eslint-disable-next-line no-control-regex
    expect(raw).toMatch(/^[\x00-\x7f]*$/);
    const parsed = await simpleParser(built.raw);
    expect(parsed.subject).toBe('Zomeraanbieding: 20% korting op één jaar');
    expect(parsed.messageId).toBe('<m42@acme.test>');
    expect(parsed.to).toMatchObject({
      value: [{ name: 'Zoë "Z" de Vries', address: 'zoe@example.test' }],
    });
    expect(parsed.html).toBe('<p>Hallo Zoë,</p>\n<p>' + 'lang '.repeat(100) + '</p>');
    expect(parsed.text).toBe('Hallo Zoë,\n\n' + 'lang '.repeat(100));
    expect(parsed.headerLines.map((h) => h.line)).toContain(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
    expect(parsed.headers.get('mime-version')).toBe('1.0');
    expect(parsed.date).toBeInstanceOf(Date);
  });

  it('is CRLF-only, headers and both parts, whatever text, HTML, subject and name it is given', () => {
    fc.assert(
      fc.property(pasted, pasted, pasted, pasted, (text, html, subject, name) => {
        const built = buildMessage(
          mail({ text, html, subject, to: { name, address: 'a@x.test' } }),
        );
        const raw = built.raw.toString('latin1');
        expect(raw).not.toMatch(LONE_CR_OR_LF);
        // eslint-disable-next-line no-control-regex
        expect(raw).toMatch(/^[\x00-\x7f]*$/);
        // What the receiver decodes is the given text with CRLF line breaks: no =0D, no extra breaks.
        const [textPart, htmlPart] = decodedParts(raw);
        expect(textPart.equals(Buffer.from(toCrlf(text), 'utf8'))).toBe(true);
        expect(htmlPart.equals(Buffer.from(toCrlf(html), 'utf8'))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('puts no line break into a header value, decoded, from the subject, the name or a header', async () => {
    const built = buildMessage(
      mail({
        subject: 'Renewal\r\nBcc: evil@x.test\rsoon é',
        to: { name: 'Zoë\r\nBcc: evil@x.test\r', address: 'zoe@example.test' },
        headers: { 'List-Id': 'News\r<news.acme.test>', 'X-Note': 'one\ntwo' },
      }),
    );
    expect(built.envelope.to).toEqual(['zoe@example.test']);
    const parsed = await simpleParser(built.raw);
    expect(parsed.subject).toBe('Renewal Bcc: evil@x.test soon é');
    expect(parsed.to).toMatchObject({
      value: [{ name: 'Zoë Bcc: evil@x.test', address: 'zoe@example.test' }],
    });
    expect(parsed.bcc).toBeUndefined();
    for (const { line } of parsed.headerLines) expect(line).not.toMatch(/[\r\n]\S/);
    expect(parsed.headers.get('x-note')).toBe('one two');
  });
});
