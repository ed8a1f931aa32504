/**
 * Helpers that build a ConnectWise setup directly in the state (no HTTP). Every helper checks
 * its input against the OpenAPI schema and the referenced records, and throws on a mistake,
 * so a test cannot seed something the real ConnectWise would never hold.
 */
import type { FieldIssue, OpenApi } from './openapi.js';
import type { WithoutId } from './table.js';
import type {
  AgreementRecord,
  AgreementStatus,
  AgreementTypeRecord,
  BillingLevel,
  CatalogItemRecord,
  CompanyRecord,
  ConfigurationRecord,
  ConfigurationStatusRecord,
  ConfigurationTypeRecord,
  DeviceType,
  ManagedInformation,
  ManagementBackupRecord,
  ManagementEntryRecord,
  ManagementItSolutionRecord,
  ManagementItSolutionType,
  ManagementRecord,
  SimulatorState,
  StoredRef,
} from './state.js';

export interface ConfigurationSeed {
  companyId: number;
  /** Defaults to the configuration type named `state.backupConfigurationTypeName`. */
  typeId?: number;
  name: string;
  /** Defaults to the default configuration status, if any. */
  statusId?: number;
  /** Hidden managed information (what `managedIdentifier` list filtering matches). */
  managedInformation?: ManagedInformation;
  /** Any other Company.Configuration property in wire form: deviceIdentifier, activeFlag, backupBillableSpaceGb, ... */
  [field: string]: unknown;
}

export interface BackupBillingSetupOptions {
  /** Management IT solution name (the account's managementItName). Default 'Backup Cloud'. */
  solutionName?: string;
  billingLevel?: BillingLevel;
  agreementTypeName?: string;
  itemIdentifier?: string;
  price?: number;
  cost?: number;
  /**
   * Description of the status the Management record names as `addedConfigurationStatus`
   * (found case-insensitively, else created, not closed). Default: the default status ('Active').
   */
  addedConfigurationStatus?: string;
  /**
   * Description of the status the Management record names as `deletedConfigurationStatus`
   * (found case-insensitively, else created NOT closed, so that only this setting makes it
   * unbillable). Default: a closed status ('Inactive').
   */
  deletedConfigurationStatus?: string;
}

export interface BackupBillingSetup {
  solution: ManagementItSolutionRecord;
  configurationType: ConfigurationTypeRecord;
  activeStatus: ConfigurationStatusRecord;
  inactiveStatus: ConfigurationStatusRecord;
  /** The Management record's addedConfigurationStatus / deletedConfigurationStatus. */
  addedStatus: ConfigurationStatusRecord;
  deletedStatus: ConfigurationStatusRecord;
  management: ManagementRecord;
  catalogItem: CatalogItemRecord;
  agreementType: AgreementTypeRecord;
  managementBackup: ManagementBackupRecord;
}

export interface BackupClient {
  company: CompanyRecord;
  agreement: AgreementRecord;
  entry: ManagementEntryRecord;
}

export interface NoiseCompaniesOptions {
  /** Identifier/name prefix; identifiers are `<prefix><n>` (n from 1). Default 'Noise'. */
  prefix?: string;
  /**
   * Give each company a Management tab entry (Managed ID `<prefix>-<n>`, BackupStats) of
   * another Management IT solution with this name (created when missing), like the MSP's
   * other integrations. Default: no entry at all.
   */
  otherSolutionName?: string;
}

export interface OtherVendorConfigurationOptions {
  /** The configuration's deviceIdentifier (typically one of our client ids). */
  deviceIdentifier: string;
  /** The other vendor's Management IT solution (created when missing). Default 'Other Vendor Backup'. */
  solutionName?: string;
  /** The other vendor's Managed ID on the company's Management tab; null = no entry. Default `OTHER-<deviceIdentifier>`. */
  managedId?: string | null;
  /** Any other Company.Configuration field (backupBillableSpaceGb, backupYear, activeFlag, name, ...). */
  fields?: Record<string, unknown>;
}

export interface OtherVendorConfiguration {
  solution: ManagementItSolutionRecord;
  entry?: ManagementEntryRecord;
  configuration: ConfigurationRecord;
}

