import type {
  ConnectWiseInspectionPort,
  ConnectWisePort,
  ManagementTabWriter,
} from '../publisher/ports/connectwise.js';
import type { Period } from '../period.js';
import type {
  Account,
  ConnectionOptions,
  Mapping,
  MappingsRepository,
  ProgressPort,
  SecretsPort,
  UsageRepository,
} from '../publisher/ports/index.js';
import type { ConnectWiseSecret } from '../input/schemas.js';

/** What onboarding needs from ConnectWise: the solution, companies in bulk, Management tabs, and one POST. */
export type OnboardingConnection = Pick<
  ConnectWisePort,
  'findManagementItSolutions' | 'listCompanies' | 'listManagementEntries' | 'requestCount'
> &
  Pick<ConnectWiseInspectionPort, 'listManagementBackups'> &
  ManagementTabWriter;

export type OnboardingFactory = (
  secret: ConnectWiseSecret,
  account: Account,
  options?: ConnectionOptions,
) => Promise<OnboardingConnection>;

/** Each client's latest name from the usage table (the latest usage item that has one). */
export interface ClientNamesPort {
  latest(accountId: string): Promise<ReadonlyMap<string, string>>;
}

/** Writes a mapping only where there is none: returns false (nothing written) when the client has one. */
export interface MappingCreator {
  createIfAbsent(mapping: Mapping): Promise<boolean>;
}

export interface SuggestDeps {
  readonly mappings: MappingsRepository;
  readonly usage: UsageRepository;
  /** Absent: names come from the period's usage items only. */
  readonly clientNames?: ClientNamesPort | undefined;
  readonly secrets: SecretsPort;
  readonly connectWise: OnboardingFactory;
  /** A progress display while Management tabs are read (the CLI's bars). */
  readonly progress?: ProgressPort | undefined;
}

export interface AcceptDeps extends SuggestDeps {
  readonly mappingCreator: MappingCreator;
}

export interface SuggestInput {
  readonly account: Account;
  readonly period: Period;
}

export interface AcceptInput extends SuggestInput {
  /** Only these clients (each must have an `exact` suggestion, else it fails). Absent: every `exact` one. */
  readonly clientIds?: readonly string[] | undefined;
  /**
   * Called after planning, before any write, with what will be written; false writes nothing. The CLI
   * asks here, so the question carries the exact numbers and nothing is read twice.
   */
  readonly confirm?: ((plan: AcceptPlan) => Promise<boolean>) | undefined;
}

export type MatchKind = 'exact' | 'ambiguous' | 'none';
export type SuggestedAction = 'use-existing' | 'create';

export interface CompanyRef {
  readonly id: number;
  readonly identifier: string;
  readonly name: string;
}

/** One unmapped client (contract v3 JSON). `reason` (an extension) says why a match is ambiguous. */
export interface Suggestion {
  readonly clientId: string;
  readonly clientName: string | null;
  readonly match: MatchKind;
  readonly company?: CompanyRef;
  readonly managedId?: string;
  readonly action?: SuggestedAction;
  readonly candidates: readonly CompanyRef[];
  readonly reason?: string;
}

export interface SuggestionReport {
  readonly accountId: string;
  readonly period: string;
  readonly suggestions: readonly Suggestion[];
}

export interface AcceptPlan {
  /** The `exact` suggestions to apply. */
  readonly suggestions: readonly Suggestion[];
  /** Management tab entries to POST (one per company with a `create` suggestion). */
  readonly entriesToCreate: number;
  readonly mappingsToWrite: number;
}

/**
 * One client's outcome: `accepted` (mapping written; `entry` says whether its Management tab entry was
 * created or already there), `failed` (with the reason; nothing written for it, unless `entry` says
 * the entry was created), `skipped` (a mapping appeared meanwhile and was left as it was).
 */
export interface AcceptOutcome {
  readonly clientId: string;
  readonly clientName: string | null;
  readonly status: 'accepted' | 'failed' | 'skipped';
  readonly company?: CompanyRef;
  readonly managedId?: string;
  readonly action?: SuggestedAction;
  readonly entry?: 'created' | 'existing';
  readonly entryId?: number;
  /** The default agreement a created entry got (the only Active one the sync can bill on), if any. */
  readonly agreement?: { readonly id: number; readonly name: string };
  readonly mapping: 'written' | 'not-written';
  /** Something to do by hand (e.g. no default agreement could be chosen). */
  readonly note?: string;
  readonly reason?: string;
}

export interface AcceptReport {
  readonly accountId: string;
  readonly period: string;
  /** False when `confirm` said no: nothing was written. */
  readonly confirmed: boolean;
  readonly accepted: number;
  readonly failed: number;
  readonly skipped: number;
  readonly entriesCreated: number;
  readonly mappingsWritten: number;
  readonly outcomes: readonly AcceptOutcome[];
  /** ConnectWise HTTP attempts (suggest and accept together). */
  readonly requests: number;
}
