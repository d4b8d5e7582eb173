import type { DataSource } from 'typeorm';
import { FLUSH_AT, Outcome, OutcomeWriter } from './outcome-writer';

/** Records the ids of each statement; `failures` makes the next statements fail. */
function recordingDataSource(failures = 0) {
  const statements: string[][] = [];
  let left = failures;
  const dataSource = {
    query: async (_sql: string, params: unknown[]) => {
      await new Promise((r) => setTimeout(r, 1));
      if (left-- > 0) throw new Error('connection reset');
      statements.push(params[0] as string[]);
    },
  } as unknown as DataSource;
  return { dataSource, statements };
}

const outcome = (n: number): Outcome => ({
  id: `m${n}`,
  status: 'sent',
  providerMessageId: `<m${n}@example.test>`,
  error: null,
  at: new Date('2027-01-01T10:00:00Z'),
});

describe('OutcomeWriter', () => {
  it('writes outcomes that arrive while a statement runs as one group, not one by one', async () => {
    const { dataSource, statements } = recordingDataSource();
    const writer = new OutcomeWriter(dataSource);
    const written = Array.from({ length: 40 }, (_, i) => writer.record(outcome(i)));
    expect(writer.backlog).toBe(40);
    await Promise.all(written);
    expect(statements.map((s) => s.length)).toEqual([FLUSH_AT, 40 - FLUSH_AT]);
    expect(statements.flat()).toEqual(Array.from({ length: 40 }, (_, i) => `m${i}`));
    expect(writer.backlog).toBe(0);
  });

  it('waits briefly for company, then writes a lone outcome', async () => {
    const { dataSource, statements } = recordingDataSource();
    const writer = new OutcomeWriter(dataSource);
    const first = writer.record(outcome(1));
    await new Promise((r) => setImmediate(r));
    expect(statements).toHaveLength(0);
    const second = writer.record(outcome(2));
    await Promise.all([first, second]);
    expect(statements).toEqual([['m1', 'm2']]);
  });

  it('retries a failed statement, so a sent message is not left looking unsent', async () => {
    const { dataSource, statements } = recordingDataSource(1);
    const writer = new OutcomeWriter(dataSource);
    await writer.record(outcome(1));
    expect(statements).toEqual([['m1']]);
  });

  it('rejects the group after the last try', async () => {
    const { dataSource } = recordingDataSource(3);
    const writer = new OutcomeWriter(dataSource);
    await expect(writer.record(outcome(1))).rejects.toThrow('connection reset');
    expect(writer.backlog).toBe(0);
  });
});
