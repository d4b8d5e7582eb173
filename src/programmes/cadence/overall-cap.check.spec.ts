import { CAP_WINDOW_MS, roomAt } from './overall-cap.check';

describe(roomAt.name, () => {
  const at = (iso: string) => new Date(iso);

  it('has room now below the cap', () => {
    expect(roomAt([], 1)).toBeNull();
    expect(roomAt([at('2027-03-01T10:00:00Z')], 2)).toBeNull();
  });

  it('at the cap, opens when the oldest counted message leaves the 7-day window', () => {
    const counted = [at('2027-03-01T10:00:00Z'), at('2027-03-03T08:00:00Z')];
    expect(roomAt(counted, 2)).toEqual(new Date(counted[0].getTime() + CAP_WINDOW_MS));
  });

  it('over the cap (a lowered cap), opens once enough have left for one more to fit', () => {
    const counted = [
      at('2027-03-01T10:00:00Z'),
      at('2027-03-02T10:00:00Z'),
      at('2027-03-03T10:00:00Z'),
      at('2027-03-04T10:00:00Z'),
    ];
    // Cap 2 with 4 counted: the 3 oldest must leave, so the third's send time + 7 days.
    expect(roomAt(counted, 2)).toEqual(new Date(counted[2].getTime() + CAP_WINDOW_MS));
    expect(roomAt(counted, 1)).toEqual(new Date(counted[3].getTime() + CAP_WINDOW_MS));
  });
});
