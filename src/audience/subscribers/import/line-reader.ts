import { StringDecoder } from 'node:string_decoder';

/** Longest physical line (and longest CSV record) an import accepts, in characters. */
export const MAX_LINE_CHARS = 1024 * 1024;

export interface PhysicalLine {
  /** 1-based line number in the file. */
  no: number;
  /** The line without its line break (and without a byte-order mark on line 1). */
  text: string;
  /** The line was longer than the limit; `text` is empty and the line is to be reported. */
  tooLong?: boolean;
}

/**
 * Splits a byte stream into numbered lines (LF or CRLF), decoding UTF-8 across chunk boundaries.
 * Pulls one chunk at a time from the source, so a slow consumer pauses the source (for an HTTP
 * request, TCP backpressure) and memory holds at most one chunk plus one line.
 */
export async function* readLines(
  source: AsyncIterable<Buffer | string>,
  maxChars = MAX_LINE_CHARS,
): AsyncGenerator<PhysicalLine> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let no = 0;
  // While true, the current line already exceeded the limit and its rest is being discarded.
  let skipping = false;

  const finish = (text: string): PhysicalLine => {
    no += 1;
    if (skipping) {
      skipping = false;
      return { no, text: '', tooLong: true };
    }
    if (no === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    return { no, text };
  };

  for await (const chunk of source) {
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    carry = '';
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      yield finish(skipping ? '' : text.slice(start, nl));
      start = nl + 1;
    }
    if (!skipping) {
      carry = text.slice(start);
      if (carry.length > maxChars) {
        skipping = true;
        carry = '';
      }
    }
  }
  const rest = carry + decoder.end();
  if (rest.length > 0 || skipping) yield finish(skipping ? '' : rest);
}
