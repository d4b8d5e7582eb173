import { InvalidInputError } from '../../platform/errors/domain-errors';
import { monthPeriod, perThousand, TrustByKindService } from './trust-by-kind.service';

describe(TrustByKindService.name, () => {
  describe('monthPeriod', () => {
    it('is the calendar month in UTC, `to` exclusive, across the year end', () => {
      expect(monthPeriod('2026-03')).toEqual({
        from: new Date('2026-03-01T00:00:00Z'),
        to: new Date('2026-04-01T00:00:00Z'),
      });
      expect(monthPeriod('2026-12')).toEqual({
        from: new Date('2026-12-01T00:00:00Z'),
        to: new Date('2027-01-01T00:00:00Z'),
      });
    });

    it('refuses what is not a month, naming the field', () => {
      for (const bad of ['2026-13', '2026-00', '2026-3', 'March', '1969-12']) {
        expect(() => monthPeriod(bad)).toThrow(InvalidInputError);
        try {
          monthPeriod(bad);
        } catch (err) {
          expect((err as InvalidInputError).field).toBe('month');
        }
      }
    });
  });

  describe('perThousand', () => {
    it('is n per thousand sent with 2 decimals, and null (not 0) when nothing was sent', () => {
      expect(perThousand(0, 0)).toBeNull();
      expect(perThousand(0, 10)).toBe(0);
      // Small denominators: one unsubscribe among 3 sent is 333.33 per thousand.
      expect(perThousand(1, 3)).toBe(333.33);
      expect(perThousand(1, 1)).toBe(1000);
      expect(perThousand(7, 12_345)).toBe(0.57);
    });
  });
});
