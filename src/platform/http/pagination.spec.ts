import { InvalidInputError } from '../errors/domain-errors';
import { decodeCursor, encodeCursor } from './pagination';

describe('keyset cursors', () => {
  it('round-trips a position with microsecond timestamps', () => {
    const pos = {
      createdAt: '2026-11-23 10:00:00.123456+00',
      id: '7d0e3f0a-9c2b-4e7f-8a11-2f6b1c9d0e33',
    };
    expect(decodeCursor(encodeCursor(pos))).toEqual(pos);
  });

  it.each([
    '',
    'not-base64!',
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('{}').toString('base64url'),
  ])('refuses %p naming the cursor field', (bad) => {
    expect(() => decodeCursor(bad)).toThrow(InvalidInputError);
    try {
      decodeCursor(bad);
    } catch (e) {
      expect((e as InvalidInputError).field).toBe('cursor');
    }
  });
});
