import { reportFixture } from '../../test/support/report-fixtures';
import {
  classifyDsnRecipient,
  ledgerIdFromMessageIds,
  parseBounceEmail,
  parseComplaintEmail,
  parseFieldGroups,
  ReportParseError,
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
  });

  it('unfolds continuation lines and splits groups on blank lines', () => {
    const groups = parseFieldGroups('A: 1\r\nB: two\r\n  parts\r\n\r\nC: 3\r\n');
    expect(groups.map((g) => Object.fromEntries(g))).toEqual([
      { a: '1', b: 'two parts' },
      { c: '3' },
    ]);
  });
});
