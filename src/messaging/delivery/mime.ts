import MimeNode from 'nodemailer/lib/mime-node';
import { headerSafe, OutgoingMail } from './outgoing-mail';

const HEX = Buffer.from('0123456789ABCDEF');
/** Soft line breaks keep encoded lines at 76 characters including the trailing '='. */
const MAX_LINE = 75;
/** Bytes that stand for themselves anywhere in a line: printable ASCII except '='. */
const SAFE = new Uint8Array(256);
for (let b = 33; b <= 126; b++) if (b !== 61) SAFE[b] = 1;

/**
 * Lines of a campaign's HTML repeat for every recipient (only greetings and links differ), and
 * quoted-printable encodes each line on its own, so long lines are encoded once per worker.
 */
const lineCache = new Map<string, string>();
const CACHE_CHAR_LIMIT = 4_000_000;
let cachedChars = 0;

/** CRLF, a lone CR and a lone LF: each is one line break. */
const LINE_BREAK = /\r\n?|\n/;
const LINE_BREAKS = /\r\n?|\n/g;

/**
 * Every line break as CRLF, in one pass. A lone CR or LF must not reach DKIM: nodemailer's SMTP
 * data stream turns it into CRLF after the message was signed, and the receiver's body hash
 * fails (and the reader sees a break where the signed text had none).
 */
export function toCrlf(text: string): string {
  return text.includes('\r') ? text.replace(LINE_BREAKS, '\r\n') : text.split('\n').join('\r\n');
}

/**
 * Quoted-printable (RFC 2045). Line breaks (CRLF, lone CR, lone LF) become CRLF, so no CR is
 * ever encoded as =0D; a space or tab before a line break is encoded, so no line ends in
 * whitespace; encoded lines stay within 76 characters. nodemailer's streaming encoder did the
 * same work through several stream stages per part, one of the larger costs of a delivery worker.
 */
export function encodeQuotedPrintable(text: string): string {
  const lines = text.includes('\r') ? text.split(LINE_BREAK) : text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k];
    if (!line) continue;
    let encoded = lineCache.get(line);
    if (encoded === undefined) {
      encoded = encodeLine(line);
      if (cachedChars > CACHE_CHAR_LIMIT) {
        lineCache.clear();
        cachedChars = 0;
      }
      // A copy as the key: `line` is a slice that would keep the whole email alive.
      lineCache.set(Buffer.from(line, 'utf8').toString('utf8'), encoded);
      cachedChars += line.length + encoded.length;
    }
    lines[k] = encoded;
  }
  return lines.join('\r\n');
}

/** One line (no line breaks in it), as its UTF-8 bytes. */
function encodeLine(line: string): string {
  if (!line) return '';
  const input = Buffer.from(line, 'utf8');
  const n = input.length;
  const out = Buffer.allocUnsafe(n * 3 + Math.ceil((n * 3) / MAX_LINE) * 3);
  let o = 0;
  let width = 0;
  for (let i = 0; i < n; i++) {
    const b = input[i];
    const literal = SAFE[b] === 1 || ((b === 32 || b === 9) && i + 1 < n);
    if (literal) {
      if (width === MAX_LINE) {
        out[o++] = 61;
        out[o++] = 13;
        out[o++] = 10;
        width = 0;
      }
      out[o++] = b;
      width += 1;
    } else {
      if (width > MAX_LINE - 3) {
        out[o++] = 61;
        out[o++] = 13;
        out[o++] = 10;
        width = 0;
      }
      out[o++] = 61;
      out[o++] = HEX[b >> 4];
      out[o++] = HEX[b & 15];
      width += 3;
    }
  }
  return out.toString('latin1', 0, o);
}

/** RFC 5322: at most 998 characters per line. */
const MAX_7BIT_LINE = 998;

/**
 * Plain ASCII text (no NUL) with short lines goes as it is (7bit, as nodemailer also does);
 * anything else is quoted-printable. UTF-8 byte length equal to the length in characters means
 * every character is ASCII, checked natively. Either way every line break comes out as CRLF.
 */
export function encodeBody(content: string): {
  encoding: '7bit' | 'quoted-printable';
  body: string;
} {
  if (
    Buffer.byteLength(content, 'utf8') === content.length &&
    !content.includes('\0') &&
    !hasLongLine(content)
  ) {
    return { encoding: '7bit', body: toCrlf(content) };
  }
  return { encoding: 'quoted-printable', body: encodeQuotedPrintable(content) };
}

function hasLongLine(content: string): boolean {
  let start = 0;
  for (;;) {
    const end = content.indexOf('\n', start);
    if ((end === -1 ? content.length : end) - start > MAX_7BIT_LINE) return true;
    if (end === -1) return false;
    start = end + 1;
  }
}

export interface BuiltMessage {
  raw: Buffer;
  envelope: { from: string; to: string[] };
  /** The Message-ID header, which is also the provider message id the ledger records. */
  messageId: string;
}

/**
 * The whole email (multipart/alternative: text, then HTML) as one buffer. The header block comes
 * from nodemailer's MimeNode, so addresses, encoded words, folding, Date and MIME-Version are
 * exactly what nodemailer writes; the two bodies are encoded here in one pass each. Every line
 * of it ends in CRLF and no CR or LF stands alone (DKIM signs it as it is), and no header value
 * built from data carries a line break: the subject, the recipient's name and the extra headers
 * go through headerSafe here, whichever caller built the mail.
 */
export function buildMessage(mail: OutgoingMail): BuiltMessage {
  // A boundary from the message id instead of random bytes per message (ids are unique uuids).
  const baseBoundary = mail.messageId.replace(/[^A-Za-z0-9]/g, '').slice(0, 40);
  const root = new MimeNode('multipart/alternative', { baseBoundary });
  root.setHeader('From', mail.from);
  root.setHeader('To', [{ name: headerSafe(mail.to.name), address: mail.to.address }]);
  if (mail.replyTo) root.setHeader('Reply-To', mail.replyTo);
  root.setHeader('Subject', headerSafe(mail.subject));
  root.setHeader('Message-ID', mail.messageId);
  for (const [key, value] of Object.entries(mail.headers)) root.setHeader(key, headerSafe(value));
  const head = root.buildHeaders();
  const boundary = (root as unknown as { boundary: string }).boundary;
  const part = (type: string, content: string) => {
    const { encoding, body } = encodeBody(content);
    return (
      `--${boundary}\r\nContent-Type: ${type}; charset=utf-8\r\n` +
      `Content-Transfer-Encoding: ${encoding}\r\n\r\n${body}\r\n`
    );
  };
  const body =
    `${head}\r\n\r\n` +
    part('text/plain', mail.text) +
    part('text/html', mail.html) +
    `--${boundary}--\r\n`;
  const envelope = root.getEnvelope() as { from: string | false; to: string[] };
  return {
    raw: Buffer.from(body, 'latin1'),
    envelope: { from: envelope.from || '', to: envelope.to },
    messageId: mail.messageId,
  };
}
