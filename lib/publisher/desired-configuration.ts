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

/**
 * The billed GB in words, for reasons and findings: "usage 80 GB", or with an allowance
 * "billable space 30 GB (usage 80 GB, 50 GB included)".
 */
export function describeBilled(
  usage: { readonly billableSpaceGb: number },
  mapping: { readonly includedGb?: number | undefined },
): string {
  const billed = billableGb(usage.billableSpaceGb, mapping.includedGb);
  return mapping.includedGb
    ? `billable space ${billed} GB (usage ${usage.billableSpaceGb} GB, ${mapping.includedGb} GB included)`
    : `usage ${usage.billableSpaceGb} GB`;
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
