import type { Logger } from 'pino';
import type { ConnectWiseInspectionPort, ConnectWisePort } from '../connectwise/gateway.js';
import type { Period } from '../period.js';
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

export interface Account {
  readonly accountId: string;
  readonly secretId: string;
  readonly managementItName: string;
  readonly enabled: boolean;
  readonly configurationTypeName: string;
}

export interface Mapping {
  readonly accountId: string;
  readonly clientId: string;
  readonly managedId: string;
  readonly clientName?: string | undefined;
  readonly enabled: boolean;
}

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
  readonly status: ClientStatus;
  readonly reason?: string | undefined;
  readonly billableSpaceGb?: number | undefined;
  readonly companyId?: number | undefined;
  readonly configurationId?: number | undefined;
  readonly runId: string;
  readonly at: string;
}

export interface LedgerEntry {
  readonly clientId: string;
  readonly managedId: string;
  readonly status: ClientStatus;
  readonly reason?: string;
  /** The last value written to (or confirmed in) ConnectWise for this period, kept across later failed runs. */
  readonly publishedGb?: number;
  readonly publishedAt?: string;
  readonly companyId?: number;
  readonly configurationId?: number;
  readonly runId: string;
}

export interface LedgerRepository {
  record(rows: readonly LedgerRow[]): Promise<void>;
  list(accountId: string, period: string): Promise<LedgerEntry[]>;
}

export interface SecretsPort {
  /** The validated secret; throws SecretError naming the field, never the value. */
  load(secretId: string): Promise<ConnectWiseSecret>;
}

export type ConnectWiseFactory = (secret: ConnectWiseSecret, account: Account) => Promise<ConnectWisePort>;
/** The same connection with the read-only extras `cwpub doctor` and `cwpub verify` need. */
export type InspectionFactory = (secret: ConnectWiseSecret, account: Account) => Promise<ConnectWiseInspectionPort>;

export interface EventSink {
  publish(detailType: 'Usage Published' | 'Usage Publish Failed', detail: Record<string, unknown>): Promise<void>;
}

/** Optional progress display (the CLI draws a bar on a terminal); the Lambda passes none. */
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
  readonly secrets: SecretsPort;
  readonly connectWise: ConnectWiseFactory;
  /** Absent: no events are sent (EVENT_BUS_NAME unset). */
  readonly events?: EventSink | undefined;
  readonly clock: () => Date;
  readonly newRunId: () => string;
  readonly logger: Logger;
  readonly progress?: ProgressPort | undefined;
}

export type ClientStatus = 'published' | 'unchanged' | 'skipped' | 'failed' | 'planned';

export interface ClientResult {
  readonly clientId: string;
  readonly managedId: string;
  readonly status: ClientStatus;
  readonly reason?: string;
  readonly billableSpaceGb?: number;
  readonly companyId?: number;
  readonly companyIdentifier?: string;
  readonly configurationId?: number;
}

export type SyncOutcome = 'triggered' | 'failed' | 'not-needed';

export interface AccountSummary {
  readonly accountId: string;
  readonly published: number;
  readonly unchanged: number;
  readonly skipped: number;
  readonly failed: number;
  readonly planned: number;
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
