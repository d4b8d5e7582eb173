import libqp from 'libqp';
import { simpleParser } from 'mailparser';
import { buildMessage, encodeBody, encodeQuotedPrintable } from './mime';

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
});
