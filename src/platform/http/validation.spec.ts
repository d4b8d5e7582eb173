import { validateSync } from 'class-validator';
import fc from 'fast-check';
import { IsSmallJsonObject, normaliseLineEndings, normaliseLineEndingsIn } from './validation';

describe('normaliseLineEndings', () => {
  it('turns CRLF and a lone CR into LF, and leaves LF and everything else alone', () => {
    expect(normaliseLineEndings('a\r\nb\rc\nd')).toBe('a\nb\nc\nd');
    expect(normaliseLineEndings('a\r\r\nb')).toBe('a\n\nb');
    expect(normaliseLineEndings('a\n\rb')).toBe('a\n\nb');
    expect(normaliseLineEndings('\r')).toBe('\n');
    expect(normaliseLineEndings('Zoë € 🎉\tx')).toBe('Zoë € 🎉\tx');
  });

  it('leaves no CR and keeps one line break for each CRLF, lone CR or lone LF', () => {
    const text = fc
      .array(fc.oneof(fc.constantFrom('\r', '\n', '\r\n', 'é', ' '), fc.string()), {
        maxLength: 30,
      })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (s) => {
        const out = normaliseLineEndings(s);
        expect(out).not.toContain('\r');
        expect(out.split('\n')).toEqual(s.split(/\r\n|\r|\n/));
      }),
      { numRuns: 300 },
    );
  });
});

describe('normaliseLineEndingsIn', () => {
  it('normalises every string value inside a JSON value, in place, keys and non-strings as they are', () => {
    const value = {
      note: 'one\r\ntwo',
      'key\r': 'x',
      n: 5,
      flag: true,
      none: null,
      list: ['a\rb', 3, { deep: [['c\r\nd']] }],
    };
    expect(normaliseLineEndingsIn(value)).toBe(value);
    expect(value).toEqual({
      note: 'one\ntwo',
      'key\r': 'x',
      n: 5,
      flag: true,
      none: null,
      list: ['a\nb', 3, { deep: [['c\nd']] }],
    });
    expect(normaliseLineEndingsIn('a\rb')).toBe('a\nb');
    expect(normaliseLineEndingsIn(42)).toBe(42);
    expect(normaliseLineEndingsIn(undefined)).toBeUndefined();
  });

  it('keeps a __proto__ key an own property, and copes with deep nesting', () => {
    const value = JSON.parse('{"__proto__":"a\\r\\nb","x":{"__proto__":{"y":"c\\rd"}}}');
    normaliseLineEndingsIn(value);
    expect(JSON.stringify(value)).toBe('{"__proto__":"a\\nb","x":{"__proto__":{"y":"c\\nd"}}}');
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);

    let deep: unknown = 'end\r';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    normaliseLineEndingsIn(deep);
    let inner = deep;
    while (Array.isArray(inner)) inner = inner[0];
    expect(inner).toBe('end\n');
  });
});

class Holder {
  @IsSmallJsonObject(1024)
  data!: unknown;
}

const valid = (data: unknown) => validateSync(Object.assign(new Holder(), { data })).length === 0;

describe(IsSmallJsonObject.name, () => {
  it('takes a plain, small object', () => {
    expect(valid({ plan: 'family', age: 9, nested: { ok: [1, 'two', null] } })).toBe(true);
  });

  it('refuses arrays, null, large or deep objects', () => {
    expect(valid([])).toBe(false);
    expect(valid(null)).toBe(false);
    expect(valid({ big: 'x'.repeat(2000) })).toBe(false);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { d: deep };
    expect(valid(deep)).toBe(false);
  });

  it('refuses text jsonb cannot store: NUL and unpaired surrogates, in values and keys', () => {
    expect(valid({ plan: 'a\u0000' })).toBe(false);
    expect(valid({ 'p\u0000': 1 })).toBe(false);
    expect(valid({ plan: ['\ud800'] })).toBe(false);
    expect(valid({ plan: '\ud83d\ude00' })).toBe(true);
  });
});
