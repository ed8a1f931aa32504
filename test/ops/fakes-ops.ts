import type { ConnectWiseInspectionPort } from '../../lib/publisher/ports/connectwise.js';
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
  PatchOperation,
  SystemInfo,
} from '../../lib/connectwise/types.js';
import { ConnectWiseHttpError } from '../../lib/errors.js';
import type { DoctorDeps } from '../../lib/doctor/run-doctor.js';
import { NO_PROGRESS } from '../../lib/cli/progress.js';
import type {
  Account,
  InvalidItem,
  LedgerEntry,
  Mapping,
  OwnedConfiguration,
  OwnershipRepository,
  Validated,
} from '../../lib/publisher/ports/index.js';
import type { UsageItem } from '../../lib/input/schemas.js';
import { accountFixture, SECRET } from '../support/fixtures.js';

/**
 * In-memory fakes for the doctor and verify cores: a read-only ConnectWise (writes throw, so a test
 * proves the commands never write) and the repositories, with only what those cores read.
 */
export class FakeInspection implements ConnectWiseInspectionPort {
  solutions: ManagementItSolution[] = [{ id: 11, name: 'Backup Cloud', managementItSolutionType: 'Custom' }];
  types: ConfigurationType[] = [{ id: 31, name: 'Backup Stats' }];
  companies: Company[] = [];
  entries = new Map<number, ManagementEntry[]>();
  configurations: Configuration[] = [];
  setups: ManagementSetup[] = [
    {
      id: 1,
      addedConfigurationStatus: { id: 1, name: 'Active' },
      deletedConfigurationStatus: { id: 2, name: 'Inactive' },
    },
  ];
  backups: ManagementBackup[] = [
    {
      id: 6,
      type: { id: 71, name: 'Managed Services' },
      item: { id: 401, identifier: 'BACKUP-GB' },
      billingLevel: 'Detail',
    },
  ];
  agreements: Agreement[] = [];
  additions = new Map<number, Addition[]>();
  info: SystemInfo = { version: 'v2025.1' };
  /** Thrown by systemInfo when set (e.g. a 401). */
  systemInfoError: Error | undefined;
  calls: string[] = [];

  /** A client company with a BackupStats Management entry for `managedId` and an Active agreement. */
  addClient(n: number, managedId = `M-${n}`): Company {
    const company: Company = { id: 100 + n, identifier: `Client${n}`, name: `Client ${n}` };
    this.companies.push(company);
    const agreement: Agreement = {
      id: 2000 + n,
      name: `Agreement ${n}`,
      type: { id: 71, name: 'Managed Services' },
      company: { id: company.id },
      agreementStatus: 'Active',
    };
    this.agreements.push(agreement);
    this.entries.set(company.id, [
      {
        id: 500 + n,
        groupIdentifier: managedId,
        managementSolution: { id: 11, name: 'Backup Cloud' },
        deviceType: 'BackupStats',
        agreement: { id: agreement.id, name: agreement.name },
      },
    ]);
    return company;
  }

  private log<T>(call: string, value: T): Promise<T> {
    this.calls.push(call);
    return Promise.resolve(value);
  }
  requestCount() {
    return this.calls.length;
  }
  findManagementItSolutions(name: string) {
    return this.log(
      'GET solutions',
      this.solutions.filter((s) => s.name.toLowerCase() === name.toLowerCase()),
    );
  }
  findConfigurationTypes(name: string) {
    return this.log(
      'GET types',
      this.types.filter((t) => t.name.toLowerCase() === name.toLowerCase()),
    );
  }
  listCompanies() {
    return this.log('GET companies', [...this.companies]);
  }
  listCompaniesByIds(ids: readonly number[]) {
    return this.log(
      'GET companies by id',
      this.companies.filter((c) => ids.includes(c.id)),
    );
  }
  listManagementEntries(companyId: number) {
    return this.log(`GET entries ${companyId}`, this.entries.get(companyId) ?? []);
  }
  listConfigurations(typeName: string, companyId?: number) {
    return this.log(
      'GET configurations',
      this.configurations.filter(
        (c) => c.type.name === typeName && (companyId === undefined || c.company.id === companyId),
      ),
    );
  }
  getConfiguration(id: number): Promise<Configuration | undefined> {
    return this.log(
      `GET configuration ${id}`,
      this.configurations.find((c) => c.id === id),
    );
  }
  createConfiguration(_input: NewConfiguration): Promise<Configuration> {
    throw new Error('FakeInspection is read-only: createConfiguration');
  }
  patchConfiguration(_id: number, _operations: readonly PatchOperation[]): Promise<Configuration> {
    throw new Error('FakeInspection is read-only: patchConfiguration');
  }
  listManagementSetups() {
    return this.log('GET management', this.setups);
  }
  executeManagedItSync(): never {
    throw new Error('FakeInspection is read-only: executeManagedItSync');
  }
  systemInfo() {
    if (this.systemInfoError) return Promise.reject(this.systemInfoError);
    return this.log('GET system/info', this.info);
  }
  listManagementBackups() {
    return this.log('GET managementBackups', this.backups);
  }
  listAgreements() {
    return this.log('GET agreements', this.agreements);
  }
  listAdditions(agreementId: number) {
    return this.log(`GET additions ${agreementId}`, this.additions.get(agreementId) ?? []);
  }
}

