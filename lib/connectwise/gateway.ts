import { ConnectWiseHttpError, InputValidationError } from '../errors.js';
import { andConditions, equalsCondition } from './conditions.js';
import type { ConnectWiseClient } from './http-client.js';
import type { ConnectWiseInspectionPort, ManagementTabWriter } from '../publisher/ports/connectwise.js';
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
} from './types.js';

const CONFIGURATION_FIELDS = [
  'id',
  'name',
  'type',
  'company',
  'deviceIdentifier',
  'activeFlag',
  'backupBillableSpaceGb',
  'backupYear',
  'backupMonth',
  'status',
  'vendorNotes',
];

const COMPANY_FIELDS = ['id', 'identifier', 'name', 'deletedFlag'];
/** Ids per `id in (...)` condition: keeps the query string short for any proxy on the way. */
export const COMPANY_IDS_PER_REQUEST = 100;

/** The ConnectWise port over the REST client. Names only ever enter conditions through `equalsCondition`. */
export class ConnectWiseGateway implements ConnectWiseInspectionPort, ManagementTabWriter {
  constructor(private readonly client: ConnectWiseClient) {}

  requestCount(): number {
    return this.client.stats.requests;
  }

  findManagementItSolutions(name: string): Promise<ManagementItSolution[]> {
    return this.client.list('company/managementItSolutions', { conditions: equalsCondition('name', name) });
  }

  findConfigurationTypes(name: string): Promise<ConfigurationType[]> {
    return this.client.list('company/configurations/types', { conditions: equalsCondition('name', name) });
  }

  listCompanies(): Promise<Company[]> {
    return this.client.list('company/companies', {
      conditions: equalsCondition('deletedFlag', false),
      fields: COMPANY_FIELDS,
    });
  }

  async listCompaniesByIds(ids: readonly number[]): Promise<Company[]> {
    for (const id of ids) {
      if (!Number.isSafeInteger(id) || id < 1)
        throw new InputValidationError(`company id must be a positive integer (got ${id})`, { field: 'companyId' });
    }
    const unique = [...new Set(ids)].sort((a, b) => a - b);
    const companies: Company[] = [];
    for (let i = 0; i < unique.length; i += COMPANY_IDS_PER_REQUEST) {
      const chunk = unique.slice(i, i + COMPANY_IDS_PER_REQUEST);
      // Integers only (checked above), so the list is safe in a condition.
      companies.push(
        ...(await this.client.list<Company>('company/companies', {
          conditions: `id in (${chunk.join(',')})`,
          fields: COMPANY_FIELDS,
        })),
      );
    }
    return companies;
  }

  async listAgreementsOfCompanies(companyIds: readonly number[]): Promise<Agreement[]> {
    const agreements: Agreement[] = [];
    for (const chunk of companyIdChunks(companyIds))
      agreements.push(
        ...(await this.client.list<Agreement>('finance/agreements', {
          conditions: `company/id in (${chunk.join(',')})`,
        })),
      );
    return agreements;
  }

  listManagementEntries(companyId: number): Promise<ManagementEntry[]> {
    return this.client.list(`company/companies/${companyId}/managementSummaryReports`, {
      fields: ['id', 'groupIdentifier', 'managementSolution', 'deviceType', 'agreement', 'company'],
    });
  }

  listConfigurations(typeName: string, companyId?: number): Promise<Configuration[]> {
    const conditions = andConditions(
      equalsCondition('type/name', typeName),
      companyId === undefined ? '' : equalsCondition('company/id', companyId),
    );
    return this.client.list('company/configurations', { conditions, fields: CONFIGURATION_FIELDS });
  }

  async getConfiguration(id: number): Promise<Configuration | undefined> {
    try {
      return await this.client.request<Configuration>('GET', `company/configurations/${id}`, {
        searchParams: { fields: CONFIGURATION_FIELDS.join(',') },
      });
    } catch (error) {
      if (error instanceof ConnectWiseHttpError && error.status === 404) return undefined;
      throw error;
    }
  }

  createConfiguration(input: NewConfiguration): Promise<Configuration> {
    return this.client.request('POST', 'company/configurations', { json: input, idempotent: false });
  }

  patchConfiguration(id: number, operations: readonly PatchOperation[]): Promise<Configuration> {
    return this.client.request('PATCH', `company/configurations/${id}`, { json: operations });
  }

  /** Not retried blindly (a POST): onboarding reads the tab back when the answer is lost. */
  createManagementEntry(companyId: number, entry: NewManagementEntry): Promise<ManagementEntry> {
    if (!Number.isSafeInteger(companyId) || companyId < 1)
      throw new InputValidationError(`company id must be a positive integer (got ${companyId})`, {
        field: 'companyId',
      });
    return this.client.request('POST', `company/companies/${companyId}/managementSummaryReports`, {
      json: entry,
      idempotent: false,
    });
  }

  listManagementSetups(): Promise<ManagementSetup[]> {
    // No `fields`: the whole record, so addedConfigurationStatus / deletedConfigurationStatus always come back.
    return this.client.list('company/management');
  }

  async executeManagedItSync(managementId: number): Promise<SyncResult> {
    // Re-running a sync is harmless, so a sync whose answer was lost may be retried.
    const answer = await this.client.request<SyncResult | undefined>(
      'POST',
      `company/management/${managementId}/executeManagedItSync`,
      {
        idempotent: true,
      },
    );
    // Its `message` is server text that reaches the summary and the events: scrubbed like error text.
    return typeof answer?.message === 'string'
      ? { ...answer, message: this.client.redact(answer.message) }
      : (answer as SyncResult);
  }

  systemInfo(): Promise<SystemInfo> {
    return this.client.request('GET', 'system/info');
  }

  listManagementBackups(): Promise<ManagementBackup[]> {
    return this.client.list('company/managementBackups');
  }

  listAgreements(companyId?: number): Promise<Agreement[]> {
    return this.client.list('finance/agreements', {
      ...(companyId === undefined ? {} : { conditions: equalsCondition('company/id', companyId) }),
    });
  }

  listAdditions(agreementId: number): Promise<Addition[]> {
    return this.client.list(`finance/agreements/${agreementId}/additions`);
  }
}

/** Distinct positive integer ids, ascending, in chunks that fit one `in (...)` condition. */
function companyIdChunks(ids: readonly number[]): number[][] {
  for (const id of ids) {
    if (!Number.isSafeInteger(id) || id < 1)
      throw new InputValidationError(`company id must be a positive integer (got ${id})`, { field: 'companyId' });
  }
  const unique = [...new Set(ids)].sort((a, b) => a - b);
  const chunks: number[][] = [];
  for (let i = 0; i < unique.length; i += COMPANY_IDS_PER_REQUEST)
    chunks.push(unique.slice(i, i + COMPANY_IDS_PER_REQUEST));
  return chunks;
}
