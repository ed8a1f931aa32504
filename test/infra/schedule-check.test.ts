import { checkMonthlySchedule, isValidTimeZone, parseCron, zonedTimeToUtc } from '../../infra/schedule-check.js';

describe('Module: infra/schedule-check', () => {
  describe('Function: parseCron', () => {
    it('splits a six-field cron expression', () => {
      expect(parseCron('cron(0 6 1 * ? *)')).toEqual({
        minutes: '0',
        hours: '6',
        dayOfMonth: '1',
        month: '*',
        dayOfWeek: '?',
        year: '*',
      });
    });

    it.each(['rate(1 day)', 'cron(0 6 1 * ?)', '0 6 1 * ? *', 'at(2026-01-01T06:00:00)'])(
      'returns undefined for %j',
      (expression) => {
        expect(parseCron(expression)).toBeUndefined();
      },
    );
  });

  describe('Function: isValidTimeZone', () => {
    it.each(['UTC', 'Europe/London', 'America/New_York', 'Australia/Sydney'])('accepts %s', (zone) => {
      expect(isValidTimeZone(zone)).toBe(true);
    });

    it.each(['', 'Nowhere/Special', ' UTC'])('rejects %j', (zone) => {
      expect(isValidTimeZone(zone)).toBe(false);
    });
  });

  describe('Function: zonedTimeToUtc', () => {
    it('converts wall-clock time in a zone to UTC, daylight saving time included', () => {
      expect(zonedTimeToUtc('America/New_York', 2026, 1, 1, 6, 0).toISOString()).toBe('2026-01-01T11:00:00.000Z');
      expect(zonedTimeToUtc('America/New_York', 2026, 7, 1, 6, 0).toISOString()).toBe('2026-07-01T10:00:00.000Z');
      expect(zonedTimeToUtc('UTC', 2026, 3, 1, 6, 0).toISOString()).toBe('2026-03-01T06:00:00.000Z');
    });
  });

  describe('Function: checkMonthlySchedule', () => {
    it.each([
      ['cron(0 6 1 * ? *)', 'UTC'],
      ['cron(0 6 1 * ? *)', 'America/Los_Angeles'],
      ['cron(0 9 1 * ? *)', 'Europe/Berlin'],
      ['cron(30 12 1 * ? *)', 'Asia/Tokyo'],
      ['cron(0 6 1,15 * ? *)', 'UTC'],
      ['cron(0 6 ? * MON#1 *)', 'UTC'],
    ])('accepts %s in %s', (expression, zone) => {
      expect(() => checkMonthlySchedule(expression, zone)).not.toThrow();
    });

    it('rejects a schedule that fires in the previous month in UTC', () => {
      expect(() => checkMonthlySchedule('cron(0 6 1 * ? *)', 'Pacific/Auckland')).toThrow(
        /^schedule "cron\(0 6 1 \* \? \*\)" in time zone "Pacific\/Auckland" fires at \d{4}-\d\d-(28|29|30|31)T17:00:00.000Z, which is not in the same month in UTC/,
      );
    });

    it('rejects a late-evening schedule behind UTC that crosses into the next month', () => {
      expect(() => checkMonthlySchedule('cron(0 22 28 * ? *)', 'America/Los_Angeles')).toThrow(
        /would publish the wrong month/,
      );
    });

    it('rejects a day of the month that some months lack', () => {
      expect(() => checkMonthlySchedule('cron(0 6 31 * ? *)', 'UTC')).toThrow(
        /runs on day 31, which some months do not have/,
      );
    });

    it('rejects out-of-range fields', () => {
      expect(() => checkMonthlySchedule('cron(0 25 1 * ? *)', 'UTC')).toThrow(/out of range/);
    });

    it('requires "?" in day-of-month or day-of-week', () => {
      expect(() => checkMonthlySchedule('cron(0 6 1 * MON *)', 'UTC')).toThrow(
        /must have "\?" in its day-of-month or day-of-week field/,
      );
    });
  });
});