export const unauthorized = () =>
  new ConnectWiseHttpError('ConnectWise answered 401 to GET system/info', {
    method: 'GET',
    path: 'system/info',
    status: 401,
  });

export const ACCOUNT: Account = accountFixture('acme');
export { SECRET };

export const mapping = (n: number, patch: Partial<Mapping> = {}): Mapping => ({
  accountId: 'acme',
  clientId: `c${n}`,
  managedId: `M-${n}`,
  enabled: true,
  ...patch,
});

/**
 * The verify world's ConnectWise records for client `c<n>`: company `100 + n` (identifier `Client<n>`),
 * its default agreement `2000 + n`, and its configuration `10000 + n` holding 10·n GB for 2026-10.
 */
export const SOLUTION = { id: 11, name: 'Backup Cloud', managementItSolutionType: 'Custom' };
export const TYPE = { id: 31, name: 'Backup Stats' };

export const company = (n: number): Company => ({ id: 100 + n, identifier: `Client${n}`, name: `Client ${n}` });

export const agreement = (n: number): Agreement => ({
  id: 2000 + n,
  name: `Agreement ${n}`,
  type: { id: 71, name: 'Managed Services' },
  company: { id: 100 + n },
  agreementStatus: 'Active',
});

export const configuration = (n: number, patch: Partial<Configuration> = {}): Configuration => ({
  id: 10000 + n,
  name: `Client ${n}`,
  type: { id: TYPE.id, name: TYPE.name },
  company: { id: 100 + n, identifier: `Client${n}` },
  deviceIdentifier: `c${n}`,
  activeFlag: true,
  backupBillableSpaceGb: 10 * n,
  backupYear: 2026,
  backupMonth: 10,
  ...patch,
});

/** The doctor's dependencies over in-memory tables and `cw`; `patch` replaces any of them. */
export function doctorDeps(
  cw: FakeInspection,
  data: { accounts?: (Account | InvalidItem)[]; mappings?: Mapping[] } = {},
  patch: Partial<DoctorDeps> = {},
): DoctorDeps {
  const accounts = data.accounts ?? [ACCOUNT];
  const valid = (a: Account | InvalidItem): a is Account => 'secretId' in a;
  const empty = <T>(): Validated<T> => ({ items: [], invalid: [] });
  return {
    accounts: {
      get: async (id) => accounts.find((a) => (valid(a) ? a.accountId : a.key.accountId) === id),
      list: async () => ({
        items: accounts.filter(valid),
        invalid: accounts.filter((a): a is InvalidItem => !valid(a)),
      }),
    },
    mappings: {
      listByAccount: async (id) => ({ items: (data.mappings ?? []).filter((m) => m.accountId === id), invalid: [] }),
    },
    usage: { listByPeriod: async () => empty<UsageItem>() },
    ledger: {
      record: async () => undefined,
      list: async (): Promise<LedgerEntry[]> => [],
      recordRun: async () => undefined,
      listRuns: async () => [],
    },
    tables: { accounts: 'accounts', mappings: 'mappings', usage: 'usage', ledger: 'ledger' },
    secrets: { load: async () => SECRET },
    connectWise: async () => cw,
    now: new Date('2026-11-15T12:00:00Z'),
    progress: NO_PROGRESS,
    ...patch,
  };
}

/** Ownership records in memory. */
export class MemoryOwnership implements OwnershipRepository {
  constructor(public records: OwnedConfiguration[] = []) {}
  async listByAccount(accountId: string): Promise<OwnedConfiguration[]> {
    return this.records.filter((r) => r.accountId === accountId);
  }
  async put(records: readonly OwnedConfiguration[]): Promise<void> {
    this.records.push(...records);
  }
}

/** An ownership record for client `c<n>`'s configuration `configurationId` on company `100 + n`. */
export function owned(n: number, configurationId: number, patch: Partial<OwnedConfiguration> = {}): OwnedConfiguration {
  return {
    accountId: 'acme',
    clientId: `c${n}`,
    configurationId,
    companyId: 100 + n,
    managedId: `M-${n}`,
    origin: 'created',
    active: true,
    period: '2026-10',
    updatedAt: '2026-11-01T06:00:00Z',
    runId: 'run-1',
    ...patch,
  };
}
