/**
 * `npm start`: the embedded default. Starts dynalite (local DynamoDB), Secrets Manager/EventBridge
 * stand-ins and two simulated ConnectWise sites on loopback, seeds a realistic sample, invokes the
 * real Lambda handler with last month's scheduled event, and prints what happened and what
 * ConnectWise now shows. Nothing leaves this machine.
 */
import { ACCOUNT_DEFAULTS } from '../lib/contract.js';
import type { RunSummary } from '../lib/publisher/ports.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../lib/aws/dynamo-client.js';
import {
  DynamoAccountsRepository,
  DynamoMappingsRepository,
  DynamoUsageRepository,
} from '../lib/aws/dynamodb-repositories.js';
import { readConfig } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { previousPeriod } from '../lib/period.js';
import { createAwsClients } from '../lib/runtime.js';
import { formatGb, renderTable } from '../lib/cli/table.js';
import { createHandler } from '../functions/publish/handler.js';
import { startLocalAws, TABLES } from '../test/support/local-aws.js';
import { startSimulator, type Simulator } from '../test/simulator/index.js';

interface SampleClient {
  clientId: string;
  clientName: string;
  gb: number | undefined;
  enabled?: boolean;
}
interface SampleCompany {
  identifier: string;
  name: string;
  managedId: string;
  clients: SampleClient[];
}
interface SampleAccount {
  accountId: string;
  managementItName: string;
  billingLevel: 'Detail' | 'Summary';
  companies: SampleCompany[];
}

