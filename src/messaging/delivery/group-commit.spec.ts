import { GroupCommit } from './group-commit';

/** A write that records its groups and finishes when told to. */
function controlledWrite() {
  const groups: number[][] = [];
  const finish: Array<() => void> = [];
  const write = (items: number[]) =>
    new Promise<number[]>((resolve) => {
      groups.push(items);
      finish.push(() => resolve(items.map((i) => i * 10)));
    });
  return { groups, finish, write };
}

const tick = () => new Promise((r) => setImmediate(r));

describe(GroupCommit.name, () => {
  it('writes a lone item at once and groups the items that arrive while it is written', async () => {
    const { groups, finish, write } = controlledWrite();
    const commit = new GroupCommit(write);
    const first = commit.submit(1);
    await tick();
    expect(groups).toEqual([[1]]);
    const later = [commit.submit(2), commit.submit(3), commit.submit(4)];
    await tick();
    expect(groups).toEqual([[1]]);
    expect(commit.backlog).toBe(4);
    finish[0]();
    await expect(first).resolves.toBe(10);
    await tick();
    expect(groups).toEqual([[1], [2, 3, 4]]);
    finish[1]();
    await expect(Promise.all(later)).resolves.toEqual([20, 30, 40]);
    expect(commit.backlog).toBe(0);
  });

  it('writes a group again after a transient database error, not after any other', async () => {
    let calls = 0;
    const flaky = new GroupCommit(
      async (items: number[]) => {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        return items;
      },
      { retryDelayMs: 1 },
    );
    await expect(flaky.submit(7)).resolves.toBe(7);
    expect(calls).toBe(2);

    let broken = 0;
    const wrong = new GroupCommit(
      async (): Promise<number[]> => {
        broken += 1;
        throw Object.assign(new Error('syntax error'), { code: '42601' });
      },
      { retryDelayMs: 1 },
    );
    await expect(wrong.submit(1)).rejects.toThrow('syntax error');
    expect(broken).toBe(1);
    expect(wrong.backlog).toBe(0);
  });
});
