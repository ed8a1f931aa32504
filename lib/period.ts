import { InputValidationError } from './errors.js';

/** A billing period, `YYYY-MM`, always a calendar month in UTC. */
export interface Period {
  readonly year: number;
  readonly month: number; // 1–12
  readonly key: string; // YYYY-MM
}

const PERIOD_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function makePeriod(year: number, month: number): Period {
  return { year, month, key: `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}` };
}

/** The calendar month before `now`, in UTC: a run on 2026-01-01T00:30Z bills 2025-12. */
export function previousPeriod(now: Date): Period {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth() + 1;
  return month === 1 ? makePeriod(year - 1, 12) : makePeriod(year, month - 1);
}

export function currentPeriod(now: Date): Period {
  return makePeriod(now.getUTCFullYear(), now.getUTCMonth() + 1);
}

export interface PeriodRules {
  /** Accept the current calendar month, which is not over yet (contract v2: refused unless asked). */
  readonly allowOpenPeriod?: boolean | undefined;
}

/**
 * Parses an explicit `YYYY-MM`. Months after the run's own month are rejected: usage for them cannot
 * exist yet, so asking for one is a typo, and publishing it would bill a customer in advance. The
 * current month is refused too unless `allowOpenPeriod`: its usage is still growing.
 */
export function parsePeriod(value: string, now: Date, field = 'period', rules: PeriodRules = {}): Period {
  const match = PERIOD_PATTERN.exec(value);
  if (!match) {
    throw new InputValidationError(`${field} must be a month as YYYY-MM (e.g. 2026-10), got "${value}"`, { field });
  }
  const period = makePeriod(Number(match[1]), Number(match[2]));
  if (period.year < 2000) {
    throw new InputValidationError(`${field} ${value} is before the year 2000`, { field });
  }
  const current = currentPeriod(now);
  if (period.key > current.key) {
    throw new InputValidationError(`${field} ${value} is in the future (the current month is ${current.key})`, {
      field,
    });
  }
  if (period.key === current.key && rules.allowOpenPeriod !== true) {
    throw new InputValidationError(
      `${field} ${value} is the current month, which is not over yet: its usage is still growing. ` +
        `Publish ${previousPeriod(now).key} instead, or pass --allow-open-period (allowOpenPeriod: true) to publish it anyway`,
      { field },
    );
  }
  return period;
}

/** The explicit period when given, else the month before `now`. */
export function resolvePeriod(value: string | undefined, now: Date, rules: PeriodRules = {}): Period {
  return value === undefined ? previousPeriod(now) : parsePeriod(value, now, 'period', rules);
}

/** Compares two periods: negative when a is earlier. */
export function comparePeriods(a: Pick<Period, 'year' | 'month'>, b: Pick<Period, 'year' | 'month'>): number {
  return a.year * 12 + a.month - (b.year * 12 + b.month);
}
