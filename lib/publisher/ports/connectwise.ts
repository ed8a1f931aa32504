/**
 * The core's ports towards ConnectWise: the REST operations it is written against, the secret that opens
 * a connection and the factories that open one. The adapter is lib/connectwise/gateway.ts.
 */
import type { ConnectWiseSecret } from '../../input/schemas.js';
import type { Account } from '../../records/account.js';
import type {
  Addition,
  Agreement,
  Company,
  Configuration,
  ConfigurationType,
  ManagementBackup,
  ManagementEntry,
  ManagementItSolution,
  ManagementSetup,
  NewConfiguration,
  NewManagementEntry,
  PatchOperation,
  SyncResult,
  SystemInfo,
} from '../../connectwise/types.js';

/**
 * What the publisher (and doctor/verify) need from ConnectWise: the port the core is written against.
 * There is deliberately no delete: a configuration that must stop billing is retired by a PATCH.
 */
export interface ConnectWisePort {
  findManagementItSolutions(name: string): Promise<ManagementItSolution[]>;
  findConfigurationTypes(name: string): Promise<ConfigurationType[]>;
  listCompanies(): Promise<Company[]>;
  /** The companies with these ids (deleted ones included, with `deletedFlag`), in requests of at most 100 ids. */
  listCompaniesByIds(ids: readonly number[]): Promise<Company[]>;
  listManagementEntries(companyId: number): Promise<ManagementEntry[]>;
  /** Configurations of a type (by name), optionally on one company. */
  listConfigurations(typeName: string, companyId?: number): Promise<Configuration[]>;
  /** One configuration by id (read-back of an uncertain write, a record missing from a listing); undefined on 404. */
  getConfiguration(id: number): Promise<Configuration | undefined>;
  createConfiguration(input: NewConfiguration): Promise<Configuration>;
  patchConfiguration(id: number, operations: readonly PatchOperation[]): Promise<Configuration>;
  listManagementSetups(): Promise<ManagementSetup[]>;
  executeManagedItSync(managementId: number): Promise<SyncResult>;
  /** Number of HTTP attempts sent so far (for reports and benchmarks). */
  requestCount(): number;
}

/** Onboarding's one write (contract v3): a company's Management tab entry. Never a PUT, PATCH or DELETE of one. */
export interface ManagementTabWriter {
  createManagementEntry(companyId: number, entry: NewManagementEntry): Promise<ManagementEntry>;
  /** The agreements of these companies, in requests of at most 100 company ids. */
  listAgreementsOfCompanies(companyIds: readonly number[]): Promise<Agreement[]>;
}

/** Read-only extras for `cwpub doctor` and `cwpub verify`. */
export interface ConnectWiseInspectionPort extends ConnectWisePort {
  systemInfo(): Promise<SystemInfo>;
  listManagementBackups(): Promise<ManagementBackup[]>;
  listAgreements(companyId?: number): Promise<Agreement[]>;
  listAdditions(agreementId: number): Promise<Addition[]>;
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
