import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../../lib/aws/dynamo-client.js';
import {
  DynamoAccountsRepository,
  DynamoMappingsRepository,
  DynamoUsageRepository,
} from '../../lib/aws/dynamodb-repositories.js';
import { ACCOUNT_DEFAULTS } from '../../lib/contract.js';
import { previousPeriod } from '../../lib/period.js';
import type { Mapping } from '../../lib/publisher/ports/index.js';
import type { UsageItem } from '../../lib/input/schemas.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { startLocalAws, TABLES, type LocalAws } from './local-aws.js';

/**
 * The page's world (`npm run sandbox`, the browser tests, the screenshots, the page bench): the demo's
 * two accounts and companies (scripts/demo.ts) on dynalite, the AWS stand-ins and one simulated
 * ConnectWise site per account, with last month's usage, plus clients nobody mapped yet whose names
 * match a company (suggestions: one on a company with a Management tab entry, one on a company
 * without, one ambiguous, one without any match).
 */
export interface SandboxWorld {
  readonly aws: LocalAws;
  readonly sims: ReadonlyMap<string, Simulator>;
  /** What a shell running `cwpub` against this world exports. */
  readonly env: Record<string, string>;
  /** Last month (the page's default period). */
  readonly period: string;
  readonly db: ReturnType<typeof createDocumentClient>;
  close(): Promise<void>;
}

interface SeedClient {
  readonly clientId: string;
  readonly clientName: string;
  readonly gb?: number;
  readonly enabled?: boolean;
  /** On a plan (contract v3): GB the plan includes. */
  readonly includedGb?: number;
}
interface SeedCompany {
  readonly identifier: string;
  readonly name: string;
  /** Absent: the company has no Management tab entry for the account's solution. */
  readonly managedId?: string;
  /** Mapped clients of the company. */
  readonly clients: readonly SeedClient[];
}
interface SeedAccount {
  readonly accountId: string;
  readonly billingLevel: 'Detail' | 'Summary';
  readonly companies: readonly SeedCompany[];
  /** Clients with usage and no mapping (their names drive the suggestions). */
  readonly unmapped: readonly SeedClient[];
}

export const SANDBOX_ACCOUNTS: readonly SeedAccount[] = [
  {
    accountId: 'msp-east',
    billingLevel: 'Detail',
    companies: [
      {
        identifier: 'Contoso',
        name: 'Contoso Ltd',
        managedId: 'CONTOSO-BKP',
        clients: [
          { clientId: 'bc-1001', clientName: 'Contoso file server', gb: 512.25 },
          { clientId: 'bc-1002', clientName: 'Contoso SQL', gb: 148 },
        ],
      },
      {
        identifier: 'Fabrikam',
        name: 'Fabrikam Inc',
        managedId: 'FABRIKAM-BKP',
        clients: [{ clientId: 'bc-1003', clientName: 'Fabrikam NAS', gb: 1024 }],
      },
      {
        identifier: 'Northwind',
        name: 'Northwind Traders',
        managedId: 'NORTHWIND-BKP',
        clients: [
          { clientId: 'bc-1004', clientName: 'Northwind laptops', gb: 37.5 },
          { clientId: 'bc-1005', clientName: 'Northwind old server', gb: 12, enabled: false },
        ],
      },
      {
        identifier: 'Tailspin',
        name: 'Tailspin Toys',
        managedId: 'TAILSPIN-BKP',
        clients: [{ clientId: 'bc-1006', clientName: 'Tailspin (new, no usage yet)' }],
      },
      { identifier: 'Litware', name: 'Litware Inc', managedId: 'LITWARE-BKP', clients: [] },
      { identifier: 'AlpineSkiHouse', name: 'Alpine Ski House', clients: [] },
      { identifier: 'CohoWinery', name: 'Coho Winery', clients: [] },
      { identifier: 'CohoWineryLLC', name: 'Coho Winery, LLC', clients: [] },
    ],
    unmapped: [
      { clientId: 'bc-1101', clientName: 'Litware, Inc.', gb: 220 },
      { clientId: 'bc-1102', clientName: 'Alpine Ski House', gb: 64.5 },
      { clientId: 'bc-1103', clientName: 'Blue Yonder Airlines', gb: 300 },
      { clientId: 'bc-1104', clientName: 'Coho Winery', gb: 18 },
    ],
  },
  {
    accountId: 'msp-west',
    billingLevel: 'Summary',
    companies: [
      {
        identifier: 'AdventureWorks',
        name: 'Adventure Works',
        managedId: 'AW-001',
        clients: [
          { clientId: 'w-01', clientName: 'AW head office', gb: 300, includedGb: 250 },
          { clientId: 'w-02', clientName: 'AW warehouse', gb: 75.75 },
        ],
      },
      {
        identifier: 'WideWorld',
        name: 'Wide World Importers',
        managedId: 'WWI-001',
        clients: [{ clientId: 'w-03', clientName: 'WWI servers', gb: 2048 }],
      },
    ],
    unmapped: [],
  },
];

