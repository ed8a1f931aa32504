/**
 * The simulator's in-memory model: one Table per ConnectWise collection.
 *
 * Records are stored in ConnectWise's wire shape (the OpenAPI schema's property names).
 * References to other records (`type`, `company`, `status`, `managementSolution`, ...) are
 * stored as `{ id, name | identifier }`; their names are refreshed from the referenced
 * record whenever the record is rendered, like ConnectWise joins them at read time.
 * Null/absent values are omitted from responses (ConnectWise omits null properties).
 *
 * Ids auto-increment per collection from distinct starting values (companies from 19301,
 * configurations from 10001, ...) so that a client mixing up a company id and a
 * configuration id gets a 404 instead of silently hitting another record.
 */
import { Table } from './table.js';

export type ManagementItSolutionType = 'Custom' | 'LevelPlatforms' | 'NAble' | 'Continuum';
export type DeviceType = 'WorkstationsAndServers' | 'BackupStats' | 'Servers' | 'Workstations';
export type AgreementStatus = 'Active' | 'Cancelled' | 'Expired' | 'Inactive';
export type BillingLevel = 'Detail' | 'Summary';
export type BillCustomer = 'Billable' | 'DoNotBill' | 'NoCharge';

/** `_info` block carried by every record (ConnectWise adds hrefs too; we render those). */
export interface RecordInfo {
  lastUpdated?: string;
  updatedBy?: string;
  dateEntered?: string;
  enteredBy?: string;
  [key: string]: string | undefined;
}

/** A stored reference to another record. */
export interface StoredRef {
  id: number;
  name?: string;
  identifier?: string;
  [key: string]: unknown;
}

export interface CompanyRecord {
  id: number;
  identifier: string;
  name: string;
  deletedFlag: boolean;
  _info: RecordInfo;
  [key: string]: unknown;
}

export interface ManagementItSolutionRecord {
  id: number;
  name: string;
  managementItSolutionType: ManagementItSolutionType;
  managementSolutionName?: string | null;
  _info: RecordInfo;
  [key: string]: unknown;
}

/** A company's Management tab entry (schema CompanyManagementSummary). */
export interface ManagementEntryRecord {
  id: number;
  groupIdentifier: string;
  managementSolution: StoredRef;
  deviceType?: DeviceType | null;
  agreement?: StoredRef | null;
  company: StoredRef;
  _info: RecordInfo;
  [key: string]: unknown;
}

export interface ConfigurationTypeRecord {
  id: number;
  name: string;
  inactiveFlag: boolean;
  systemFlag?: boolean;
  _info: RecordInfo;
  [key: string]: unknown;
}

export interface ConfigurationStatusRecord {
  id: number;
  description: string;
  defaultFlag: boolean;
  closedFlag: boolean;
  _info: RecordInfo;
  [key: string]: unknown;
}

/** Setup Tables > Management (schema Management). */
export interface ManagementRecord {
  id: number;
  runTime?: string | null;
  addedConfigurationStatus: StoredRef;
  deletedConfigurationStatus: StoredRef;
  integratorLogin: StoredRef;
  scheduleExecutiveSummaryReportFlag: boolean;
  _info: RecordInfo;
  [key: string]: unknown;
}

export interface CatalogItemRecord {
  id: number;
  identifier: string;
  description: string;
  customerDescription: string;
  price?: number | null;
  cost?: number | null;
  inactiveFlag: boolean;
  _info: RecordInfo;
  [key: string]: unknown;
}

/** Agreement types have no endpoint in our subset: they only appear as references. */
export interface AgreementTypeRecord {
  id: number;
  name: string;
  [key: string]: unknown;
}

export interface AgreementRecord {
  id: number;
  name: string;
  type: StoredRef;
  company: StoredRef;
  agreementStatus: AgreementStatus;
  cancelledFlag: boolean;
  _info: RecordInfo;
  [key: string]: unknown;
}

/** Setup Tables > Management Backup (schema ManagementBackup). */
export interface ManagementBackupRecord {
  id: number;
  type: StoredRef;
  item: StoredRef;
  billingLevel: BillingLevel;
  _info: RecordInfo;
  [key: string]: unknown;
}

/** Managed information attached to a configuration (query parameter `managedInformation`). */
export interface ManagedInformation {
  managementSolutionName?: string;
  managedIdentifier?: string;
  type?: string;
  level?: string;
  childConfigurationsMatchingOn?: string;
  inactivateConfigurationsMatchingOn?: string;
  inactiveConfigurationStatusId?: number;
}

export interface ConfigurationRecord {
  id: number;
  name: string;
  type: StoredRef;
  company: StoredRef;
  status?: StoredRef | null;
  deviceIdentifier?: string | null;
  activeFlag?: boolean | null;
  billFlag?: boolean | null;
  backupBillableSpaceGb?: number | null;
  backupYear?: number | null;
  backupMonth?: number | null;
  _info: RecordInfo;
  /** Not a schema property (never rendered); set through the `managedInformation` query parameter. */
  managedInformation?: ManagedInformation;
  [key: string]: unknown;
}

export interface AdditionRecord {
  id: number;
  product: StoredRef;
  quantity: number;
  billCustomer: BillCustomer;
  agreementId: number;
  effectiveDate?: string | null;
  cancelledDate?: string | null;
  description?: string | null;
  invoiceDescription?: string | null;
  unitPrice?: number | null;
  unitCost?: number | null;
  _info: RecordInfo;
  [key: string]: unknown;
}

