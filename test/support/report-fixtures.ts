import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPORT_FIXTURES = join(__dirname, '..', 'fixtures', 'reports');

export interface FixtureValues {
  ledgerId: string;
  recipient: string;
  domain: string;
  /** Makes the report's own Message-ID unique; a fresh one unless given (give it to replay). */
  reportId?: string;
}

/** A raw report from test/fixtures/reports with its placeholders filled in (CRLF line ends, as on the wire). */
export function reportFixture(name: string, values: FixtureValues): Buffer {
  const text = readFileSync(join(REPORT_FIXTURES, name), 'utf8')
    .replaceAll('{{LEDGER_ID}}', values.ledgerId)
    .replaceAll('{{RECIPIENT}}', values.recipient)
    .replaceAll('{{DOMAIN}}', values.domain)
    .replaceAll('{{REPORT_ID}}', values.reportId ?? randomBytes(6).toString('hex'));
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8');
}