export interface SandboxOptions {
  /** Extra mapped clients with usage in msp-east, `client-00001`…, spread over its companies (the page bench). */
  readonly bulkClients?: number;
  /** Only these accounts (default: both). */
  readonly accounts?: readonly string[];
}

export async function startSandboxWorld(options: SandboxOptions = {}): Promise<SandboxWorld> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const aws = await startLocalAws();
  const period = previousPeriod(new Date()).key;
  const db = createDocumentClient(
    new DynamoDBClient({
      endpoint: aws.dynamodbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  const sims = new Map<string, Simulator>();
  const accountsRepo = new DynamoAccountsRepository(db, TABLES.ACCOUNTS_TABLE);
  const mappingsRepo = new DynamoMappingsRepository(db, TABLES.MAPPINGS_TABLE);
  const usageRepo = new DynamoUsageRepository(db, TABLES.USAGE_TABLE);
  for (const account of SANDBOX_ACCOUNTS.filter((a) => !options.accounts || options.accounts.includes(a.accountId))) {
    const sim = await startSimulator({ companyId: account.accountId.replace('-', '') });
    sims.set(account.accountId, sim);
    const setup = sim.seed.backupBillingSetup({
      solutionName: 'Backup Cloud',
      billingLevel: account.billingLevel,
      deletedConfigurationStatus: 'Backup stopped',
    });
    const mappings: Mapping[] = [];
    const usage: UsageItem[] = [];
    const add = (c: SeedClient, managedId: string | undefined) => {
      if (managedId)
        mappings.push({
          accountId: account.accountId,
          clientId: c.clientId,
          managedId,
          clientName: c.clientName,
          enabled: c.enabled ?? true,
          ...(c.includedGb !== undefined ? { includedGb: c.includedGb } : {}),
        });
      if (c.gb !== undefined)
        usage.push({
          accountId: account.accountId,
          usageKey: `${period}#${c.clientId}`,
          period,
          clientId: c.clientId,
          billableSpaceGb: c.gb,
          clientName: c.clientName,
        });
    };
    for (const company of account.companies) {
      if (company.managedId) sim.seed.backupClient(setup, { ...company, managedId: company.managedId });
      else sim.seed.company({ identifier: company.identifier, name: company.name });
      for (const c of company.clients) add(c, company.managedId);
    }
    for (const c of account.unmapped) add(c, undefined);
    if (account.accountId === 'msp-east')
      for (let i = 1; i <= (options.bulkClients ?? 0); i++) {
        const id = `client-${String(i).padStart(5, '0')}`;
        add(
          { clientId: id, clientName: `Bulk client ${i}`, gb: 10 + (i % 13) },
          `${['CONTOSO', 'FABRIKAM', 'NORTHWIND'][i % 3]}-BKP`,
        );
      }
    const secretId = `cwpub/${account.accountId}`;
    aws.standIns.secrets.set(secretId, JSON.stringify({ site: sim.url, ...sim.credentials }));
    await accountsRepo.put({
      accountId: account.accountId,
      secretId,
      managementItName: 'Backup Cloud',
      enabled: true,
      configurationTypeName: 'Backup Stats',
      maxBillableSpaceGb: ACCOUNT_DEFAULTS.maxBillableSpaceGb,
      requestsPerMinute: ACCOUNT_DEFAULTS.requestsPerMinute,
    });
    await mappingsRepo.putMany(mappings);
    await usageRepo.putMany(usage);
  }
  return {
    aws,
    sims,
    env: { ...aws.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', LOG_LEVEL: 'warn' },
    period,
    db,
    close: async () => {
      db.destroy();
      await Promise.all([...sims.values()].map((s) => s.close()));
      await aws.close();
    },
  };
}