export interface SimulatorSeed {
  company(input: { identifier: string; name: string; deletedFlag?: boolean }): CompanyRecord;
  managementItSolution(input: {
    name: string;
    managementItSolutionType?: ManagementItSolutionType;
    managementSolutionName?: string;
  }): ManagementItSolutionRecord;
  /** A company's Management tab entry (CompanyManagementSummary). */
  managementEntry(
    companyId: number,
    input: { groupIdentifier: string; solutionId: number; deviceType?: DeviceType | null; agreementId?: number },
  ): ManagementEntryRecord;
  configurationType(input: { name: string; inactiveFlag?: boolean }): ConfigurationTypeRecord;
  configurationStatus(input: {
    description: string;
    defaultFlag?: boolean;
    closedFlag?: boolean;
  }): ConfigurationStatusRecord;
  /**
   * Setup Tables > Management (the API has no POST for it). Statuses default to the default
   * status and a closed one (created as 'Active'/'Inactive' when missing).
   */
  management(input?: {
    addedConfigurationStatusId?: number;
    deletedConfigurationStatusId?: number;
    integratorLoginName?: string;
    runTime?: string;
  }): ManagementRecord;
  catalogItem(input: {
    identifier: string;
    description: string;
    price?: number;
    cost?: number;
    inactiveFlag?: boolean;
  }): CatalogItemRecord;
  agreementType(input: { name: string }): AgreementTypeRecord;
  agreement(input: {
    name: string;
    companyId: number;
    typeId: number;
    agreementStatus?: AgreementStatus;
  }): AgreementRecord;
  managementBackup(input: {
    agreementTypeId: number;
    catalogItemId: number;
    billingLevel: BillingLevel;
  }): ManagementBackupRecord;
  /** Inserts a configuration directly (e.g. last month's, or a pre-existing duplicate). */
  configuration(input: ConfigurationSeed): ConfigurationRecord;
  /**
   * The whole ConnectWise side of the backup billing setup in one call: statuses, the
   * 'Backup Stats' configuration type, the Management record, a Custom Management IT
   * solution, a product, an agreement type and its Management Backup.
   */
  backupBillingSetup(options?: BackupBillingSetupOptions): BackupBillingSetup;
  /** A client company with an Active agreement and a BackupStats Management tab entry (Managed ID). */
  backupClient(setup: BackupBillingSetup, input: { identifier: string; name: string; managedId: string }): BackupClient;
  /** `n` companies that carry none of our Managed IDs (a big site's other customers). */
  noiseCompanies(n: number, options?: NoiseCompaniesOptions): CompanyRecord[];
  /**
   * Another vendor's integration on the same company: a configuration of the billed type
   * (`state.backupConfigurationTypeName`) with the given deviceIdentifier, managed by another
   * Management IT solution (stored managedInformation), and that solution's Management tab
   * entry (BackupStats, no default agreement).
   */
  otherVendorConfiguration(companyId: number, options: OtherVendorConfigurationOptions): OtherVendorConfiguration;
  /**
   * Moves a Managed ID to another company, as an MSP does by hand: the entry whose
   * groupIdentifier is exactly `managedId` (of `solutionId` when given; it must be the only
   * one) is deleted and re-created on `toCompanyId` (new id) with the same solution and
   * device type, and a default agreement of the same agreement type on the target company
   * (its first Active one, else created). Configurations stay where they are.
   */
  moveManagedId(managedId: string, toCompanyId: number, options?: { solutionId?: number }): ManagementEntryRecord;
}

/**
 * What the seed helpers share. `seed` is the whole seed (helpers build on each other); read it
 * only inside a helper, never while the seed is being assembled.
 */
interface SeedTools {
  state: SimulatorState;
  /** Throws unless `obj` is a valid `schemaName` record (required fields included). */
  check(schemaName: string, obj: Record<string, unknown>, what: string): void;
  need<T>(value: T | undefined, message: string): T;
  companyRef(companyId: number, what: string): StoredRef;
  readonly seed: SimulatorSeed;
}

