import { Readable } from 'node:stream';
import { CsvRecord, readCsvRecords } from './csv-records';
import { readLines } from './line-reader';

async function records(text: string, max?: number): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  const lines = readLines(Readable.from([text], { objectMode: true }));
  for await (const r of readCsvRecords(lines, max)) out.push(r);
  return out;
}

describe('readCsvRecords', () => {
  it('splits plain and quoted fields, with "" as an escaped quote and empty fields kept', async () => {
    expect(await records('a,b,c\n"x, y","say ""hi""",\n ,"", z \n')).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', ''] },
      { line: 3, fields: [' ', '', ' z '] },
    ]);
  });

  it('numbers a multi-line record by the line it starts on, with CRLF inside the quotes', async () => {
    const text = 'email,name\r\na@x.test,"two\r\nlines"\r\n\r\nb@x.test,B\r\n';
    expect(await records(text)).toEqual([
      { line: 1, fields: ['email', 'name'] },
      { line: 2, fields: ['a@x.test', 'two\nlines'] },
      { line: 5, fields: ['b@x.test', 'B'] },
    ]);
  });

  it('allows blanks around a quoted field', async () => {
    expect(await records('a, "b" ,c\n')).toEqual([{ line: 1, fields: ['a', 'b', 'c'] }]);
  });

  it('reports a stray quote on its own line and reads the next line normally', async () => {
    expect(await records('h1,h2\na,5" screen\n"b"x,2\nc,3\n')).toEqual([
      { line: 1, fields: ['h1', 'h2'] },
      { line: 2, error: expect.stringContaining('a quote inside unquoted field 2') },
      { line: 3, error: expect.stringContaining('unexpected "x" after a closing quote') },
      { line: 4, fields: ['c', '3'] },
    ]);
  });

  it('stops with a fatal error naming the line of a quote that is never closed', async () => {
    expect(await records('h\n"open\nmore\nstill more\n')).toEqual([
      { line: 1, fields: ['h'] },
      { line: 2, error: expect.stringMatching(/never closed/), fatal: true },
    ]);
    const capped = await records(`h\n"${'x'.repeat(50)}\n${'y'.repeat(50)}\nz\n`, 80);
    expect(capped[1]).toEqual({
      line: 2,
      error: expect.stringMatching(/still open after 80 characters/),
      fatal: true,
    });
  });
});
