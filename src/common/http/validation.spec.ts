import { validateSync } from 'class-validator';
import { IsSmallJsonObject } from './validation';

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
