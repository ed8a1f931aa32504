/**
 * The core's ports for stored records: the DynamoDB tables (accounts, mappings, usage, ledger, ownership,
 * account state, look-up cache) and the run's lock and month guard. Adapters live in lib/aws.
 */
import type { ClientStatus, RunStatusCounts, SyncOutcome } from '../../contract.js';
import type { Period } from '../../period.js';
import type { Account } from '../../records/account.js';
import type { Mapping } from '../../records/mapping.js';
import type { AccountItem, MappingItem, UsageItem, ValidationProblem } from '../../input/schemas.js';

/** A DynamoDB item that failed validation, reported by its key and fields (never fatal to the run). */
export interface InvalidItem {
  readonly key: Readonly<Record<string, string>>;
  readonly problems: readonly ValidationProblem[];
}

export interface Validated<T> {
  readonly items: readonly T[];
  readonly invalid: readonly InvalidItem[];
}

/** The records' shapes are declared once, field by field, in lib/records (defaults applied). */
export type { Account } from '../../records/account.js';
export type { Mapping } from '../../records/mapping.js';

export interface AccountsRepository {
  get(accountId: string): Promise<Account | InvalidItem | undefined>;
  list(): Promise<Validated<Account>>;
}

export interface MappingsRepository {
  listByAccount(accountId: string): Promise<Validated<Mapping>>;
}

export interface UsageRepository {
  listByPeriod(accountId: string, period: Period): Promise<Validated<UsageItem>>;
}

export interface LedgerRow {
  readonly accountId: string;
  readonly period: string;
  readonly clientId: string;
  readonly managedId: string;
  /** This run's outcome for the client. */
  readonly status: ClientStatus;
  readonly reason?: string | undefined;
  /** The usage table's figure; `billableSpaceGb` is what is billed (above the included allowance). */
  readonly usageGb?: number | undefined;
  readonly billableSpaceGb?: number | undefined;
  readonly companyId?: number | undefined;
  readonly companyIdentifier?: string | undefined;
  /** The company's name in ConnectWise, when the run read it (kept in the history). */
  readonly companyName?: string | undefined;
  readonly configurationId?: number | undefined;
  readonly retiredConfigurationIds?: readonly number[] | undefined;
  /** See ClientResult.carriedOver: kept out of the history unless the history lacks it. */
  readonly carriedOver?: true | undefined;
  readonly runId: string;
  readonly at: string;
}

/** One client's row for one account and period: the latest run's outcome, and what ConnectWise holds. */
export interface LedgerEntry {
  readonly clientId: string;
  readonly managedId: string;
  /**
   * What the period's billing is for this client: `published` whenever a run of this period wrote (or
   * found already written) its values, also when a later re-run found them `unchanged`; otherwise the
   * latest run's status (`retired`, `skipped`, `failed`).
   */
  readonly status: ClientStatus;
  /** The latest run's own status (may be `unchanged`). */
  readonly outcome: ClientStatus;
  readonly reason?: string;
  readonly usageGb?: number;
  readonly billableSpaceGb?: number;
  /** The last value written to (or confirmed in) ConnectWise for this period, kept across later failed runs. */
  readonly publishedGb?: number;
  readonly publishedAt?: string;
  readonly companyId?: number;
  readonly companyIdentifier?: string;
  readonly companyName?: string;
  readonly configurationId?: number;
  readonly retiredConfigurationIds?: readonly number[];
  readonly runId: string;
  readonly updatedAt: string;
}

/** One account run (one per account, period and runId), for `cwpub runs`. Written when the account ends. */
export interface RunRecord extends RunStatusCounts {
  readonly accountId: string;
  readonly period: string;
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly sync: SyncOutcome;
  readonly error?: string;
  /** `ok` or `failed` (a failed client, a failed sync or an account error). */
  readonly outcome: 'ok' | 'failed';
  /** How many invocations the run took (Step Functions continuations). */
  readonly invocations: number;
}

/**
 * One client's outcome in one run, as that run recorded it (issue 16). The history is append-only: a
 * later run of the same month adds entries and never rewrites one.
 */
export interface HistoryEntry {
  readonly accountId: string;
  readonly period: string;
  readonly runId: string;
  readonly at: string;
  readonly clientId: string;
  readonly managedId: string;
  readonly status: ClientStatus;
  readonly reason?: string;
  readonly usageGb?: number;
  readonly billableSpaceGb?: number;
  readonly companyId?: number;
  readonly companyIdentifier?: string;
  readonly companyName?: string;
  readonly configurationId?: number;
  readonly retiredConfigurationIds?: readonly number[];
}