/** Companies, Management IT solutions and their Management tab entries. */
function organizationSeeds({
  state,
  check,
  need,
  companyRef,
}: SeedTools): Pick<SimulatorSeed, 'company' | 'managementItSolution' | 'managementEntry'> {
  return {
    company(input) {
      const data = { identifier: input.identifier, name: input.name, deletedFlag: input.deletedFlag ?? false };
      check('Company', data, 'company');
      const taken = state.companies.find((c) => c.identifier.toLowerCase() === input.identifier.toLowerCase());
      if (taken) throw new Error(`seed.company: identifier ${input.identifier} already used by company ${taken.id}`);
      return state.companies.insert({
        ...data,
        status: { id: 1, name: 'Active' },
        _info: state.newInfo(),
      });
    },

    managementItSolution(input) {
      const type = input.managementItSolutionType ?? 'Custom';
      const data: Record<string, unknown> = { name: input.name, managementItSolutionType: type };
      if (type === 'Custom') data.managementSolutionName = input.managementSolutionName ?? input.name;
      else if (input.managementSolutionName !== undefined) data.managementSolutionName = input.managementSolutionName;
      check('ManagementItSolution', data, 'managementItSolution');
      return state.managementItSolutions.insert({
        name: input.name,
        managementItSolutionType: type,
        managementSolutionName: (data.managementSolutionName as string | undefined) ?? null,
        _info: state.newInfo(),
      });
    },

    managementEntry(companyId, input) {
      const company = companyRef(companyId, 'managementEntry');
      const solution = need(
        state.managementItSolutions.get(input.solutionId),
        `seed.managementEntry: solution ${input.solutionId} does not exist`,
      );
      const deviceType = input.deviceType === undefined ? 'BackupStats' : input.deviceType;
      check('CompanyManagementSummary', { groupIdentifier: input.groupIdentifier, deviceType }, 'managementEntry');
      let agreement: StoredRef | null = null;
      if (input.agreementId !== undefined) {
        const a = need(
          state.agreements.get(input.agreementId),
          `seed.managementEntry: agreement ${input.agreementId} does not exist`,
        );
        if (a.company.id !== companyId)
          throw new Error(
            `seed.managementEntry: agreement ${a.id} belongs to company ${a.company.id}, not ${companyId}`,
          );
        agreement = { id: a.id, name: a.name };
      }
      return state.managementEntries.insert({
        groupIdentifier: input.groupIdentifier,
        managementSolution: { id: solution.id, name: solution.name },
        deviceType,
        agreement,
        company,
        _info: state.newInfo(),
      });
    },
  };
}

/** Configuration types and statuses, the Management record, and configurations. */
function configurationSeeds(
  tools: SeedTools,
): Pick<SimulatorSeed, 'configurationType' | 'configurationStatus' | 'management' | 'configuration'> {
  const { state, check, need, companyRef } = tools;
  return {
    configurationType(input) {
      const data = { name: input.name, inactiveFlag: input.inactiveFlag ?? false };
      check('ConfigurationType', data, 'configurationType');
      return state.configurationTypes.insert({ ...data, systemFlag: false, _info: state.newInfo() });
    },

    configurationStatus(input) {
      const data = {
        description: input.description,
        defaultFlag: input.defaultFlag ?? false,
        closedFlag: input.closedFlag ?? false,
      };
      check('ConfigurationStatus', data, 'configurationStatus');
      if (data.defaultFlag) {
        // Only one status can be the default: like ConnectWise, the new one takes over.
        for (const s of state.configurationStatuses.all())
          if (s.defaultFlag) state.configurationStatuses.replace({ ...s, defaultFlag: false });
      }
      return state.configurationStatuses.insert({ ...data, _info: state.newInfo() });
    },

    management(input = {}) {
      const statusRef = (id: number | undefined, pick: () => ConfigurationStatusRecord): StoredRef => {
        const status =
          id === undefined
            ? pick()
            : need(state.configurationStatuses.get(id), `seed.management: status ${id} does not exist`);
        return { id: status.id, name: status.description };
      };
      const added = statusRef(
        input.addedConfigurationStatusId,
        () =>
          state.configurationStatuses.find((s) => s.defaultFlag) ??
          tools.seed.configurationStatus({ description: 'Active', defaultFlag: true }),
      );
      const deleted = statusRef(
        input.deletedConfigurationStatusId,
        () =>
          state.configurationStatuses.find((s) => s.closedFlag) ??
          tools.seed.configurationStatus({ description: 'Inactive', closedFlag: true }),
      );
      const data: Record<string, unknown> = {
        addedConfigurationStatus: added,
        deletedConfigurationStatus: deleted,
        integratorLogin: { id: 1, name: input.integratorLoginName ?? 'integrator' },
        scheduleExecutiveSummaryReportFlag: false,
      };
      if (input.runTime !== undefined) data.runTime = input.runTime;
      check('Management', data, 'management');
      return state.management.insert({ ...data, _info: state.newInfo() } as unknown as WithoutId<ManagementRecord>);
    },

    configuration(input) {
      const { companyId, typeId, statusId, managedInformation, ...fields } = input;
      const company = companyRef(companyId, 'configuration');
      const type =
        typeId === undefined
          ? need(
              state.configurationTypes.find(
                (t) => t.name.toLowerCase() === state.backupConfigurationTypeName.toLowerCase(),
              ),
              `seed.configuration: no typeId and no '${state.backupConfigurationTypeName}' configuration type`,
            )
          : need(
              state.configurationTypes.get(typeId),
              `seed.configuration: configuration type ${typeId} does not exist`,
            );
      const status =
        statusId === undefined
          ? state.configurationStatuses.find((s) => s.defaultFlag)
          : need(state.configurationStatuses.get(statusId), `seed.configuration: status ${statusId} does not exist`);
      const data: Record<string, unknown> = {
        activeFlag: true,
        billFlag: false,
        ...fields,
        type: { id: type.id, name: type.name },
        company,
      };
      if (status) data.status = { id: status.id, name: status.description };
      check('Company.Configuration', data, 'configuration');
      const row = { ...data, _info: state.newInfo() } as unknown as WithoutId<ConfigurationRecord>;
      if (managedInformation) row.managedInformation = { ...managedInformation };
      return state.configurations.insert(row);
    },
  };
}

