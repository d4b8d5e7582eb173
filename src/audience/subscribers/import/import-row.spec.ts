import { InvalidInputError } from '../../../platform/errors/domain-errors';
import { Topic } from '../../topics/topic.entity';
import {
  csvRow,
  ImportRow,
  ndjsonRow,
  parseTopicsOption,
  readCsvHeader,
  resolveTopicSpec,
  RowError,
  validateRow,
} from './import-row';

function topic(key: string, overrides: Partial<Topic> = {}): Topic {
  return {
    id: `id-${key}`,
    key,
    name: `Topic ${key}`,
    description: '',
    names: {},
    descriptions: {},
    kind: 'editorial',
    allowedFrequencies: ['weekly', 'monthly'],
    defaultFrequency: 'monthly',
    prospectsAllowed: true,
    isPublic: true,
    evergreenTemplate: null,
    archivedAt: null,
    createdAt: new Date(),
    updatedAt: new Date(),
    ...overrides,
  };
}

const topics = new Map(
  [topic('news'), topic('old', { archivedAt: new Date() }), topic('renewals')].map((t) => [
    t.key,
    t,
  ]),
);

const HEADER = readCsvHeader([
  'Email',
  'name',
  'locale',
  'timezone',
  'is_customer',
  'topics',
  'attr.plan',
  'date.renewal_date',
]);

function csv(line: number, cells: string[]): ImportRow | RowError[] {
  return validateRow(csvRow(HEADER, line, cells), 'csv', topics);
}

function json(line: number, value: unknown): ImportRow | RowError[] {
  return validateRow(ndjsonRow(line, JSON.stringify(value)), 'ndjson', topics);
}

describe('readCsvHeader', () => {
  it('refuses unknown, repeated and badly named columns, naming the column', () => {
    const attempt = (fields: string[]) => {
      try {
        readCsvHeader(fields);
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidInputError);
        return { field: (err as InvalidInputError).field, message: (err as Error).message };
      }
      throw new Error('expected the header to be refused');
    };
    expect(attempt(['email', 'colour'])).toEqual({
      field: 'colour',
      message: expect.stringContaining('Unknown column "colour" in the header (line 1)'),
    });
    expect(attempt(['email', 'name', 'NAME']).message).toContain('"NAME" appears twice');
    expect(attempt(['email', 'date.Renewal']).field).toBe('date.Renewal');
    expect(attempt(['name']).field).toBe('email');
    expect(attempt(['email', ' ']).message).toContain('Column 2 of the header');
  });
});

describe('validateRow (CSV)', () => {
  it('maps columns to fields, normalises the email and treats empty cells as not given', () => {
    expect(
      csv(2, [
        ' Ada@Example.TEST ',
        'Ada',
        'nl',
        'Europe/Amsterdam',
        'Yes',
        'news:weekly | renewals',
        'family',
        '2027-01-15',
      ]),
    ).toEqual({
      line: 2,
      email: 'ada@example.test',
      name: 'Ada',
      locale: 'nl',
      timezone: 'Europe/Amsterdam',
      isCustomer: true,
      attributes: { plan: 'family' },
      dates: { renewal_date: '2027-01-15' },
      topics: [
        { topic: topics.get('news'), frequency: 'weekly' },
        { topic: topics.get('renewals'), frequency: 'monthly' },
      ],
    });
    const sparse = csv(3, ['b@example.test', '', '', '', '', '', '', '']) as ImportRow;
    expect(sparse).toEqual({ line: 3, email: 'b@example.test', topics: [] });
  });

  it('reports every problem of a row with the column that has it', () => {
    expect(
      csv(7, [
        'not-an-email',
        '',
        'fr',
        'Mars/Olympus',
        'maybe',
        'nope|old|news:daily',
        '',
        '2027-02-30',
      ]),
    ).toEqual([
      {
        line: 7,
        field: 'is_customer',
        message: 'is_customer must be true, false, 1, 0, yes or no',
      },
      { line: 7, field: 'email', message: 'email must be a valid email address' },
      { line: 7, field: 'locale', message: expect.stringContaining('locale must be one of') },
      {
        line: 7,
        field: 'timezone',
        message: 'timezone must be an IANA time zone such as Europe/Amsterdam',
      },
      {
        line: 7,
        field: 'date.renewal_date',
        message: 'date.renewal_date must be a calendar date as YYYY-MM-DD',
      },
      { line: 7, field: 'topics', message: 'topic "nope" not found' },
      { line: 7, field: 'topics', message: expect.stringContaining('"old" is archived') },
      {
        line: 7,
        field: 'topics',
        message: 'frequency "daily" is not offered by topic "news" (weekly, monthly)',
      },
    ]);
  });

  it('keeps attribute columns with awkward names as attributes', () => {
    const header = readCsvHeader(['email', 'attr.__proto__', 'attr.constructor']);
    const row = validateRow(csvRow(header, 2, ['h@example.test', 'a', 'b']), 'csv', topics);
    expect(JSON.stringify((row as ImportRow).attributes)).toBe(
      '{"__proto__":"a","constructor":"b"}',
    );
  });

  it('normalises line breaks in attributes as the API does (a quoted cell may hold CRLF)', () => {
    const row = csv(3, ['n@example.test', '', '', '', '', '', 'family\r\nplan\rB', '']);
    expect((row as ImportRow).attributes).toEqual({ plan: 'family\nplan\nB' });
  });

  it('refuses a row whose field count differs from the header', () => {
    expect(csv(4, ['a@example.test', 'A'])).toEqual([
      { line: 4, field: 'row', message: 'the row has 2 fields; the header has 8' },
    ]);
  });

  it('applies the API attribute size limit', () => {
    const cells = ['c@example.test', '', '', '', '', '', 'x'.repeat(17 * 1024), ''];
    expect(csv(5, cells)).toEqual([
      { line: 5, field: 'attributes', message: expect.stringContaining('at most 16384 bytes') },
    ]);
  });
});

