/**
 * The contract's names and tables (shared/DESIGN.md), in one place: the runtime (`lib/`, `functions/`)
 * and the infrastructure (`infra/`) import them from here, so a new status or event is one row.
 * This module imports nothing: infra code may load it without pulling in the runtime.
 */

/** EventBridge `Source` of the events the product sends. */
export const EVENT_SOURCE = 'connectwise-usage-publisher';

/** EventBridge detail types: in (`republish`) and out (`published`, `failed`). */
export const DETAIL_TYPES = {
  republish: 'Republish Requested',
  published: 'Usage Published',
  failed: 'Usage Publish Failed',
  scheduled: 'Scheduled Event',
} as const;
export type OutgoingDetailType = (typeof DETAIL_TYPES)['published' | 'failed'];

/**
 * Every per-client outcome and what it means. The summary's counts, the events, the Ledger, the
 * CLI tables and the alarm text all read this table.
 * - `billed`: after the run, ConnectWise bills this client for the period through one of our configurations;
 * - `failure`: counts as a failure (exit status, `Usage Publish Failed`);
 * - `inEvent`: listed one by one in the run event's `results` (the rest are only counted);
 * - `eventOrder`: order of the listed results (lower first), so a trimmed event keeps the most important;
 * - `triggersSync`: ConnectWise must re-sync after it (the sync bills or cancels additions);
 * - `words`: what the CLI says for it.
 */
export const CLIENT_STATUSES = {
  published: { billed: true, failure: false, inEvent: false, eventOrder: 9, triggersSync: true, words: 'published' },
  unchanged: {
    billed: true,
    failure: false,
    inEvent: false,
    eventOrder: 9,
    triggersSync: true,
    words: 'already up to date',
  },
  retired: {
    billed: false,
    failure: false,
    inEvent: true,
    eventOrder: 1,
    triggersSync: true,
    words: 'billing stopped (retired)',
  },
  skipped: { billed: false, failure: false, inEvent: true, eventOrder: 2, triggersSync: false, words: 'skipped' },
  failed: { billed: false, failure: true, inEvent: true, eventOrder: 0, triggersSync: false, words: 'FAILED' },
  planned: { billed: false, failure: false, inEvent: false, eventOrder: 9, triggersSync: false, words: 'would change' },
} as const satisfies Record<string, StatusInfo>;

export interface StatusInfo {
  readonly billed: boolean;
  readonly failure: boolean;
  readonly inEvent: boolean;
  readonly eventOrder: number;
  readonly triggersSync: boolean;
  readonly words: string;
}

export type ClientStatus = keyof typeof CLIENT_STATUSES;
export const CLIENT_STATUS_NAMES = Object.keys(CLIENT_STATUSES) as ClientStatus[];

/** One count per status: the summary's, the run record's and (but `planned`) the event's. */
export type StatusCounts = { readonly [S in ClientStatus]: number };
/** A real run has no `planned` results: the counts its event and its run record carry. */
export type RunStatusCounts = Omit<StatusCounts, 'planned'>;
export const RUN_STATUS_NAMES = CLIENT_STATUS_NAMES.filter(
  (s): s is Exclude<ClientStatus, 'planned'> => s !== 'planned',
);

/** What a dry run's `planned` result would do. */
export type PlannedAction = 'publish' | 'retire';

export type SyncOutcome = 'triggered' | 'failed' | 'not-needed';

/** Why a client's configuration was retired (stopped billing). */
export const RETIRE_REASONS = {
  disabled: 'its mapping is disabled',
  removed: 'its mapping was removed',
  noUsage: 'it has no usage for the period',
  moved: 'its Managed ID now resolves to another company',
} as const;
export type RetireReason = keyof typeof RETIRE_REASONS;

/**
 * How the reason of a client whose retirement the mass guard held begins (`failed`, "retirement held:
 * …"): the CLI says it once per account and folds the held clients.
 */
export const HELD_RETIREMENT_PREFIX = 'retirement held:';

/** DynamoDB key attribute names (the tables' keys are the contract). */
export const TABLE_KEYS = {
  accounts: { partitionKey: 'accountId' },
  mappings: { partitionKey: 'accountId', sortKey: 'clientId' },
  usage: { partitionKey: 'accountId', sortKey: 'usageKey' },
  ledger: { partitionKey: 'runKey', sortKey: 'clientId' },
} as const;

/** The Ledger's TTL attribute: numeric epoch seconds. Items without it (ownership, run locks) never expire. */
export const LEDGER_TTL_ATTRIBUTE = 'expiresAt';

/** The environment variables of the contract (Lambda and CLI alike). */
export const ENVIRONMENT = {
  accountsTable: 'ACCOUNTS_TABLE',
  mappingsTable: 'MAPPINGS_TABLE',
  usageTable: 'USAGE_TABLE',
  ledgerTable: 'LEDGER_TABLE',
  eventBusName: 'EVENT_BUS_NAME',
  logLevel: 'LOG_LEVEL',
  /** Deployment only: the state machine the monthly schedule starts (not part of the CLI's settings). */
  stateMachineArn: 'STATE_MACHINE_ARN',
} as const;

/** pino's levels (LOG_LEVEL). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Account defaults (Accounts attributes absent). */
export const ACCOUNT_DEFAULTS = {
  configurationTypeName: 'Backup Stats',
  maxBillableSpaceGb: 1_000_000,
  requestsPerMinute: 600,
} as const;

/** How long a crashed run can block its account (contract: at most 15 minutes). */
export const RUN_LOCK_LEASE_MS = 5 * 60_000;

/** The mass-retirement guard: more than max(2, 20 %) of the owned active configurations. */
export function massRetirementThreshold(ownedActive: number): number {
  return Math.max(2, Math.floor(ownedActive * 0.2));
}
