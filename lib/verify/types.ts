import type {
  Addition,
  Agreement,
  Configuration,
  ConfigurationType,
  ManagementBackup,
  ManagementItSolution,
  ManagementSetup,
} from '../connectwise/types.js';
import type { Period } from '../period.js';
import type { Account, LedgerEntry, Mapping, OwnedConfiguration, Validated } from '../publisher/ports/index.js';
import type { ManagementTab } from '../publisher/resolution.js';
import type { UsageItem } from '../input/schemas.js';

/** A difference between ConnectWise and what should be billed: `cwpub verify` exits non-zero. */
export type MismatchKind =
  | 'invalid-item'
  | 'unresolved-company'
  | 'missing-configuration'
  | 'duplicate-configuration'
  | 'wrong-gb'
  | 'wrong-period'
  | 'configuration-on-other-company'
  | 'not-billed'
  | 'missing-addition'
  | 'duplicate-addition'
  | 'wrong-addition-quantity'
  | 'extra-addition'
  // Billing integrity (contract v2): an owned, active configuration bills a client that should not be billed for the period.
  | 'still-billed-disabled'
  | 'still-billed-removed'
  | 'still-billed-no-usage'
  | 'still-billed-moved'
  /** An addition not cancelled for a configuration that was retired, deactivated or deleted. */
  | 'addition-for-retired-configuration';

/**
 * Information, not mismatches. `stale-configuration` is no longer produced (an owned configuration
 * billing a client without usage is now the mismatch `still-billed-no-usage`; one we do not own is
 * a `foreign-configuration`); the kind stays for readers of older reports.
 */
export type NoteKind =
  | 'not-in-ledger'
  | 'usage-changed-since-publish'
  | 'stale-configuration'
  /** An owned configuration holds a later period than the one verified (a later publish): not compared. */
  | 'later-period'
  /** Active configurations of the type with one of our client ids that this account does not own: publish never changes them. */
  | 'foreign-configuration';

export interface Finding<K extends string> {
  readonly kind: K;
  readonly clientIds: readonly string[];
  readonly managedId?: string;
  readonly company?: string;
  readonly agreement?: string;
  readonly expected?: number | string;
  readonly found?: number | string;
  /** The ConnectWise configurations the finding is about (billing-integrity findings and notes). */
  readonly configurationIds?: readonly number[];
  readonly detail: string;
}

export type Mismatch = Finding<MismatchKind>;
export type Note = Finding<NoteKind>;

export interface ClientCheck {
  readonly clientId: string;
  readonly managedId: string;
  readonly status: 'ok' | 'mismatch' | 'skipped';
  readonly reason?: string;
  readonly usageGb?: number;
  /** What the publish bills: usage above the mapping's included allowance. */
  readonly billableSpaceGb?: number;
  readonly publishedGb?: number;
  readonly company?: string;
  readonly configurationIds?: readonly number[];
  readonly configurationGb?: number | null;
  readonly additionQuantity?: number | null;
  readonly billingLevel?: string;
}

export interface VerifyReport {
  readonly accountId: string;
  readonly period: string;
  /** True when ConnectWise matches what was published: no mismatch at all. */
  readonly ok: boolean;
  readonly checked: number;
  readonly clients: readonly ClientCheck[];
  readonly mismatches: readonly Mismatch[];
  readonly notes: readonly Note[];
}

export interface VerifyInput {
  readonly account: Account;
  readonly period: Period;
  readonly now: Date;
  readonly mappings: Validated<Mapping>;
  readonly usage: Validated<UsageItem>;
  readonly ledger: readonly LedgerEntry[];
  /** The configurations the account owns (contract v2 "Ownership"), active or retired. */
  readonly owned: readonly OwnedConfiguration[];
  readonly solution: ManagementItSolution;
  readonly type: ConfigurationType;
  /** The Management record the sync runs on: its deleted status makes a configuration unbillable. */
  readonly management?: ManagementSetup | undefined;
  /** Every company's Management tab (verify always looks everywhere). */
  readonly tab: ManagementTab;
  /** Configurations of the account's type (every company, active or not). */
  readonly configurations: readonly Configuration[];
  readonly agreements: readonly Agreement[];
  readonly backups: readonly ManagementBackup[];
  /** Additions of the agreements named by `agreementsToRead`. */
  readonly additions: ReadonlyMap<number, readonly Addition[]>;
}