/** One executeManagedItSync call, as the sync model saw it. */
export interface SyncRun {
  id: number;
  managementId: number;
  at: string;
  entriesConsidered: number;
  additionsCreated: number;
  additionsUpdated: number;
  additionsCancelled: number;
  /** Management tab entries the model did not bill, and why. */
  skipped: Array<{ entryId: number; companyId: number; reason: string }>;
}

/** One addition that bills now (not cancelled), as `state.billing()` reports it. */
export interface BilledAddition {
  additionId: number;
  agreementId: number;
  /** The agreement's company. */
  companyId: number;
  productId: number;
  quantity: number;
  effectiveDate?: string;
  /** Detail: the configuration it bills; absent for Summary and for additions the sync did not make. */
  configurationId?: number;
  /** The configurations it bills (Detail: one; Summary: all of them; [] when not made by the sync). */
  configurationIds: number[];
  /** deviceIdentifier of each of `configurationIds` that still exists and has one. */
  deviceIdentifiers: string[];
}

export type TableName =
  | 'companies'
  | 'managementItSolutions'
  | 'managementEntries'
  | 'configurationTypes'
  | 'configurationStatuses'
  | 'management'
  | 'catalogItems'
  | 'agreementTypes'
  | 'agreements'
  | 'managementBackups'
  | 'configurations'
  | 'additions';

export class SimulatorState {
  readonly companies = new Table<CompanyRecord>('companies', 19301);
  readonly managementItSolutions = new Table<ManagementItSolutionRecord>('managementItSolutions', 11);
  /** Management tab entries of every company (company/companies/{id}/managementSummaryReports). */
  readonly managementEntries = new Table<ManagementEntryRecord>('managementEntries', 501);
  readonly configurationTypes = new Table<ConfigurationTypeRecord>('configurationTypes', 31);
  readonly configurationStatuses = new Table<ConfigurationStatusRecord>('configurationStatuses', 2);
  readonly management = new Table<ManagementRecord>('management', 1);
  readonly catalogItems = new Table<CatalogItemRecord>('catalogItems', 401);
  readonly agreementTypes = new Table<AgreementTypeRecord>('agreementTypes', 71);
  readonly agreements = new Table<AgreementRecord>('agreements', 2001);
  readonly managementBackups = new Table<ManagementBackupRecord>('managementBackups', 6);
  readonly configurations = new Table<ConfigurationRecord>('configurations', 10001);
  readonly additions = new Table<AdditionRecord>('additions', 40001);

  /** Name of the configuration type the sync model bills (case-insensitive match). */
  backupConfigurationTypeName = 'Backup Stats';
  /** Every executeManagedItSync, in order. */
  readonly syncRuns: SyncRun[] = [];
  /**
   * Which addition the sync created for which key: `detail:<agreementId>:<itemId>:<configurationId>`
   * or `summary:<agreementId>:<itemId>`. Re-syncs update these instead of adding duplicates.
   */
  readonly syncedAdditions = new Map<string, number>();
  /** Addition id → the billing level and configuration ids the sync billed with it at its last run. */
  readonly additionSources = new Map<number, { level: BillingLevel; configurationIds: number[] }>();
  /** The API member recorded in `_info.updatedBy`/`enteredBy`. */
  memberIdentifier = 'ApiMember';
  /** The clock (replace it to make dates deterministic). */
  now: () => Date = () => new Date();

  constructor() {
    this.configurations.addIndex('company', (r) => r.company?.id);
    this.managementEntries.addIndex('company', (r) => r.company?.id);
    this.additions.addIndex('agreement', (r) => r.agreementId);
  }

  table(name: TableName): Table<{ id: number; [key: string]: unknown }> {
    return this[name] as unknown as Table<{ id: number; [key: string]: unknown }>;
  }

  /** Current time as ConnectWise formats it: `2026-01-31T12:00:00Z` (no milliseconds). */
  timestamp(): string {
    return formatDate(this.now());
  }

  /** A fresh `_info` for a record created now. */
  newInfo(): RecordInfo {
    const at = this.timestamp();
    return { lastUpdated: at, updatedBy: this.memberIdentifier, dateEntered: at, enteredBy: this.memberIdentifier };
  }

  /**
   * What is billed now: every addition that is not cancelled (no cancelledDate, or one after
   * `now()`), in id order, with its company and the configurations it bills.
   */
  billing(): BilledAddition[] {
    const now = this.now().getTime();
    const out: BilledAddition[] = [];
    for (const addition of this.additions) {
      if (addition.cancelledDate && !(Date.parse(addition.cancelledDate) > now)) continue;
      const agreement = this.agreements.get(addition.agreementId);
      const source = this.additionSources.get(addition.id);
      const configurationIds = source?.configurationIds ?? [];
      const deviceIdentifiers: string[] = [];
      for (const id of configurationIds) {
        const identifier = this.configurations.get(id)?.deviceIdentifier;
        if (identifier) deviceIdentifiers.push(identifier);
      }
      const row: BilledAddition = {
        additionId: addition.id,
        agreementId: addition.agreementId,
        companyId: agreement?.company.id ?? 0,
        productId: addition.product.id,
        quantity: addition.quantity,
        configurationIds: [...configurationIds],
        deviceIdentifiers,
      };
      if (addition.effectiveDate) row.effectiveDate = addition.effectiveDate;
      if (source?.level === 'Detail' && configurationIds[0] !== undefined) row.configurationId = configurationIds[0];
      out.push(row);
    }
    return out;
  }

  /** Rebuilds every secondary index (after mutating indexed keys in place). */
  reindex(): void {
    this.configurations.reindex();
    this.managementEntries.reindex();
    this.additions.reindex();
  }
}

export function formatDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
