import type { Logger } from 'pino';
import type {
  ClientStatus,
  OutgoingDetailType,
  PlannedAction,
  RunStatusCounts,
  StatusCounts,
  SyncOutcome,
} from '../contract.js';
import type { ConnectWiseInspectionPort, ConnectWisePort } from '../connectwise/gateway.js';
import type { Period } from '../period.js';
import type { Account } from '../records/account.js';
import type { Mapping } from '../records/mapping.js';
import type { LookupJournal } from './resolution.js';
import type { StallStore } from './time-budget.js';
import type { AccountItem, ConnectWiseSecret, MappingItem, UsageItem, ValidationProblem } from '../schemas.js';

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
export type { Account } from '../records/account.js';
export type { Mapping } from '../records/mapping.js';

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

export interface SecretsPort {
  /** The validated secret; throws SecretError naming the field, never the value. */
  load(secretId: string): Promise<ConnectWiseSecret>;
}

/** Per-run connection options: the run's deadline bounds waits (429 Retry-After, backoff). */
export interface ConnectionOptions {
  /** Epoch ms after which the connection stops waiting and throws RunDeadlineError. Absent: no deadline. */
  readonly deadlineAt?: number | undefined;
}
export type ConnectWiseFactory = (
  secret: ConnectWiseSecret,
  account: Account,
  options?: ConnectionOptions,
) => Promise<ConnectWisePort>;
/** The same connection with the read-only extras `cwpub doctor` and `cwpub verify` need. */
export type InspectionFactory = (
  secret: ConnectWiseSecret,
  account: Account,
  options?: ConnectionOptions,
) => Promise<ConnectWiseInspectionPort>;

export interface EventSink {
  publish(detailType: OutgoingDetailType, detail: Record<string, unknown>): Promise<void>;
}

/** Optional progress display (the CLI draws bars on a terminal, one per account); the Lambda passes none. */
export interface ProgressPort {
  start(total: number, label: string): void;
  increment(by?: number): void;
  stop(): void;
}

export interface PublisherDeps {
  readonly accounts: AccountsRepository;
  readonly mappings: MappingsRepository;
  readonly usage: UsageRepository;
  readonly ledger: LedgerRepository;
  readonly ownership: OwnershipRepository;
  readonly accountState: AccountStateRepository;
  readonly resolutionCache: ResolutionCache;
  /**
   * One account run's journal: its Management tab look-up and its invocations without progress, kept so
   * the next invocation resumes the look-up and knows a stall; absent: neither is kept.
   */
  readonly runJournal?: ((accountId: string, runId: string) => LookupJournal & StallStore) | undefined;
  readonly runLock: RunLock;
  readonly secrets: SecretsPort;
  readonly connectWise: ConnectWiseFactory;
  /** Absent: no events are sent (EVENT_BUS_NAME unset). */
  readonly events?: EventSink | undefined;
  readonly clock: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly newRunId: () => string;
  readonly logger: Logger;
  /** One progress display per account (the CLI); absent in the Lambda. */
  readonly progress?: ((accountId: string) => ProgressPort) | undefined;
}

export type { ClientStatus, PlannedAction, SyncOutcome };

export interface ClientResult {
  readonly clientId: string;
  readonly managedId: string;
  readonly status: ClientStatus;
  /** On a dry run's `planned` results: what the run would do. */
  readonly action?: PlannedAction;
  readonly reason?: string;
  /** The client's usage for the period (contract v3); `billableSpaceGb` is the billed GB: usage above the mapping's included allowance. */
  readonly usageGb?: number;
  readonly billableSpaceGb?: number;
  readonly companyId?: number;
  readonly companyIdentifier?: string;
  /** The company's name in ConnectWise (a publish reads it; a retirement knows only the identifier). */
  readonly companyName?: string;
  readonly configurationId?: number;
  /** Configurations this run retired (or would retire) for the client: a move, duplicates, an offboarding. */
  readonly retiredConfigurationIds?: readonly number[];
  /**
   * True when an earlier run of the period made this outcome (a retirement reported again by a re-run, so
   * the month keeps it): the month's outcome, not a change of this run.
   */
  readonly carriedOver?: true;
}

/** Counts per status (published, unchanged, retired, skipped, failed, planned: one per row of CLIENT_STATUSES). */
export interface AccountSummary extends StatusCounts {
  readonly accountId: string;
  readonly sync: SyncOutcome;
  readonly syncReason?: string;
  /** Set when something stopped the whole account (invalid account item, secret, ConnectWise setup). */
  readonly error?: string;
  /** ConnectWise HTTP attempts this account's publish made. */
  readonly requests: number;
  readonly results: readonly ClientResult[];
}

export interface RunSummary {
  readonly runId: string;
  readonly period: string;
  readonly dryRun: boolean;
  readonly accounts: readonly AccountSummary[];
}

export type { AccountItem, MappingItem };
