import { parsePeriod, previousPeriod, resolvePeriod } from '../../lib/period.js';
import { InputValidationError } from '../../lib/errors.js';

describe('period', () => {
  describe('previousPeriod', () => {
    it('is the calendar month before the run time', () => {
      expect(previousPeriod(new Date('2026-11-01T06:00:00Z')).key).toBe('2026-10');
    });
    it('wraps January back to December of the year before', () => {
      expect(previousPeriod(new Date('2026-01-01T00:30:00Z'))).toEqual({ year: 2025, month: 12, key: '2025-12' });
    });
    it('uses UTC, not local time, at a month boundary', () => {
      // 23:30 on Oct 31 in UTC-5 is already Nov 1 in UTC: the previous month is October.
      expect(previousPeriod(new Date('2026-10-31T23:30:00-05:00')).key).toBe('2026-10');
    });
  });

  describe('parsePeriod', () => {
    const now = new Date('2026-11-25T00:00:00Z');
    it('accepts YYYY-MM up to the month before the current one', () => {
      expect(parsePeriod('2026-10', now)).toEqual({ year: 2026, month: 10, key: '2026-10' });
      expect(parsePeriod('2024-02', now).month).toBe(2);
    });
    it('refuses the current (open) month unless allowOpenPeriod, naming the flag', () => {
      expect(() => parsePeriod('2026-11', now)).toThrow(InputValidationError);
      expect(() => parsePeriod('2026-11', now)).toThrow(/not over yet.*--allow-open-period/);
      expect(parsePeriod('2026-11', now, 'period', { allowOpenPeriod: true })).toEqual({
        year: 2026,
        month: 11,
        key: '2026-11',
      });
    });
    it.each(['2026-13', '2026-00', '26-10', '2026-1', '2026/10', '', '2026-10-01'])(
      'rejects %p naming the field',
      (value) => {
        expect(() => parsePeriod(value, now)).toThrow(InputValidationError);
        expect(() => parsePeriod(value, now)).toThrow(/period must be a month as YYYY-MM/);
      },
    );
    it('rejects a month in the future', () => {
      expect(() => parsePeriod('2026-12', now)).toThrow(/in the future/);
    });
    it('resolvePeriod defaults to the previous month', () => {
      expect(resolvePeriod(undefined, now).key).toBe('2026-10');
    });
  });
});
