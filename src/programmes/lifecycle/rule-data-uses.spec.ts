import { covers } from '../../audience/purposes/data-purposes.service';
import { ruleDataUses } from './rule-data-uses';

describe(ruleDataUses.name, () => {
  it('names the date, the event type, condition paths and {attributes.x} in content, with their fields', () => {
    expect(
      ruleDataUses({
        triggerType: 'date',
        dateName: 'renewal_date',
        eventType: null,
        condition: null,
        content: {
          nl: { heading: 'Je {attributes.plan} op {date}', list: ['{attributes.car.age}'] },
        },
      }),
    ).toEqual([
      { kind: 'date', name: 'renewal_date', field: 'trigger.date' },
      { kind: 'attribute', name: 'plan', field: 'content.nl.heading' },
      { kind: 'attribute', name: 'car.age', field: 'content.nl.list.0' },
    ]);
    expect(
      ruleDataUses({
        triggerType: 'attribute',
        dateName: null,
        eventType: null,
        condition: {
          all: [{ path: 'plan', op: 'eq', value: 'x' }, { not: { path: 'age', op: 'exists' } }],
        },
        content: {},
      }),
    ).toEqual([
      { kind: 'attribute', name: 'plan', field: 'trigger.condition.all.0.path' },
      { kind: 'attribute', name: 'age', field: 'trigger.condition.all.1.not.path' },
    ]);
  });

  it('does not count an event condition as attributes: the event type covers its data', () => {
    expect(
      ruleDataUses({
        triggerType: 'event',
        dateName: null,
        eventType: 'usage.threshold',
        condition: { path: 'percentUsed', op: 'gte', value: 90 },
        content: {},
      }),
    ).toEqual([{ kind: 'event', name: 'usage.threshold', field: 'trigger.event' }]);
  });
});

describe(covers.name, () => {
  const purpose = {
    attributes: ['vehicle'],
    dates: ['renewal_date'],
    eventTypes: ['usage.threshold'],
  };
  it('covers a listed name, and attributes under a dotted parent, nothing else', () => {
    expect(covers(purpose, { kind: 'attribute', name: 'vehicle', field: 'x' })).toBe(true);
    expect(covers(purpose, { kind: 'attribute', name: 'vehicle.age', field: 'x' })).toBe(true);
    expect(covers(purpose, { kind: 'attribute', name: 'vehicles', field: 'x' })).toBe(false);
    expect(covers(purpose, { kind: 'date', name: 'renewal_date', field: 'x' })).toBe(true);
    expect(covers(purpose, { kind: 'date', name: 'vehicle', field: 'x' })).toBe(false);
    expect(covers(purpose, { kind: 'event', name: 'usage.threshold', field: 'x' })).toBe(true);
    expect(covers(purpose, { kind: 'event', name: 'usage', field: 'x' })).toBe(false);
  });
});
