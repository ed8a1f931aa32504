import type { Configuration, ManagementSetup } from '../connectwise/types.js';
import type { Period } from '../period.js';

/**
 * Whether the Management sync bills a configuration (the model in shared/connectwise/REFERENCE.md,
 * kept here in one place): it is active, and not in the Management record's deleted status (a status
 * that is also the added one cannot mark anything as removed, so it is ignored).
 */
export function billsNow(configuration: Configuration, management: ManagementSetup | undefined): boolean {
  if (configuration.activeFlag === false) return false;
  const deleted = management?.deletedConfigurationStatus;
  if (!deleted || management?.addedConfigurationStatus?.id === deleted.id) return true;
  return configuration.status?.id !== deleted.id;
}

/** `YYYY-MM` of what the configuration holds, `?` for a missing part. */
export function heldPeriod(configuration: Configuration): string {
  const month = configuration.backupMonth;
  return `${configuration.backupYear ?? '?'}-${month === null || month === undefined ? '?' : String(month).padStart(2, '0')}`;
}

/** True when the configuration holds a month after `period` (a later publish wrote it). */
export function holdsLaterPeriod(configuration: Configuration, period: Period): boolean {
  const { backupYear: year, backupMonth: month } = configuration;
  if (typeof year !== 'number' || typeof month !== 'number') return false;
  return year > period.year || (year === period.year && month > period.month);
}

export function describeConfiguration(c: Configuration): string {
  return `#${c.id} on ${c.company.identifier ?? c.company.id} (${heldPeriod(c)}, ${c.backupBillableSpaceGb ?? 0} GB)`;
}
