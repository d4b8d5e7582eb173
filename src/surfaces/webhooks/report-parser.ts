import { ParsedMail, simpleParser } from 'mailparser';
import { sha256Hex } from '../../platform/crypto';
import { normaliseEmail } from '../../platform/email';
import { isUuid } from '../../platform/ids';
import { MAX_REPORT_LEVELS, MAX_REPORT_PARTS, mimeNestingDepth } from './mime-limits';

export const SIGNAL_TYPES = [
  'hard_bounce',
  'soft_bounce',
  'delayed',
  'auto_reply',
  'complaint',
  'other',
] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

/** How a report arrived: a raw email (dsn, arf, email), our JSON, or a sending service's event. */
export const REPORT_FORMATS = [
  'dsn',
  'arf',
  'email',
  'json',
  'ses',
  'postmark',
  'sendgrid',
  'mailgun',
] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** What a report says about one recipient. */
export interface RecipientSignal {
  type: SignalType;
  /** Normalised address, when the report names one. */
  recipient: string | null;
  action: string | null;
  status: string | null;
  diagnostic: string | null;
}

export interface ParsedReport {
  format: ReportFormat;
  /** Identifies the report for idempotency: its own Message-ID, or a hash of its content. */
  reportKey: string;
  /** The ledger id of the message the report is about, when its headers name one of ours. */
  ledgerId: string | null;
  signals: RecipientSignal[];
  /** ARF Feedback-Type (abuse, fraud, not-spam, ...). */
  feedbackType?: string;
}

export class ReportParseError extends Error {}

/** A report with more MIME parts or deeper nesting than any real report has (see mime-limits.ts). */
export class ReportTooComplexError extends ReportParseError {}

