import { reportFixture } from '../../../test/support/report-fixtures';
import { mimeNestingDepth } from './mime-limits';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'));

/** `depth` multipart containers, each inside the last (closed or not). */
function nested(depth: number, close = true, filler = ''): Buffer {
  let mime = 'From: a@example.test\r\n';
  for (let i = 0; i < depth; i++) {
    mime += `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`;
  }
  mime += `Content-Type: text/plain\r\n\r\n${filler}hi\r\n`;
  if (close) for (let i = depth - 1; i >= 0; i--) mime += `--b${i}--\r\n`;
  return Buffer.from(mime);
}

describe(mimeNestingDepth.name, () => {
  it('counts nested multiparts', () => {
    expect(mimeNestingDepth(Buffer.from('Subject: plain\r\n\r\ntext\r\n'), 16)).toBe(0);
    expect(mimeNestingDepth(nested(1), 16)).toBe(1);
    expect(mimeNestingDepth(nested(5), 16)).toBe(5);
    expect(mimeNestingDepth(nested(5, false), 16)).toBe(5);
  });

  it('stops counting past the limit', () => {
    expect(mimeNestingDepth(nested(2000), 16)).toBe(17);
  });

  it('counts siblings once, and a closing delimiter ends the containers inside it', () => {
    const mime = crlf([
      'Content-Type: multipart/mixed; boundary=outer',
      '',
      '--outer',
      'Content-Type: multipart/alternative; boundary="inner"',
      '',
      '--inner',
      'Content-Type: text/plain',
      '',
      'a',
      // The outer delimiter also closes "inner", which was never closed.
      '--outer',
      'Content-Type: multipart/related;',
      ' boundary=second (a comment)',
      '',
      '--second',
      'Content-Type: text/plain',
      '',
      'b',
      '--second--',
      '--outer--',
      '',
    ]);
    expect(mimeNestingDepth(mime, 16)).toBe(2);
  });

  it('counts an embedded message and what it contains', () => {
    const mime = crlf([
      'Content-Type: multipart/report; report-type=delivery-status; boundary=r',
      '',
      '--r',
      'Content-Type: message/rfc822',
      '',
      'Subject: the original',
      'Content-Type: multipart/alternative; boundary=o',
      '',
      '--o',
      'Content-Type: text/plain',
      '',
      'hello',
      '--o--',
      '--r--',
      '',
    ]);
    expect(mimeNestingDepth(mime, 16)).toBe(3);
  });

  it('ignores lines that only look like delimiters, and delimiters of no open container', () => {
    const mime = crlf([
      'Content-Type: multipart/mixed; boundary=b',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      '-- ',
      '--c',
      'Content-Type: multipart/mixed; boundary=x',
      '--b--',
      '',
    ]);
    expect(mimeNestingDepth(mime, 16)).toBe(1);
  });

  it.each([
    ['dsn-hard-postfix.eml', 1],
    ['dsn-soft-exchange.eml', 2],
    ['arf-complaint.eml', 2],
    ['auto-reply-vacation.eml', 0],
  ])('reads %s as %d levels deep', (name, depth) => {
    const values = {
      ledgerId: '0b6f4a8e-5c2d-4e1f-9a3b-7d8c6e5f4a3b',
      recipient: 'a@b.c',
      domain: 'd.e',
    };
    expect(mimeNestingDepth(reportFixture(name, values), 16)).toBe(depth);
  });

  it('stays linear in size whatever the nesting', () => {
    const lines = '--x\r\n'.repeat(1_000_000); // 5 MB of lines that start like delimiters
    const started = Date.now();
    expect(mimeNestingDepth(nested(16, true, lines), 16)).toBe(16);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
