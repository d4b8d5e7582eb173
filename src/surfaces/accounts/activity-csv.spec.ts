import { toCsv } from './activity-csv';
import type { ActivityEntry } from './activity.service';

describe('toCsv', () => {
  const entry = (overrides: Partial<ActivityEntry> = {}): ActivityEntry => ({
    id: '7',
    occurredAt: new Date('2026-12-05T10:00:00.000Z'),
    actorType: 'user',
    actorId: '0b9c1f6e-2d4f-4f53-9b61-2f1a4c7d8e90',
    actorName: 'ada@acme.test',
    action: 'campaign.launched',
    targetType: 'campaign',
    targetId: null,
    details: {},
    ...overrides,
  });

  it('writes a header row and one row per entry, CRLF, nulls empty, details as JSON', () => {
    expect(toCsv([entry({ details: { topic: 'news', kind: 'editorial' } })])).toBe(
      'id,occurredAt,actorType,actorId,actorName,action,targetType,targetId,details\r\n' +
        '7,2026-12-05T10:00:00.000Z,user,0b9c1f6e-2d4f-4f53-9b61-2f1a4c7d8e90,ada@acme.test,' +
        'campaign.launched,campaign,,"{""topic"":""news"",""kind"":""editorial""}"\r\n',
    );
  });

  it('quotes commas, quotes and line breaks, and defuses spreadsheet formulas', () => {
    const row = toCsv([entry({ actorName: '=HYPERLINK("x")', targetId: 'a,b\nc' })]).split(
      '\r\n',
    )[1];
    expect(row).toContain(`"'=HYPERLINK(""x"")"`);
    expect(row).toContain('"a,b\nc"');
  });
});