/** Products, agreement types, agreements and Management Backup setups. */
function billingSeeds({
  state,
  check,
  need,
  companyRef,
}: SeedTools): Pick<SimulatorSeed, 'catalogItem' | 'agreementType' | 'agreement' | 'managementBackup'> {
  return {
    catalogItem(input) {
      const data = {
        identifier: input.identifier,
        description: input.description,
        customerDescription: input.description,
        subcategory: { id: 1, name: 'Backup' },
        type: { id: 1, name: 'Service' },
        productClass: 'Service',
        price: input.price ?? 0,
        cost: input.cost ?? 0,
        inactiveFlag: input.inactiveFlag ?? false,
      };
      check('CatalogItem', data, 'catalogItem');
      const taken = state.catalogItems.find((c) => c.identifier.toLowerCase() === input.identifier.toLowerCase());
      if (taken)
        throw new Error(`seed.catalogItem: identifier ${input.identifier} already used by product ${taken.id}`);
      return state.catalogItems.insert({ ...data, _info: state.newInfo() });
    },

    agreementType(input) {
      if (input.name.trim() === '') throw new Error('seed.agreementType: name is required');
      return state.agreementTypes.insert({ name: input.name });
    },

    agreement(input) {
      const company = companyRef(input.companyId, 'agreement');
      const type = need(
        state.agreementTypes.get(input.typeId),
        `seed.agreement: agreement type ${input.typeId} does not exist`,
      );
      const agreementStatus = input.agreementStatus ?? 'Active';
      const data = {
        name: input.name,
        type: { id: type.id, name: type.name },
        company,
        contact: { id: 1, name: 'Primary Contact' },
        agreementStatus,
        cancelledFlag: agreementStatus === 'Cancelled',
        noEndingDateFlag: true,
        startDate: '2020-01-01T00:00:00Z',
      };
      check('Agreement', data, 'agreement');
      return state.agreements.insert({ ...data, _info: state.newInfo() });
    },

    managementBackup(input) {
      const type = need(
        state.agreementTypes.get(input.agreementTypeId),
        `seed.managementBackup: agreement type ${input.agreementTypeId} does not exist`,
      );
      const item = need(
        state.catalogItems.get(input.catalogItemId),
        `seed.managementBackup: catalog item ${input.catalogItemId} does not exist`,
      );
      const data = {
        type: { id: type.id, name: type.name },
        item: { id: item.id, identifier: item.identifier },
        billingLevel: input.billingLevel,
      };
      check('ManagementBackup', data, 'managementBackup');
      const taken = state.managementBackups.find((b) => b.type.id === type.id);
      if (taken)
        throw new Error(`seed.managementBackup: agreement type ${type.id} already has Management Backup ${taken.id}`);
      return state.managementBackups.insert({ ...data, _info: state.newInfo() });
    },
  };
}

