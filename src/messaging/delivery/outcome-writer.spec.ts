import type { DataSource } from 'typeorm';
import { Outcome, OutcomeWriter } from './outcome-writer';

/** Records the ids of each statement; `failures` makes the next statements fail. */
function recordingDataSource(
  failures = 0,
  error = () => Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
) {
  const statements: string[][] = [];
  let left = failures;
  const client = {
    query: async ({ values }: { values: unknown[] }) => {
      await new Promise((r) => setTimeout(r, 1));
      if (left-- > 0) throw error();
      statements.push(values[0] as string[]);
      return { rows: [] };
    },
    release: () => undefined,
  };
  const dataSource = {
    driver: { master: { connect: async () => client } },
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

describe(OutcomeWriter.name, () => {
  it('writes a lone outcome at once, and those that arrive while it runs as one group', async () => {
    const { dataSource, statements } = recordingDataSource();
    const writer = new OutcomeWriter(dataSource);
    const written = Array.from({ length: 40 }, (_, i) => writer.record(outcome(i)));
    expect(writer.backlog).toBe(40);
    await Promise.all(written);
    expect(statements.map((s) => s.length)).toEqual([1, 39]);
    expect(statements.flat()).toEqual(Array.from({ length: 40 }, (_, i) => `m${i}`));
    expect(writer.backlog).toBe(0);
  });

  it('resolves a record only once its statement has run', async () => {
    const { dataSource, statements } = recordingDataSource();
    const writer = new OutcomeWriter(dataSource);
    let done = false;
    const first = writer.record(outcome(1)).then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    await first;
    expect(statements).toEqual([['m1']]);
  });

  it('retries a statement that lost its connection, so a sent message is not left looking unsent', async () => {
    const { dataSource, statements } = recordingDataSource(1);
    const writer = new OutcomeWriter(dataSource);
    await writer.record(outcome(1));
    expect(statements).toEqual([['m1']]);
  });

  it('rejects the group after the last try, and at once on an error that is not transient', async () => {
    const { dataSource } = recordingDataSource(4);
    const writer = new OutcomeWriter(dataSource);
    await expect(writer.record(outcome(1))).rejects.toThrow('reset');
    expect(writer.backlog).toBe(0);
    const syntax = recordingDataSource(1, () =>
      Object.assign(new Error('syntax'), { code: '42601' }),
    );
    const other = new OutcomeWriter(syntax.dataSource);
    await expect(other.record(outcome(2))).rejects.toThrow('syntax');
    expect(syntax.statements).toEqual([]);
  });
});
