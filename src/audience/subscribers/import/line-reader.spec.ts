import { Readable } from 'node:stream';
import { PhysicalLine, readLines } from './line-reader';

async function collect(chunks: (string | Buffer)[], max?: number): Promise<PhysicalLine[]> {
  const out: PhysicalLine[] = [];
  for await (const line of readLines(Readable.from(chunks, { objectMode: true }), max)) {
    out.push(line);
  }
  return out;
}

describe('readLines', () => {
  it('numbers LF and CRLF lines, drops a byte-order mark and keeps a last line without a break', async () => {
    const lines = await collect(['\uFEFFa,b\r\nc', ',d\n\n', 'e']);
    expect(lines).toEqual([
      { no: 1, text: 'a,b' },
      { no: 2, text: 'c,d' },
      { no: 3, text: '' },
      { no: 4, text: 'e' },
    ]);
  });

  it('decodes a multi-byte character split across chunks', async () => {
    const bytes = Buffer.from('naïve,Zoë\n', 'utf8');
    const lines = await collect([bytes.subarray(0, 3), bytes.subarray(3, 11), bytes.subarray(11)]);
    expect(lines).toEqual([{ no: 1, text: 'naïve,Zoë' }]);
  });

  it('reports an over-long line once and carries on with the next one', async () => {
    const lines = await collect(['ok\n', 'x'.repeat(30), 'y'.repeat(30), '\nnext\n'], 40);
    expect(lines).toEqual([
      { no: 1, text: 'ok' },
      { no: 2, text: '', tooLong: true },
      { no: 3, text: 'next' },
    ]);
  });
});