/** The whole backup billing setup in one call. */
function billingSetupSeeds(tools: SeedTools): Pick<SimulatorSeed, 'backupBillingSetup'> {
  const { state } = tools;
  return {
    backupBillingSetup(options = {}) {
      const activeStatus =
        state.configurationStatuses.find((s) => s.defaultFlag) ??
        tools.seed.configurationStatus({ description: 'Active', defaultFlag: true });
      const inactiveStatus =
        state.configurationStatuses.find((s) => s.closedFlag) ??
        tools.seed.configurationStatus({ description: 'Inactive', closedFlag: true });
      const configurationType =
        state.configurationTypes.find(
          (t) => t.name.toLowerCase() === state.backupConfigurationTypeName.toLowerCase(),
        ) ?? tools.seed.configurationType({ name: state.backupConfigurationTypeName });
      const statusNamed = (description: string): ConfigurationStatusRecord =>
        state.configurationStatuses.find((s) => s.description.toLowerCase() === description.toLowerCase()) ??
        tools.seed.configurationStatus({ description });
      const addedStatus =
        options.addedConfigurationStatus === undefined ? activeStatus : statusNamed(options.addedConfigurationStatus);
      const deletedStatus =
        options.deletedConfigurationStatus === undefined
          ? inactiveStatus
          : statusNamed(options.deletedConfigurationStatus);
      let management =
        state.management.all()[0] ??
        tools.seed.management({
          addedConfigurationStatusId: addedStatus.id,
          deletedConfigurationStatusId: deletedStatus.id,
        });
      if (options.addedConfigurationStatus !== undefined || options.deletedConfigurationStatus !== undefined) {
        // The record already existed (ConnectWise has exactly one): name the requested statuses on it.
        management = state.management.replace({
          ...management,
          addedConfigurationStatus: { id: addedStatus.id, name: addedStatus.description },
          deletedConfigurationStatus: { id: deletedStatus.id, name: deletedStatus.description },
        });
      }
      const solution = tools.seed.managementItSolution({ name: options.solutionName ?? 'Backup Cloud' });
      const catalogItem = tools.seed.catalogItem({
        identifier: options.itemIdentifier ?? 'BACKUP-GB',
        description: 'Cloud backup storage (GB)',
        price: options.price ?? 0.1,
        cost: options.cost ?? 0.02,
      });
      const agreementType = tools.seed.agreementType({ name: options.agreementTypeName ?? 'Managed Services' });
      const managementBackup = tools.seed.managementBackup({
        agreementTypeId: agreementType.id,
        catalogItemId: catalogItem.id,
        billingLevel: options.billingLevel ?? 'Detail',
      });
      const named = (ref: StoredRef, fallback: ConfigurationStatusRecord): ConfigurationStatusRecord =>
        state.configurationStatuses.get(ref.id) ?? fallback;
      return {
        solution,
        configurationType,
        activeStatus,
        inactiveStatus,
        addedStatus: named(management.addedConfigurationStatus, addedStatus),
        deletedStatus: named(management.deletedConfigurationStatus, deletedStatus),
        management,
        catalogItem,
        agreementType,
        managementBackup,
      };
    },
  };
}

/** Our clients, other customers and other vendors' integrations. */
function clientSeeds(
  tools: SeedTools,
): Pick<SimulatorSeed, 'backupClient' | 'noiseCompanies' | 'otherVendorConfiguration'> {
  const { state, check } = tools;
  return {
    backupClient(setup, input) {
      const company = tools.seed.company({ identifier: input.identifier, name: input.name });
      const agreement = tools.seed.agreement({
        name: `${input.name} managed services`.slice(0, 100),
        companyId: company.id,
        typeId: setup.agreementType.id,
      });
      const entry = tools.seed.managementEntry(company.id, {
        groupIdentifier: input.managedId,
        solutionId: setup.solution.id,
        deviceType: 'BackupStats',
        agreementId: agreement.id,
      });
      return { company, agreement, entry };
    },

    noiseCompanies(n, options = {}) {
      if (!Number.isInteger(n) || n < 0) throw new Error('seed.noiseCompanies: n must be a non-negative integer');
      const prefix = options.prefix ?? 'Noise';
      const taken = new Set(state.companies.all().map((c) => c.identifier.toLowerCase()));
      const solution =
        options.otherSolutionName === undefined
          ? undefined
          : (state.managementItSolutions.find(
              (x) => x.name.toLowerCase() === options.otherSolutionName?.toLowerCase(),
            ) ?? tools.seed.managementItSolution({ name: options.otherSolutionName }));
      const out: CompanyRecord[] = [];
      for (let i = 1; i <= n; i++) {
        const identifier = `${prefix}${i}`;
        if (taken.has(identifier.toLowerCase()))
          throw new Error(`seed.noiseCompanies: identifier ${identifier} already used`);
        const data = { identifier, name: `${prefix} customer ${i}`, deletedFlag: false };
        // Checked once: the rest differ only by the counter (thousands of companies stay cheap).
        if (i === 1 || i === n) check('Company', data, 'noiseCompanies');
        const company = state.companies.insert({ ...data, status: { id: 1, name: 'Active' }, _info: state.newInfo() });
        if (solution)
          tools.seed.managementEntry(company.id, {
            groupIdentifier: `${prefix}-${i}`,
            solutionId: solution.id,
            deviceType: 'BackupStats',
          });
        out.push(company);
      }
      return out;
    },

    otherVendorConfiguration(companyId, options) {
      const solutionName = options.solutionName ?? 'Other Vendor Backup';
      const solution =
        state.managementItSolutions.find((x) => x.name.toLowerCase() === solutionName.toLowerCase()) ??
        tools.seed.managementItSolution({ name: solutionName });
      const managedId = options.managedId === undefined ? `OTHER-${options.deviceIdentifier}` : options.managedId;
      const result: OtherVendorConfiguration = {
        solution,
        configuration: tools.seed.configuration({
          companyId,
          name: `${solutionName} ${options.deviceIdentifier}`.slice(0, 100),
          deviceIdentifier: options.deviceIdentifier,
          backupBillableSpaceGb: 1,
          ...(options.fields ?? {}),
          managedInformation: { managementSolutionName: solutionName, managedIdentifier: options.deviceIdentifier },
        }),
      };
      if (managedId !== null)
        result.entry = tools.seed.managementEntry(companyId, {
          groupIdentifier: managedId,
          solutionId: solution.id,
          deviceType: 'BackupStats',
        });
      return result;
    },
  };
}