describe('validateRow (NDJSON)', () => {
  it('accepts the API shape with topics as strings or objects, and null to remove', () => {
    expect(
      json(1, {
        email: 'd@example.test',
        isCustomer: false,
        attributes: { plan: null, seats: 3 },
        dates: { renewal_date: '2028-02-29', warranty_expires_on: null },
        topics: ['news', { topic: 'renewals', frequency: 'weekly' }],
      }),
    ).toEqual({
      line: 1,
      email: 'd@example.test',
      isCustomer: false,
      attributes: { plan: null, seats: 3 },
      dates: { renewal_date: '2028-02-29', warranty_expires_on: null },
      topics: [
        { topic: topics.get('news'), frequency: 'monthly' },
        { topic: topics.get('renewals'), frequency: 'weekly' },
      ],
    });
  });

  it('normalises line breaks in attributes, at any depth', () => {
    const row = json(2, { email: 'n@example.test', attributes: { a: 'x\r\ny', b: ['z\r'] } });
    expect((row as ImportRow).attributes).toEqual({ a: 'x\ny', b: ['z\n'] });
  });

  it('names unknown keys, bad values and unreadable lines', () => {
    expect(json(3, { email: 'e@example.test', colour: 'red', isCustomer: 'yes' })).toEqual([
      { line: 3, field: 'colour', message: 'colour should not exist' },
      { line: 3, field: 'isCustomer', message: 'isCustomer must be a boolean value' },
    ]);
    expect(json(4, { email: 'f@example.test', dates: { 'Renewal Date': '2027-01-01' } })).toEqual([
      { line: 4, field: 'dates.Renewal Date', message: expect.stringMatching(/a date name must/) },
    ]);
    expect(json(5, { email: 'g@example.test', topics: 'news' })).toEqual([
      { line: 5, field: 'topics', message: expect.stringContaining('must be a list') },
    ]);
    expect(validateRow(ndjsonRow(6, '{"email":'), 'ndjson', topics)).toEqual([
      { line: 6, field: 'row', message: expect.stringMatching(/^the line is not valid JSON/) },
    ]);
    expect(validateRow(ndjsonRow(8, '[1,2]'), 'ndjson', topics)).toEqual([
      { line: 8, field: 'row', message: 'each line must be a JSON object' },
    ]);
  });
});

describe('topic choices', () => {
  it('resolves key, key:frequency and objects; explains what is wrong otherwise', () => {
    expect(resolveTopicSpec('news', topics)).toEqual({
      topic: topics.get('news'),
      frequency: 'monthly',
    });
    expect(resolveTopicSpec({ topic: 'news', colour: 'x' }, topics)).toMatch(/colour should not/);
    expect(resolveTopicSpec(42, topics)).toMatch(/entries must be/);
  });

  it('parses the topics option, later entries winning, and refuses it as a whole naming topics', () => {
    expect(parseTopicsOption('news, renewals:weekly,news:weekly', topics)).toEqual([
      { topic: topics.get('news'), frequency: 'weekly' },
      { topic: topics.get('renewals'), frequency: 'weekly' },
    ]);
    expect(parseTopicsOption(undefined, topics)).toEqual([]);
    expect(() => parseTopicsOption('news,ghost', topics)).toThrow(
      expect.objectContaining({ field: 'topics', message: 'topics: topic "ghost" not found' }),
    );
  });
});