export interface LedgerRepository {
  record(rows: readonly LedgerRow[]): Promise<void>;
  list(accountId: string, period: string): Promise<LedgerEntry[]>;
  recordRun(run: RunRecord): Promise<void>;
  /** Newest first. */
  listRuns(accountId: string, options?: { period?: string; limit?: number }): Promise<RunRecord[]>;
  /** A period's history, oldest first; only one run's or one client's entries when asked. Absent in fakes. */
  listHistory?(
    accountId: string,
    period: string,
    only?: { runId?: string; clientId?: string },
  ): Promise<HistoryEntry[]>;
}

/**
 * A configuration the account owns (contract v2 "Ownership"): created by the product, or adopted the
 * first time its client was published. Kept in the Ledger table, never expires.
 */
export interface OwnedConfiguration {
  readonly accountId: string;
  readonly clientId: string;
  readonly configurationId: number;
  readonly companyId: number;
  /** The company's identifier when it was last written (for reports; ids are what count). */
  readonly companyIdentifier?: string | undefined;
  /** The Managed ID the client had when this configuration was last written. */
  readonly managedId: string;
  readonly origin: 'created' | 'adopted';
  /** False once retired (deactivated); true again when re-activated. */
  readonly active: boolean;
  /** The period last published on it. */
  readonly period?: string | undefined;
  readonly retiredReason?: string | undefined;
  /** The period of the run that retired it: a run for an earlier period must not bring it back. */
  readonly retiredPeriod?: string | undefined;
  readonly updatedAt: string;
  readonly runId: string;
}

export interface OwnershipRepository {
  listByAccount(accountId: string): Promise<OwnedConfiguration[]>;
  /** The records and, reported apart, those that cannot be read: their clients fail (never silently dropped). */
  listChecked?(accountId: string): Promise<Validated<OwnedConfiguration>>;
  put(records: readonly OwnedConfiguration[]): Promise<void>;
}

/** Where each Managed ID was last found (Scale: re-read only those companies' Management tabs). */
export interface ResolutionCache {
  /** Managed ID → company ids it was found on. */
  load(accountId: string): Promise<ReadonlyMap<string, readonly number[]>>;
  save(accountId: string, found: ReadonlyMap<string, readonly number[]>): Promise<void>;
}

/**
 * What the product computes for itself per account and keeps in the Ledger table (contract v3): never
 * taken from an event or a payload.
 */
export interface AccountStateRepository {
  /** When a Management sync became owed (ISO time), undefined when none is owed. */
  syncOwedSince(accountId: string): Promise<string | undefined>;
  /** A run is about to change ConnectWise: the sync is owed until one succeeds. */
  oweSync(accountId: string, runId: string, at: string): Promise<void>;
  /** A sync started at `startedAt` succeeded: settles what was owed before it (not what came after). */
  syncDone(accountId: string, startedAt: string): Promise<void>;
  /**
   * The period's mass-retirement record. With `base`, stores it unless the period's first run already did
   * (that run's base wins); without, only reads.
   */
  monthGuard(accountId: string, period: string, base?: number): Promise<MonthGuard | undefined>;
  /** Clients retired this period for missing usage or a removed mapping (counted once each). */
  countRetired(accountId: string, period: string, clientIds: readonly string[]): Promise<void>;
}

export interface MonthGuard {
  /** Owned active configurations when the period's first run started. */
  readonly base: number;
  /** Clients retired in the period for missing usage or a removed mapping, by any run of it. */
  readonly retired: readonly string[];
}

/** One run per account at a time (contract v2). */
export interface RunLock {
  /** How long a lease lasts after it is taken or renewed. */
  readonly leaseMs: number;
  /**
   * Takes the account for `runId` (or renews it when `runId` already holds it). Returns undefined when
   * taken, else the runId of the run that holds it.
   */
  acquire(accountId: string, runId: string): Promise<{ heldBy: string; since: string } | undefined>;
  release(accountId: string, runId: string): Promise<void>;
  /**
   * Extends `runId`'s lease only if it still holds the account (no other run took it, even after the
   * lease ran out): false when it was lost. Never takes a free lock.
   */
  renew(accountId: string, runId: string): Promise<boolean>;
}

export type { AccountItem, MappingItem };
