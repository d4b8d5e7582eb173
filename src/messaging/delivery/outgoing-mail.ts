/** An email as delivery hands it to the MIME builder (mime.ts) and the transports. */
export interface OutgoingMail {
  from: string;
  to: { name: string; address: string };
  replyTo?: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
  headers: Record<string, string>;
}

/** Header values never carry CR/LF (no header injection through subscriber or topic data). */
export function headerSafe(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\r\n\u0000-\u001f\u007f]+/g, ' ').trim();
}