const SAMPLE: SampleAccount[] = [
  {
    accountId: 'msp-east',
    managementItName: 'Backup Cloud',
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
          { clientId: 'bc-1005', clientName: 'Northwind old server (retired)', gb: 12, enabled: false },
        ],
      },
      {
        identifier: 'Tailspin',
        name: 'Tailspin Toys',
        managedId: 'TAILSPIN-BKP',
        clients: [{ clientId: 'bc-1006', clientName: 'Tailspin (new, no usage yet)', gb: undefined }],
      },
    ],
  },
  {
    accountId: 'msp-west',
    managementItName: 'Backup Cloud',
    billingLevel: 'Summary',
    companies: [
      {
        identifier: 'AdventureWorks',
        name: 'Adventure Works',
        managedId: 'AW-001',
        clients: [
          { clientId: 'w-01', clientName: 'AW head office', gb: 300 },
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
  },
];

// The SDK warns that its 2027 releases need Node 22 (the Lambda runs Node 22); keep the demo readable.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const aws = await startLocalAws({ eventBus: 'cwpub-demo-bus' });
  aws.apply();
  process.env.LOG_LEVEL ??= 'warn';
  const now = new Date();
  const period = previousPeriod(now);
  const sims = new Map<string, Simulator>();
  const db = createDocumentClient(new DynamoDBClient({}));
  try {
    const accountsRepo = new DynamoAccountsRepository(db, TABLES.ACCOUNTS_TABLE);
    const mappingsRepo = new DynamoMappingsRepository(db, TABLES.MAPPINGS_TABLE);
    const usageRepo = new DynamoUsageRepository(db, TABLES.USAGE_TABLE);

    for (const account of SAMPLE) {
      const sim = await startSimulator({ companyId: account.accountId.replace('-', '') });
      sims.set(account.accountId, sim);
      const setup = sim.seed.backupBillingSetup({
        solutionName: account.managementItName,
        billingLevel: account.billingLevel,
      });
      for (const company of account.companies) {
        const client = sim.seed.backupClient(setup, {
          identifier: company.identifier,
          name: company.name,
          managedId: company.managedId,
        });
        if (company.identifier === 'Contoso') {
          // Last month's figure is already there: this run updates it in place.
          sim.seed.configuration({
            companyId: client.company.id,
            name: 'Contoso file server',
            deviceIdentifier: 'bc-1001',
            activeFlag: true,
            backupBillableSpaceGb: 498,
            backupYear: previousPeriod(new Date(Date.UTC(period.year, period.month - 1, 1))).year,
            backupMonth: previousPeriod(new Date(Date.UTC(period.year, period.month - 1, 1))).month,
          });
        }
      }
      const secretId = `cwpub/${account.accountId}`;
      // The secret's site is the simulator on loopback (http:// is allowed for loopback only).
      aws.standIns.secrets.set(secretId, JSON.stringify({ site: sim.url, ...sim.credentials }));
      await accountsRepo.put({
        accountId: account.accountId,
        secretId,
        managementItName: account.managementItName,
        enabled: true,
        configurationTypeName: 'Backup Stats',
        maxBillableSpaceGb: ACCOUNT_DEFAULTS.maxBillableSpaceGb,
        requestsPerMinute: ACCOUNT_DEFAULTS.requestsPerMinute,
      });
      const clients = account.companies.flatMap((c) => c.clients.map((cl) => ({ ...cl, managedId: c.managedId })));
      await mappingsRepo.putMany(
        clients.map((c) => ({
          accountId: account.accountId,
          clientId: c.clientId,
          managedId: c.managedId,
          clientName: c.clientName,
          enabled: c.enabled ?? true,
        })),
      );
      await usageRepo.putMany(
        clients
          .filter((c) => c.gb !== undefined)
          .map((c) => ({
            accountId: account.accountId,
            usageKey: `${period.key}#${c.clientId}`,
            period: period.key,
            clientId: c.clientId,
            billableSpaceGb: c.gb!,
          })),
      );
    }

    const config = readConfig(process.env);
    const handler = createHandler({
      config,
      clients: createAwsClients(),
      logger: createLogger(config.logLevel, process.stderr as never),
    });
    const event = {
      version: '0',
      id: 'demo',
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      time: now.toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: {},
    };
    const lastMonth = previousPeriod(new Date(Date.UTC(period.year, period.month - 1, 1)));
    console.log(`connectwise-usage-publisher demo — scheduled run at ${now.toISOString()}, publishing ${period.key}`);
    console.log(
      `Seeded: 2 accounts (ConnectWise sites), ${SAMPLE.reduce((n, a) => n + a.companies.length, 0)} companies, ` +
        `${SAMPLE.reduce((n, a) => n + a.companies.reduce((m, c) => m + c.clients.length, 0), 0)} mapped clients; ` +
        `bc-1001 already has a ${lastMonth.key} configuration (498 GB) that this run updates in place.\n`,
    );
    const summary = (await handler(event)) as RunSummary;

    for (const account of summary.accounts) {
      const sim = sims.get(account.accountId)!;
      console.log(
        `Account ${account.accountId} (ConnectWise at ${sim.url}): ${account.published} published, ${account.unchanged} unchanged, ` +
          `${account.skipped} skipped, ${account.failed} failed; sync ${account.sync}; ${account.requests} ConnectWise requests`,
      );
      console.log(
        renderTable(
          ['Client', 'Managed ID', 'Company', 'GB', 'Outcome', 'Reason'],
          account.results.map((r) => [
            r.clientId,
            r.managedId,
            r.companyIdentifier ?? '',
            formatGb(r.billableSpaceGb),
            r.status,
            r.reason,
          ]),
        ),
      );
      const companyName = (id: number) => sim.state.companies.get(id)?.identifier ?? String(id);
      console.log('\nWhat ConnectWise shows — Backup Stats configurations (company > Configurations):');
      console.log(
        renderTable(
          ['Config #', 'Company', 'Name', 'Device ID', 'Billable Space GB', 'Year', 'Month'],
          sim.state.configurations
            .all()
            .map((c) => [
              c.id,
              companyName(c.company.id),
              c.name,
              c.deviceIdentifier ?? '',
              formatGb(c.backupBillableSpaceGb ?? undefined),
              c.backupYear ?? '',
              c.backupMonth ?? '',
            ]),
        ),
      );
      console.log(
        `\nAgreement additions after the Management sync (billing level ${SAMPLE.find((s) => s.accountId === account.accountId)!.billingLevel}):`,
      );
      console.log(
        renderTable(
          ['Agreement', 'Company', 'Product', 'Quantity', 'Description'],
          sim.state.additions.all().map((x) => {
            const agreement = sim.state.agreements.get(x.agreementId);
            return [
              agreement?.name ?? x.agreementId,
              agreement ? companyName(agreement.company.id) : '',
              x.product.identifier ?? x.product.id,
              formatGb(x.quantity),
              x.description ?? '',
            ];
          }),
        ),
      );
      console.log('');
    }
    const events = aws.standIns.events.map(
      (e) => `${e.DetailType} (${(JSON.parse(e.Detail) as { accountId: string }).accountId})`,
    );
    console.log(`EventBridge events sent: ${events.join(', ')}`);
    console.log('Re-run it with: npx cwpub publish --dry-run   (against your own tables; see README)');
  } finally {
    db.destroy();
    await Promise.all([...sims.values()].map((s) => s.close()));
    await aws.close();
  }
}

await main();
