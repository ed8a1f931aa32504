/**
 * The ports of the publisher core, grouped by cohesion: stored records (records.ts), ConnectWise
 * (connectwise.ts) and how a run reports (reporting.ts); here, what a run is given (PublisherDeps) and what it returns.
 */
import type { Logger } from 'pino';
import type { ClientStatus, PlannedAction, StatusCounts, SyncOutcome } from '../../contract.js';
import type { LookupJournal } from '../resolution.js';
import type { StallStore } from '../time-budget.js';
import type { ConnectWiseFactory, SecretsPort } from './connectwise.js';
import type {
  AccountStateRepository,
  AccountsRepository,
  LedgerRepository,
  MappingsRepository,
  OwnershipRepository,
  ResolutionCache,
  RunLock,
  UsageRepository,
} from './records.js';
import type { EventSink, ProgressPort } from './reporting.js';

export type * from './records.js';
export type * from './connectwise.js';
export type * from './reporting.js';

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
