import type { SendFailure } from './message-transport';

interface SmtpLikeError {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
  message?: string;
}

/**
 * 4xx and network trouble are temporary; 5xx is permanent, and a 5xx on RCPT TO or with an
 * enhanced status 5.1.x (bad mailbox, bad address) is a hard bounce.
 */
export function classifySmtpError(err: unknown): SendFailure {
  const e = (err ?? {}) as SmtpLikeError;
  const message = (e.response ?? e.message ?? String(err)).slice(0, 500);
  const code = e.responseCode;
  if (typeof code === 'number' && code >= 500 && code < 600) {
    const hardBounce = /RCPT/i.test(e.command ?? '') || /\b5\.1\.\d{1,3}\b/.test(e.response ?? '');
    return { permanent: true, hardBounce, message };
  }
  if (typeof code === 'number' && code >= 400 && code < 500)
    return { permanent: false, hardBounce: false, message };
  // An address nodemailer refuses before talking to the server can never succeed.
  if (e.code === 'EENVELOPE' && code === undefined)
    return { permanent: true, hardBounce: false, message };
  return { permanent: false, hardBounce: false, message };
}
