import { Condition, conditionProblem, evaluate } from './condition';

describe('conditionProblem', () => {
  it('accepts comparisons and nested combinators', () => {
    expect(
      conditionProblem({
        all: [
          { path: 'vehicle_age_years', op: 'gte', value: 8 },
          {
            any: [
              { path: 'cover', op: 'eq', value: 'all-risk' },
              { not: { path: 'x', op: 'exists' } },
            ],
          },
          { path: 'plan', op: 'in', value: ['family', 'solo'] },
        ],
      }),
    ).toBeNull();
  });

  it('names the part that is wrong', () => {
    expect(
      conditionProblem({
        all: [
          { path: 'a', op: 'gte', value: 1 },
          { path: 'b', op: 'like', value: 'x' },
        ],
      }),
    ).toEqual({
      path: 'all.1.op',
      message: expect.stringContaining('must be one of eq, ne'),
    });
    expect(conditionProblem({ path: 'a b', op: 'eq', value: 1 })?.path).toBe('path');
    expect(conditionProblem({ path: 'x.__proto__', op: 'eq', value: 1 })?.path).toBe('path');
    expect(conditionProblem({ path: 'a', op: 'gt', value: true })?.path).toBe('value');
    expect(conditionProblem({ path: 'a', op: 'in', value: [] })?.path).toBe('value');
    expect(conditionProblem({ path: 'a', op: 'exists', value: 1 })?.path).toBe('value');
    expect(conditionProblem({ path: 'a', op: 'eq' })?.path).toBe('value');
    expect(conditionProblem({ path: 'a', op: 'eq', value: 1, code: 'x' })?.path).toBe('code');
    expect(conditionProblem({ all: [] })?.path).toBe('all');
    expect(conditionProblem({ all: [{ path: 'a', op: 'exists' }], any: [] })?.path).toBe('');
    expect(conditionProblem('vehicle_age_years >= 8')).toEqual({
      path: '',
      message: 'must be an object',
    });
  });

  it('refuses conditions that are too deep or too large', () => {
    let deep: Condition = { path: 'a', op: 'exists' };
    for (let i = 0; i < 8; i++) deep = { not: deep };
    expect(conditionProblem(deep)?.message).toContain('nest at most');
    const wide = { any: Array.from({ length: 60 }, () => ({ path: 'a', op: 'exists' })) };
    expect(conditionProblem(wide)?.message).toContain('at most 50 parts');
  });
});

describe('evaluate', () => {
  const car = { vehicle_age_years: 9, cover: 'all-risk', usage: { percent: '91.5' }, plan: null };

  it('compares numbers, numeric strings and strings; missing fields are false', () => {
    expect(evaluate({ path: 'vehicle_age_years', op: 'gte', value: 8 }, car)).toBe(true);
    expect(evaluate({ path: 'vehicle_age_years', op: 'lt', value: 8 }, car)).toBe(false);
    expect(evaluate({ path: 'usage.percent', op: 'gte', value: 90 }, car)).toBe(true);
    expect(evaluate({ path: 'cover', op: 'gt', value: 5 }, car)).toBe(false);
    expect(evaluate({ path: 'cover', op: 'lt', value: 'b' }, car)).toBe(true);
    expect(evaluate({ path: 'absent', op: 'gte', value: 0 }, car)).toBe(false);
    expect(evaluate({ path: 'vehicle_age_years.x', op: 'exists' }, car)).toBe(false);
  });

  it('handles eq, ne, in, exists and missing, including null', () => {
    expect(evaluate({ path: 'cover', op: 'eq', value: 'all-risk' }, car)).toBe(true);
    expect(evaluate({ path: 'cover', op: 'ne', value: 'all-risk' }, car)).toBe(false);
    expect(evaluate({ path: 'absent', op: 'ne', value: 'x' }, car)).toBe(true);
    expect(evaluate({ path: 'plan', op: 'eq', value: null }, car)).toBe(true);
    expect(evaluate({ path: 'vehicle_age_years', op: 'in', value: [8, 9] }, car)).toBe(true);
    expect(evaluate({ path: 'plan', op: 'exists' }, car)).toBe(false);
    expect(evaluate({ path: 'plan', op: 'missing' }, car)).toBe(true);
  });

  it('combines with all, any and not', () => {
    const advise: Condition = {
      all: [
        { path: 'vehicle_age_years', op: 'gte', value: 8 },
        { not: { path: 'cover', op: 'ne', value: 'all-risk' } },
      ],
    };
    expect(evaluate(advise, car)).toBe(true);
    expect(evaluate(advise, { ...car, cover: 'third-party' })).toBe(false);
    expect(
      evaluate(
        {
          any: [
            { path: 'absent', op: 'exists' },
            { path: 'cover', op: 'exists' },
          ],
        },
        car,
      ),
    ).toBe(true);
  });

  it('never follows inherited properties', () => {
    expect(evaluate({ path: 'toString', op: 'exists' }, {})).toBe(false);
    expect(evaluate({ path: 'a.constructor', op: 'exists' }, { a: {} })).toBe(false);
  });
});
