import { reportFixture } from '../../../test/support/report-fixtures';
import {
  addressOf,
  classifyDsnRecipient,
  ledgerIdFromMessageIds,
  parseBounceEmail,
  parseComplaintEmail,
  parseFieldGroups,
  ReportParseError,
  ReportTooComplexError,
} from './report-parser';

const DOMAIN = 'news.example.com';
const LEDGER_ID = '0b6f4a8e-5c2d-4e1f-9a3b-7d8c6e5f4a3b';
const RECIPIENT = 'ada.lovelace@example.test';
const values = { ledgerId: LEDGER_ID, recipient: RECIPIENT, domain: DOMAIN };

describe('report-parser', () => {
  describe('DSN fixtures', () => {
    it.each([
      ['dsn-hard-postfix.eml', 'hard_bounce', 'failed', '5.1.1'],
      ['dsn-soft-exchange.eml', 'soft_bounce', 'failed', '5.2.2'],
      ['dsn-delayed-postfix.eml', 'delayed', 'delayed', '4.4.1'],
    ])('%s is a %s for the recipient, about our message', async (file, type, action, status) => {
      const report = await parseBounceEmail(reportFixture(file, values), DOMAIN);
      expect(report.format).toBe('dsn');
      expect(report.ledgerId).toBe(LEDGER_ID);
      expect(report.reportKey).toMatch(/^msgid:</);
      expect(report.signals).toEqual([
        expect.objectContaining({ type, action, status, recipient: RECIPIENT }),
      ]);
    });

    it('keeps the diagnostic with its folded continuation line', async () => {
      const report = await parseBounceEmail(reportFixture('dsn-hard-postfix.eml', values), DOMAIN);
      expect(report.signals[0].diagnostic).toBe(
        `smtp; 550 5.1.1 <${RECIPIENT}>: Recipient address rejected: User unknown in virtual mailbox table`,
      );
    });

    it.each(['auto-reply-vacation.eml', 'auto-reply-exchange.eml'])(
      '%s is an auto-reply about our message, not a bounce',
      async (file) => {
        const report = await parseBounceEmail(reportFixture(file, values), DOMAIN);
        expect(report.format).toBe('email');
        expect(report.ledgerId).toBe(LEDGER_ID);
        expect(report.signals.map((s) => s.type)).toEqual(['auto_reply']);
      },
    );

    it('sends an ARF report on the bounce endpoint to the complaint endpoint', async () => {
      await expect(
        parseBounceEmail(reportFixture('arf-complaint.eml', values), DOMAIN),
      ).rejects.toThrow('/v1/webhooks/complaints');
    });

    it('refuses a body that is not an email', async () => {
      await expect(parseBounceEmail(Buffer.from('hello world'), DOMAIN)).rejects.toBeInstanceOf(
        ReportParseError,
      );
      await expect(parseBounceEmail(Buffer.alloc(0), DOMAIN)).rejects.toBeInstanceOf(
        ReportParseError,
      );
    });

    it('gives the same report key for the same report, a different one for another', async () => {
      const a = await parseBounceEmail(
        reportFixture('dsn-hard-postfix.eml', { ...values, reportId: 'r1' }),
        DOMAIN,
      );
      const again = await parseBounceEmail(
        reportFixture('dsn-hard-postfix.eml', { ...values, reportId: 'r1' }),
        DOMAIN,
      );
      const other = await parseBounceEmail(
        reportFixture('dsn-hard-postfix.eml', { ...values, reportId: 'r2' }),
        DOMAIN,
      );
      expect(again.reportKey).toBe(a.reportKey);
      expect(other.reportKey).not.toBe(a.reportKey);
    });
  });

  describe('ARF fixture', () => {
    it('is an abuse complaint about our message; the redacted recipient does not replace the match', async () => {
      const report = await parseComplaintEmail(reportFixture('arf-complaint.eml', values), DOMAIN);
      expect(report).toMatchObject({ format: 'arf', ledgerId: LEDGER_ID, feedbackType: 'abuse' });
      expect(report.signals).toEqual([expect.objectContaining({ type: 'complaint' })]);
    });

    it('refuses a DSN on the complaint endpoint', async () => {
      await expect(
        parseComplaintEmail(reportFixture('dsn-hard-postfix.eml', values), DOMAIN),
      ).rejects.toThrow('not an ARF feedback report');
    });
  });

  describe(classifyDsnRecipient.name, () => {
    const classify = (fields: Record<string, string>) =>
      classifyDsnRecipient(new Map(Object.entries(fields)));

    it.each([
      [{ action: 'failed', status: '5.1.1' }, 'hard_bounce'],
      [{ action: 'failed', status: '5.0.0' }, 'hard_bounce'],
      [{ action: 'failed', status: '5.2.2' }, 'soft_bounce'],
      [{ action: 'failed', status: '5.7.1' }, 'soft_bounce'],
      [{ action: 'failed', status: '4.4.7' }, 'soft_bounce'],
      [{ action: 'delayed', status: '4.4.1' }, 'delayed'],
      [{ action: 'delivered', status: '2.0.0' }, 'other'],
      [{ action: 'failed', 'diagnostic-code': 'smtp; 550 no such user' }, 'hard_bounce'],
      [{ action: 'failed' }, 'soft_bounce'],
    ])('%j → %s', (fields, expected) => {
      expect(classify(fields)).toBe(expected);
    });
  });

  it('reads only our own Message-IDs', () => {
    expect(ledgerIdFromMessageIds(`<${LEDGER_ID}@${DOMAIN}>`, DOMAIN)).toBe(LEDGER_ID);
    expect(ledgerIdFromMessageIds(`<x@y> <${LEDGER_ID}@${DOMAIN}>`, DOMAIN)).toBe(LEDGER_ID);
    expect(ledgerIdFromMessageIds(`<${LEDGER_ID}@elsewhere.example>`, DOMAIN)).toBeNull();
    expect(ledgerIdFromMessageIds('<not-a-uuid@news.example.com>', DOMAIN)).toBeNull();
    expect(ledgerIdFromMessageIds(`${LEDGER_ID.toUpperCase()}@${DOMAIN}`, DOMAIN)).toBe(LEDGER_ID);
    expect(ledgerIdFromMessageIds(`<a@b>,<${LEDGER_ID}@${DOMAIN.toUpperCase()}>`, DOMAIN)).toBe(
      LEDGER_ID,
    );
  });

  it('reads addresses out of DSN fields', () => {
    expect(addressOf('rfc822; <Ada@Example.test>')).toBe('ada@example.test');
    expect(addressOf('rfc822;ada@example.test')).toBe('ada@example.test');
    expect(addressOf('rfc822; no address')).toBeNull();
  });

  it('scans long header values in linear time', () => {
    const long = 'a'.repeat(100_000);
    const started = Date.now();
    expect(ledgerIdFromMessageIds(long, DOMAIN)).toBeNull();
    expect(ledgerIdFromMessageIds(`<${long}`, DOMAIN)).toBeNull();
    expect(addressOf(long)).toBeNull();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  describe('limits', () => {
    function nested(depth: number): Buffer {
      let mime = 'From: mailer@example.test\r\nMessage-ID: <n@example.test>\r\n';
      for (let i = 0; i < depth; i++) {
        mime += `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`;
      }
      return Buffer.from(`${mime}Content-Type: text/plain\r\n\r\nhi\r\n`);
    }

    function wide(parts: number): Buffer {
      let mime = 'From: mailer@example.test\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n';
      for (let i = 0; i < parts; i++) mime += `--b\r\nContent-Type: text/plain\r\n\r\n${i}\r\n`;
      return Buffer.from(`${mime}--b--\r\n`);
    }

    it('refuses more than 16 nesting levels', async () => {
      await expect(parseBounceEmail(nested(16), DOMAIN)).resolves.toMatchObject({
        format: 'email',
      });
      for (const parse of [parseBounceEmail, parseComplaintEmail]) {
        const refused = parse(nested(17), DOMAIN);
        await expect(refused).rejects.toBeInstanceOf(ReportTooComplexError);
        await expect(refused).rejects.toThrow('more than 16 levels deep');
      }
    });

    it('refuses more than 200 MIME parts (mailparser stops there)', async () => {
      await expect(parseBounceEmail(wide(150), DOMAIN)).resolves.toMatchObject({ format: 'email' });
      const refused = parseBounceEmail(wide(250), DOMAIN);
      await expect(refused).rejects.toBeInstanceOf(ReportTooComplexError);
      await expect(refused).rejects.toThrow('more than 200 MIME parts');
    });

    it('reads a report with long header values in linear time', async () => {
      const raw = Buffer.from(
        `From: mailer@example.test\r\nIn-Reply-To: ${'a'.repeat(100_000)}\r\n\r\n` +
          `References: ${'b'.repeat(100_000)}\r\n`,
      );
      const started = Date.now();
      await expect(parseBounceEmail(raw, DOMAIN)).resolves.toMatchObject({ ledgerId: null });
      expect(Date.now() - started).toBeLessThan(3000);
    });
  });

  it('unfolds continuation lines and splits groups on blank lines', () => {
    const groups = parseFieldGroups('A: 1\r\nB: two\r\n  parts\r\n\r\nC: 3\r\n');
    expect(groups.map((g) => Object.fromEntries(g))).toEqual([
      { a: '1', b: 'two parts' },
      { c: '3' },
    ]);
  });
});
