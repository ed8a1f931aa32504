/**
 * Checks on the monthly schedule, done at synth time so a wrong schedule fails `cdk synth`
 * instead of publishing the wrong month in production.
 *
 * The function publishes "the calendar month before the run, UTC" (DESIGN.md). EventBridge
 * Scheduler fires at a wall-clock time in the operator's time zone, so a schedule such as
 * "the 1st at 06:00 in Pacific/Auckland" fires on the last day of the previous month in UTC
 * and would publish the month before the one the operator meant. `checkMonthlySchedule`
 * rejects such combinations.
 */

/** The six fields of an EventBridge Scheduler cron expression. */
export interface CronFields {
  readonly minutes: string;
  readonly hours: string;
  readonly dayOfMonth: string;
  readonly month: string;
  readonly dayOfWeek: string;
  readonly year: string;
}

const CRON_PATTERN = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/;
const INTEGER = /^\d{1,2}$/;

/** Parses `cron(min hour day-of-month month day-of-week year)`; undefined when it is not one. */
export function parseCron(expression: string): CronFields | undefined {
  const match = CRON_PATTERN.exec(expression.trim());
  if (!match) return undefined;
  const [, minutes, hours, dayOfMonth, month, dayOfWeek, year] = match;
  if (!minutes || !hours || !dayOfMonth || !month || !dayOfWeek || !year) return undefined;
  return { minutes, hours, dayOfMonth, month, dayOfWeek, year };
}

/** True when `name` is a time zone this Node.js (full ICU) knows, e.g. `UTC`, `Europe/London`. */
export function isValidTimeZone(name: string): boolean {
  if (name.trim() !== name || name === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Offset of `timeZone` from UTC at `instant`, in milliseconds (positive east of Greenwich). */
function offsetMs(timeZone: string, instant: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The UTC instant at which the wall-clock time `year-month-day hour:minute` occurs in `timeZone`. */
export function zonedTimeToUtc(
  timeZone: string,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
): Date {
  const wallClockAsUtc = Date.UTC(year, month - 1, day, hour, minute);
  // Two passes settle the offset, including on days when it changes (DST).
  let instant = wallClockAsUtc - offsetMs(timeZone, wallClockAsUtc);
  instant = wallClockAsUtc - offsetMs(timeZone, instant);
  return new Date(instant);
}

/** Years sampled by the month check: a fixed range keeps synth deterministic and covers DST rule changes. */
const SAMPLE_YEARS = [2025, 2026, 2027, 2028, 2029, 2030];

/**
 * Validates a monthly publish schedule and returns it unchanged.
 *
 * Always checked: the expression is a six-field `cron(...)` with `?` in day-of-month or
 * day-of-week, and the time zone is known. When minutes, hours and day-of-month are plain
 * numbers (the usual monthly schedule), also checked: the day exists in every month (1–28)
 * and the run's UTC date is in the same calendar month as its local date, so "the month
 * before the run" is the month the operator expects. Other forms (lists, ranges, `L`, `W`)
 * are passed through to EventBridge Scheduler unchecked.
 *
 * @throws Error naming the expression, the time zone and what is wrong
 */
export function checkMonthlySchedule(expression: string, timeZone: string): CronFields {
  const cron = parseCron(expression);
  if (!cron) {
    throw new Error(
      `schedule must be an EventBridge Scheduler cron expression with six fields, such as "cron(0 6 1 * ? *)" (got "${expression}")`,
    );
  }
  if (cron.dayOfMonth !== '?' && cron.dayOfWeek !== '?') {
    throw new Error(`schedule "${expression}" must have "?" in its day-of-month or day-of-week field`);
  }
  if (!isValidTimeZone(timeZone)) {
    throw new Error(
      `scheduleTimezone must be an IANA time zone name such as "UTC" or "Europe/London" (got "${timeZone}")`,
    );
  }
  if (!INTEGER.test(cron.minutes) || !INTEGER.test(cron.hours) || !INTEGER.test(cron.dayOfMonth)) return cron;

  const minute = Number(cron.minutes);
  const hour = Number(cron.hours);
  const day = Number(cron.dayOfMonth);
  if (minute > 59 || hour > 23 || day < 1 || day > 31) {
    throw new Error(`schedule "${expression}" has a minute, hour or day-of-month out of range`);
  }
  if (day > 28) {
    throw new Error(
      `schedule "${expression}" runs on day ${day}, which some months do not have, ` +
        'so those months would not be published; use a day from 1 to 28',
    );
  }
  for (const year of SAMPLE_YEARS) {
    for (let month = 1; month <= 12; month += 1) {
      const fires = zonedTimeToUtc(timeZone, year, month, day, hour, minute);
      if (fires.getUTCFullYear() !== year || fires.getUTCMonth() + 1 !== month) {
        throw new Error(
          `schedule "${expression}" in time zone "${timeZone}" fires at ${fires.toISOString()}, which is not in the same month in UTC, ` +
            "and the function publishes the month before the run's UTC date, " +
            'so it would publish the wrong month; choose a later hour or day',
        );
      }
    }
  }
  return cron;
}
