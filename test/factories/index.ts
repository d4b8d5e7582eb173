import { randomBytes } from 'node:crypto';

export const unique = (prefix = 'x') => `${prefix}-${randomBytes(4).toString('hex')}`;

export const uniqueEmail = (name = 'sub') =>
  `${name}.${randomBytes(5).toString('hex')}@example.test`;

export function topicInput(overrides: Record<string, unknown> = {}) {
  return {
    key: unique('topic'),
    name: 'Product news',
    description: 'What changed in the product',
    kind: 'editorial',
    allowedFrequencies: ['weekly', 'monthly'],
    defaultFrequency: 'monthly',
    prospectsAllowed: true,
    ...overrides,
  };
}

export function subscriberInput(overrides: Record<string, unknown> = {}) {
  return {
    email: uniqueEmail(),
    name: 'Ada',
    locale: 'en',
    timezone: 'Europe/Amsterdam',
    isCustomer: true,
    ...overrides,
  };
}