/** Changes an MSP makes by hand after the setup. */
function moveSeeds(tools: SeedTools): Pick<SimulatorSeed, 'moveManagedId'> {
  const { state, need } = tools;
  return {
    moveManagedId(managedId, toCompanyId, options = {}) {
      const target = need(
        state.companies.get(toCompanyId),
        `seed.moveManagedId: company ${toCompanyId} does not exist`,
      );
      const entries = state.managementEntries.filter(
        (e) =>
          e.groupIdentifier === managedId &&
          (options.solutionId === undefined || e.managementSolution.id === options.solutionId),
      );
      if (entries.length !== 1)
        throw new Error(
          `seed.moveManagedId: ${entries.length} Management tab entries carry ${managedId}; expected exactly one (pass solutionId)`,
        );
      const entry = entries[0] as ManagementEntryRecord;
      if (entry.company.id === toCompanyId)
        throw new Error(`seed.moveManagedId: ${managedId} is already on company ${toCompanyId}`);
      let agreementId: number | undefined;
      const oldAgreement = entry.agreement ? state.agreements.get(entry.agreement.id) : undefined;
      if (oldAgreement) {
        const existing = state.agreements.find(
          (a) => a.company.id === toCompanyId && a.type.id === oldAgreement.type.id && a.agreementStatus === 'Active',
        );
        agreementId = (
          existing ??
          tools.seed.agreement({
            name: `${target.name} managed services`.slice(0, 100),
            companyId: toCompanyId,
            typeId: oldAgreement.type.id,
          })
        ).id;
      }
      state.managementEntries.delete(entry.id);
      return tools.seed.managementEntry(toCompanyId, {
        groupIdentifier: managedId,
        solutionId: entry.managementSolution.id,
        deviceType: entry.deviceType ?? null,
        ...(agreementId === undefined ? {} : { agreementId }),
      });
    },
  };
}

export function createSeed(state: SimulatorState, api: OpenApi): SimulatorSeed {
  const check = (schemaName: string, obj: Record<string, unknown>, what: string): void => {
    const issues: FieldIssue[] = [];
    api.validateObject(api.schema(schemaName), obj, '', issues, { checkRequired: true, ignore: ['id', '_info'] });
    if (issues.length > 0) throw new Error(`seed.${what}: ${issues.map((i) => i.message).join(' ')}`);
  };
  const need = <T>(value: T | undefined, message: string): T => {
    if (value === undefined) throw new Error(message);
    return value;
  };
  const companyRef = (companyId: number, what: string): StoredRef => {
    const company = need(state.companies.get(companyId), `seed.${what}: company ${companyId} does not exist`);
    return { id: company.id, identifier: company.identifier, name: company.name };
  };

  const tools: SeedTools = {
    state,
    check,
    need,
    companyRef,
    get seed() {
      return seed;
    },
  };
  const seed: SimulatorSeed = {
    ...organizationSeeds(tools),
    ...configurationSeeds(tools),
    ...billingSeeds(tools),
    ...billingSetupSeeds(tools),
    ...clientSeeds(tools),
    ...moveSeeds(tools),
  };
  return seed;
}
