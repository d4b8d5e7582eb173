import { MAX_LINE_CHARS, PhysicalLine } from './line-reader';

export type CsvRecord =
  | { line: number; fields: string[] }
  /**
   * A record that cannot be read. `fatal` means the reader could not find where the next record
   * starts (an unclosed quote), so it stopped.
   */
  | { line: number; error: string; fatal?: boolean };

/**
 * Reads RFC 4180 records (comma-separated, `"` quoting with `""` as an escaped quote, line breaks
 * allowed inside quotes) from numbered lines, and numbers each record by the line it starts on.
 * Blank lines between records are skipped.
 *
 * Written here rather than taken from csv-parse: csv-parse counts a CRLF inside a quoted field as
 * two lines (so every later line number is off), and after a stray quote it swallows the records
 * that follow; an import has to name the right line for every row.
 */
export async function* readCsvRecords(
  lines: AsyncIterable<PhysicalLine>,
  maxRecordChars = MAX_LINE_CHARS,
): AsyncGenerator<CsvRecord> {
  const record = new CsvRecordBuilder();
  for await (const { no, text, tooLong } of lines) {
    if (record.open) {
      if (tooLong || record.size + text.length > maxRecordChars) {
        yield {
          line: record.start,
          error: `a quoted field that starts on this line is still open after ${maxRecordChars} characters (a missing closing quote?); the rest of the file was not read`,
          fatal: true,
        };
        return;
      }
    } else if (tooLong) {
      yield { line: no, error: `the line is longer than ${maxRecordChars} characters` };
      continue;
    } else if (text.trim() === '') {
      continue;
    }
    const done = record.feed(no, text);
    if (done) yield record.take();
  }
  if (record.open) {
    yield {
      line: record.start,
      error:
        'a quoted field that starts on this line is never closed (a missing closing quote?); the rest of the file was not read',
      fatal: true,
    };
  }
}

/** Parses one record, line by line; a quoted field may continue on the next line. */
export class CsvRecordBuilder {
  start = 0;
  size = 0;
  /** Inside a quoted field that continues on the next line. */
  open = false;
  private fields: string[] = [];
  private field = '';
  private error: string | null = null;

  /** Feeds one line; true when the record is complete (call take()). */
  feed(no: number, text: string): boolean {
    if (this.open) {
      this.field += '\n';
      this.size += text.length + 1;
    } else {
      this.start = no;
      this.size = text.length;
      // Fast path: most lines of a typical export have no quotes at all.
      if (!text.includes('"')) {
        this.fields = text.split(',');
        return true;
      }
    }
    const n = text.length;
    let i = 0;
    for (;;) {
      if (this.open) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          this.field += text.slice(i);
          return false;
        }
        this.field += text.slice(i, q);
        if (text.charCodeAt(q + 1) === 34) {
          this.field += '"';
          i = q + 2;
          continue;
        }
        this.open = false;
        i = q + 1;
        while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
        if (i < n && text[i] !== ',') {
          this.error = `unexpected ${JSON.stringify(text[i])} after a closing quote in field ${this.fields.length + 1}`;
          return true;
        }
        this.fields.push(this.field);
        this.field = '';
        if (i >= n) return true;
        i += 1;
        if (i === n) {
          this.fields.push('');
          return true;
        }
        continue;
      }
      // At the start of a field: a quote (after optional blanks) opens a quoted field.
      let j = i;
      while (j < n && (text[j] === ' ' || text[j] === '\t')) j++;
      if (text.charCodeAt(j) === 34) {
        this.open = true;
        i = j + 1;
        continue;
      }
      const comma = text.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      const value = text.slice(i, end);
      if (value.includes('"')) {
        this.error = `a quote inside unquoted field ${this.fields.length + 1}: put the field in quotes and write a quote in it as ""`;
        return true;
      }
      this.fields.push(value);
      if (comma < 0) return true;
      i = comma + 1;
      if (i === n) {
        this.fields.push('');
        return true;
      }
    }
  }

  /** The completed record; resets the builder. */
  take(): CsvRecord {
    const out: CsvRecord = this.error
      ? { line: this.start, error: this.error }
      : { line: this.start, fields: this.fields };
    this.fields = [];
    this.field = '';
    this.error = null;
    this.open = false;
    this.size = 0;
    return out;
  }
}
