import type { Period } from '../period.js';

/**
 * What a client's Backup Stats configuration should hold for a period: the one answer publish, dry
 * run and `cwpub verify` all use (contract "What a publish does" and v3 "Included allowance").
 */
export interface DesiredBackupStats {
  /** Billable Space: the usage above the plan's allowance, never below 0. */
  readonly billableSpaceGb: number;
  readonly year: number;
  readonly month: number;
  /** A client with usage is billed, also at 0 GB within its allowance: never retired for that. */
  readonly active: true;
}

/**
 * max(0, usage − included). Subtracting decimals leaves binary noise (10.3 − 0.1 = 10.200000000000001):
 * the difference is rounded to 1e-9 GB, far below anything ConnectWise shows or bills.
 */
export function billableGb(usageGb: number, includedGb: number | undefined): number {
  if (!includedGb) return usageGb;
  return Math.max(0, Math.round((usageGb - includedGb) * 1e9) / 1e9);
}

export function desiredConfiguration(
  usage: { readonly billableSpaceGb: number },
  mapping: { readonly includedGb?: number | undefined },
  period: Period,
): DesiredBackupStats {
  return {
    billableSpaceGb: billableGb(usage.billableSpaceGb, mapping.includedGb),
    year: period.year,
    month: period.month,
    active: true,
  };
}