/** Header-style fields of a delivery-status or feedback-report part, in groups split by blank lines. */
export function parseFieldGroups(text: string): Array<Map<string, string>> {
  const groups: Array<Map<string, string>> = [];
  let current = new Map<string, string>();
  let last: string | null = null;
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (!line.trim()) {
      if (current.size) groups.push(current);
      current = new Map();
      last = null;
      continue;
    }
    if (/^[ \t]/.test(line) && last) {
      current.set(last, `${current.get(last)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 1) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    // Repeated fields (several Original-Rcpt-To) keep the first; that is enough to match.
    if (!current.has(last)) current.set(last, line.slice(colon + 1).trim());
  }
  if (current.size) groups.push(current);
  return groups;
}

/** `rfc822; someone@example.com` → `someone@example.com`. */
export function addressOf(field: string | undefined): string | null {
  if (!field) return null;
  const value = field.includes(';') ? field.slice(field.indexOf(';') + 1) : field;
  // Tokens, then the first with a local part and a domain: one pass, whatever the input's length.
  for (const token of value.match(/[^\s<>;]+/g) ?? []) {
    const at = token.indexOf('@');
    if (at > 0 && at < token.length - 1) return normaliseEmail(token);
  }
  return null;
}

/**
 * Permanent statuses that say nothing about the address: mailbox full (5.2.2), the receiving
 * system (5.3.x), delivery time expired (5.4.7) and policy blocks for content or reputation
 * (5.7.x). They count as soft bounces, so a spam-filter block does not remove a real customer.
 */
const SOFT_PERMANENT = /^5\.(2\.2|3\.\d{1,3}|4\.7|7\.\d{1,3})$/;

/** RFC 3464 per-recipient fields → what happened to that recipient. */
export function classifyDsnRecipient(fields: Map<string, string>): SignalType {
  const action = (fields.get('action') ?? '').toLowerCase().trim();
  const status = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(fields.get('status') ?? '')?.[0];
  if (action === 'delayed') return 'delayed';
  if (action === 'delivered' || action === 'relayed' || action === 'expanded') return 'other';
  if (status?.startsWith('5')) return SOFT_PERMANENT.test(status) ? 'soft_bounce' : 'hard_bounce';
  if (status?.startsWith('4')) return 'soft_bounce';
  if (status?.startsWith('2')) return 'other';
  // No usable Status: fall back to the SMTP reply code in Diagnostic-Code.
  const code = /\b([45])\d\d\b/.exec(fields.get('diagnostic-code') ?? '')?.[1];
  if (code === '5' && action === 'failed') return 'hard_bounce';
  return action === 'failed' ? 'soft_bounce' : 'other';
}

/** RFC 3834 and the common vacation-responder conventions. */
export function isAutoReply(mail: ParsedMail): boolean {
  const header = (name: string) => (headerText(mail, name) ?? '').toLowerCase().trim();
  const autoSubmitted = header('auto-submitted');
  if (autoSubmitted && autoSubmitted !== 'no') return true;
  if (header('x-autoreply') || header('x-autorespond') || header('x-auto-reply')) return true;
  if (['auto_reply', 'auto-reply'].includes(header('precedence'))) return true;
  return /^\s*(auto(matic|matisch)?[ -]?(reply|antwoord|response)|out of (the )?office|afwezig|abwesend|vacation|r[ée]ponse automatique)\b/i.test(
    mail.subject ?? '',
  );
}

/**
 * Our ledger id from the original message a report carries (X-Tidings-Message, else our
 * Message-ID). Read from the raw text after the report's own header block: mailparser renders an
 * inline message/rfc822 part into text and drops most of its headers, and the original's header
 * lines are never transfer-encoded (RFC 2046 allows only 7bit/8bit/binary for message/rfc822).
 */
export function ledgerIdFromOriginal(raw: string, mailDomain: string): string | null {
  const start = raw.search(/\r?\n\r?\n/);
  if (start < 0) return null;
  const body = raw.slice(start);
  const direct = /^X-Tidings-Message:[ \t]*([0-9a-f-]{36})[ \t]*\r?$/im.exec(body)?.[1];
  if (direct && isUuid(direct)) return direct.toLowerCase();
  for (const m of body.matchAll(
    /^(?:Message-ID|In-Reply-To|References):[ \t]*(.*(?:\r?\n[ \t].*)*)/gim,
  )) {
    const id = ledgerIdFromMessageIds(m[1].replace(/\r?\n[ \t]+/g, ' '), mailDomain);
    if (id) return id;
  }
  return null;
}

/** `<uuid@mail.domain>` among message ids; other domains are not ours. */
export function ledgerIdFromMessageIds(
  value: string | undefined,
  mailDomain: string,
): string | null {
  if (!value) return null;
  // `<id>` or a bare id, split on blanks and commas; linear in the header's length.
  for (const [, bracketed, bare] of value.matchAll(/<([^<>\s]*)>|([^<>\s,]+)/g)) {
    const id = bracketed ?? bare;
    const at = id.lastIndexOf('@');
    if (at < 1) continue;
    const local = id.slice(0, at);
    if (id.slice(at + 1).toLowerCase() === mailDomain.toLowerCase() && isUuid(local)) {
      return local.toLowerCase();
    }
  }
  return null;
}

function reportKeyOf(mail: ParsedMail, raw: Buffer): string {
  return mail.messageId ? `msgid:${mail.messageId}` : `sha256:${sha256Hex(raw.toString('utf8'))}`;
}

function reportType(mail: ParsedMail): string | null {
  const ct = mail.headers.get('content-type') as {
    value?: string;
    params?: Record<string, string>;
  };
  if (ct?.value?.toLowerCase() !== 'multipart/report') return null;
  return ct.params?.['report-type']?.toLowerCase() ?? null;
}

function partText(mail: ParsedMail, ...types: string[]): string | null {
  const part = mail.attachments.find((a) => types.includes(a.contentType.toLowerCase()));
  return part ? part.content.toString('utf8') : null;
}

async function parseMail(raw: Buffer): Promise<ParsedMail> {
  if (!raw.length || !/^[\x21-\x39\x3b-\x7e]+:/m.test(raw.subarray(0, 4096).toString('latin1'))) {
    throw new ReportParseError('The body is not an email message (no header lines)');
  }
  if (mimeNestingDepth(raw, MAX_REPORT_LEVELS) > MAX_REPORT_LEVELS) {
    throw new ReportTooComplexError(
      `The report nests MIME parts more than ${MAX_REPORT_LEVELS} levels deep; a bounce or complaint report needs four or five`,
    );
  }
  try {
    return await simpleParser(raw, {
      keepDeliveryStatus: true,
      skipHtmlToText: true,
      skipTextLinks: true,
      maxChildNodes: MAX_REPORT_PARTS,
    });
  } catch (err) {
    const { code, message } = err as { code?: string; message?: string };
    if (code === 'EMAXLEN') {
      throw new ReportTooComplexError(
        /child nodes/i.test(message ?? '')
          ? `The report has more than ${MAX_REPORT_PARTS} MIME parts; a bounce or complaint report needs about ten`
          : `A MIME part of the report has too large a header block (${message})`,
      );
    }
    // mailparser reads only the bytes it was given: whatever it refuses is a malformed report.
    throw new ReportParseError(`The body could not be read as an email (${message ?? 'unknown'})`);
  }
}

/**
 * A message from a bounce mailbox or an MTA: an RFC 3464 delivery status notification (one
 * signal per recipient), an auto-reply (ignored), or anything else (ignored as `other`).
 */
export async function parseBounceEmail(raw: Buffer, mailDomain: string): Promise<ParsedReport> {
  const mail = await parseMail(raw);
  const reportKey = reportKeyOf(mail, raw);
  const type = reportType(mail);
  if (type === 'feedback-report') {
    throw new ReportParseError(
      'This is a complaint (ARF feedback report); send it to /v1/webhooks/complaints',
    );
  }
  const text = raw.toString('utf8');
  if (type === 'delivery-status') {
    const status = partText(mail, 'message/delivery-status', 'message/global-delivery-status');
    if (!status) throw new ReportParseError('The report has no message/delivery-status part');
    // The first group holds per-message fields (Reporting-MTA); each further one is a recipient.
    const recipients = parseFieldGroups(status).filter(
      (g) => g.has('final-recipient') || g.has('original-recipient') || g.has('action'),
    );
    if (!recipients.length) {
      throw new ReportParseError('The delivery-status part names no recipient');
    }
    return {
      format: 'dsn',
      reportKey,
      ledgerId: ledgerIdFromOriginal(text, mailDomain),
      signals: recipients.map((fields) => ({
        type: classifyDsnRecipient(fields),
        recipient: addressOf(fields.get('final-recipient') ?? fields.get('original-recipient')),
        action: fields.get('action')?.toLowerCase() ?? null,
        status: /\d\.\d{1,3}\.\d{1,3}/.exec(fields.get('status') ?? '')?.[0] ?? null,
        diagnostic: fields.get('diagnostic-code') ?? null,
      })),
    };
  }
  // Not a DSN: an auto-reply (vacation, out of office) or something else; neither is a bounce.
  const from = mail.from?.value[0]?.address;
  return {
    format: 'email',
    reportKey,
    ledgerId:
      ledgerIdFromMessageIds(headerText(mail, 'in-reply-to'), mailDomain) ??
      ledgerIdFromMessageIds(headerText(mail, 'references'), mailDomain) ??
      ledgerIdFromOriginal(text, mailDomain),
    signals: [
      {
        type: isAutoReply(mail) ? 'auto_reply' : 'other',
        recipient: from ? normaliseEmail(from) : null,
        action: null,
        status: null,
        diagnostic: mail.subject ?? null,
      },
    ],
  };
}

/** An RFC 5965 (ARF) feedback report: a recipient marked one of our messages as spam. */
export async function parseComplaintEmail(raw: Buffer, mailDomain: string): Promise<ParsedReport> {
  const mail = await parseMail(raw);
  if (reportType(mail) !== 'feedback-report') {
    throw new ReportParseError(
      'The body is not an ARF feedback report (multipart/report; report-type=feedback-report)',
    );
  }
  const report = partText(mail, 'message/feedback-report');
  if (!report) throw new ReportParseError('The report has no message/feedback-report part');
  const fields = parseFieldGroups(report)[0] ?? new Map<string, string>();
  const feedbackType = (fields.get('feedback-type') ?? 'abuse').toLowerCase();
  // Providers redact the recipient in the original; only Original-Rcpt-To names it reliably.
  const recipient = addressOf(fields.get('original-rcpt-to'));
  return {
    format: 'arf',
    reportKey: reportKeyOf(mail, raw),
    ledgerId: ledgerIdFromOriginal(raw.toString('utf8'), mailDomain),
    feedbackType,
    signals: [
      {
        type: complaintType(feedbackType),
        recipient,
        action: null,
        status: null,
        diagnostic: `feedback-type: ${feedbackType}`,
      },
    ],
  };
}

/** `not-spam` reverses nothing and `auth-failure` is about authentication, not the recipient. */
export function complaintType(feedbackType: string): SignalType {
  return ['not-spam', 'auth-failure'].includes(feedbackType) ? 'other' : 'complaint';
}

/** A header as text; structured values (addresses, dates) are not needed here. */
function headerText(mail: ParsedMail, name: string): string | undefined {
  const v = mail.headers.get(name);
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string').join(' ');
  return undefined;
}
