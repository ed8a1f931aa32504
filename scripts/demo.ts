/**
 * `npm start`: the embedded default. Starts dynalite (local DynamoDB), Secrets Manager/EventBridge
 * stand-ins and two simulated ConnectWise sites on loopback, seeds a realistic sample and invokes the
 * real Lambda handler for two months in a row: month 1 bills everyone; between the months one
 * account changes (a mapping disabled, a client without usage, a Managed ID moved, a disabled
 * client back), and month 2 shows billing stop for those who left and move with the one who moved.
 * A dry run of month 2 then finds nothing left to change. Nothing leaves this machine.
 *
 * Everything printed is read back from what really happened (the handler's summaries, the
 * simulator's additions, the recorded events); the demo asserts nothing, and exits non-zero when
 * the handler throws.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ACCOUNT_DEFAULTS } from '../lib/contract.js';
import type { AccountSummary, RunSummary } from '../lib/publisher/ports/index.js';
import { createDocumentClient } from '../lib/aws/dynamo-client.js';
import {
  DynamoAccountsRepository,
  DynamoMappingsRepository,
  DynamoUsageRepository,
} from '../lib/aws/dynamodb-repositories.js';
import { readConfig } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { makePeriod, previousPeriod, type Period } from '../lib/period.js';
import { createAwsClients } from '../lib/runtime.js';
import { renderColumns } from '../lib/cli/columns.js';
import { count, formatGb, wrapText } from '../lib/cli/listing.js';
import { renderSummary } from '../lib/cli/commands/publish.js';
import { displayFor, type Display } from '../lib/cli/terminal.js';
import { createHandler } from '../functions/publish/handler.js';
import { startLocalAws, TABLES, type LocalAws } from '../test/support/local-aws.js';
import { startSimulator, type Simulator } from '../test/simulator/index.js';

interface SampleClient {
  clientId: string;
  clientName: string;
  /** Billable GB in month 1 and month 2 (undefined: no usage recorded that month). */
  gb: [number | undefined, number | undefined];
  /** Mapping enabled in month 1 and month 2 (default: both). */
  enabled?: [boolean, boolean];
  /** GB its plan includes: only usage above it is billed (contract v3). */
  includedGb?: number;
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
  /** Between the months, this Managed ID's Management tab entry moves to a new company. */
  move?: { managedId: string; to: { identifier: string; name: string } };
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
          { clientId: 'bc-1001', clientName: 'Contoso file server', gb: [512.25, 530.5] },
          { clientId: 'bc-1002', clientName: 'Contoso SQL', gb: [148, 150], enabled: [true, false] },
        ],
      },
      {
        identifier: 'Fabrikam',
        name: 'Fabrikam Inc',
        managedId: 'FABRIKAM-BKP',
        clients: [{ clientId: 'bc-1003', clientName: 'Fabrikam NAS', gb: [1024, undefined] }],
      },
      {
        identifier: 'Northwind',
        name: 'Northwind Traders',
        managedId: 'NORTHWIND-BKP',
        clients: [
          { clientId: 'bc-1004', clientName: 'Northwind laptops', gb: [37.5, 41] },
          { clientId: 'bc-1005', clientName: 'Northwind old server', gb: [12, 12], enabled: [false, true] },
        ],
      },
      {
        identifier: 'Tailspin',
        name: 'Tailspin Toys',
        managedId: 'TAILSPIN-BKP',
        clients: [{ clientId: 'bc-1006', clientName: 'Tailspin (new, no usage yet)', gb: [undefined, undefined] }],
      },
    ],
    move: { managedId: 'NORTHWIND-BKP', to: { identifier: 'NWHoldings', name: 'Northwind Holdings' } },
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
          { clientId: 'w-01', clientName: 'AW head office', gb: [300, 310], includedGb: 250 },
          { clientId: 'w-02', clientName: 'AW warehouse', gb: [75.75, 75.75] },
        ],
      },
      {
        identifier: 'WideWorld',
        name: 'Wide World Importers',
        managedId: 'WWI-001',
        clients: [{ clientId: 'w-03', clientName: 'WWI servers', gb: [2048, 2100] }],
      },
    ],
  },
];

/** The configuration bc-1001 already has before month 1: this run adopts it and updates it in place. */
const EXISTING = { clientId: 'bc-1001', company: 'Contoso', gb: 498 };

// The SDK warns that its 2027 releases need Node 22 (the Lambda runs Node 22); keep the demo readable.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

type Rows = readonly (readonly string[])[];

/** The demo's stores: the three tables the sample is written to. */
interface Repos {
  readonly accounts: DynamoAccountsRepository;
  readonly mappings: DynamoMappingsRepository;
  readonly usage: DynamoUsageRepository;
}

/** What every step of the demo shares. */
interface Demo {
  readonly aws: LocalAws;
  readonly sims: Map<string, Simulator>;
  readonly repos: Repos;
  readonly months: readonly [Period, Period];
  readonly display: Display;
  /** Prose is wrapped to the display; tables and the CLI's summary come laid out to fit and are printed as they are. */
  readonly out: (...texts: string[]) => void;
  readonly run: (payload: Record<string, unknown>) => Promise<RunSummary>;
  /** The EventBridge events sent since the last call, as one line. */
  readonly newEvents: () => string;
}

async function main(): Promise<void> {
  const aws = await startLocalAws({ eventBus: 'cwpub-demo-bus' });
  aws.apply();
  process.env.LOG_LEVEL ??= 'warn';
  // The product refuses the current month (not over yet): the demo publishes the two months before it.
  const month2 = previousPeriod(new Date());
  const month1 = previousPeriod(firstDay(month2));
  const display = demoDisplay();
  const out = (...texts: string[]) => {
    for (const text of texts) process.stdout.write(`${text.includes('\n') ? text : wrapText(text, display)}\n`);
  };
  const sims = new Map<string, Simulator>();
  const db = createDocumentClient(new DynamoDBClient({}));
  try {
    const repos: Repos = {
      accounts: new DynamoAccountsRepository(db, TABLES.ACCOUNTS_TABLE),
      mappings: new DynamoMappingsRepository(db, TABLES.MAPPINGS_TABLE),
      usage: new DynamoUsageRepository(db, TABLES.USAGE_TABLE),
    };
    const demo: Demo = { aws, sims, repos, months: [month1, month2], display, out, ...handlerRun(aws) };
    let existingConfigurationId = 0;
    for (const account of SAMPLE) {
      existingConfigurationId = (await seedAccount(demo, account)) ?? existingConfigurationId;
    }
    introduce(demo, existingConfigurationId);
    await publishMonthOne(demo, existingConfigurationId);
    await changeBetweenMonths(demo);
    await publishMonthTwo(demo);
  } finally {
    db.destroy();
    await Promise.all([...sims.values()].map((s) => s.close()));
    await aws.close();
  }
}

/** The real handler, as the schedule invokes it, and the events it sends. */
function handlerRun(aws: LocalAws): Pick<Demo, 'run' | 'newEvents'> {
  const config = readConfig(process.env);
  const handler = createHandler({
    config,
    clients: createAwsClients(),
    logger: createLogger(config.logLevel, process.stderr as never),
  });
  const run = async (payload: Record<string, unknown>): Promise<RunSummary> => {
    const summary = (await handler(payload)) as RunSummary;
    return { ...summary, accounts: [...summary.accounts].sort((a, b) => a.accountId.localeCompare(b.accountId)) };
  };
  let eventsSeen = 0;
  const newEvents = () => {
    const sent = aws.standIns.events.slice(eventsSeen).map((e) => {
      const { accountId } = JSON.parse(e.Detail) as { accountId?: string };
      return `${e.DetailType} (${accountId ?? '?'})`;
    });
    eventsSeen = aws.standIns.events.length;
    return `EventBridge events sent: ${sent.length > 0 ? sent.sort().join(', ') : 'none'}`;
  };
  return { run, newEvents };
}

/** Writes an account's mappings and its usage of month `i` (0: month 1, 1: month 2). */
async function putMonth(demo: Demo, account: SampleAccount, i: 0 | 1): Promise<void> {
  const period = demo.months[i];
  const clients = account.companies.flatMap((c) => c.clients.map((cl) => ({ ...cl, managedId: c.managedId })));
  await demo.repos.mappings.putMany(
    clients.map((c) => ({
      accountId: account.accountId,
      clientId: c.clientId,
      managedId: c.managedId,
      clientName: c.clientName,
      enabled: c.enabled?.[i] ?? true,
      ...(c.includedGb !== undefined ? { includedGb: c.includedGb } : {}),
    })),
  );
  await demo.repos.usage.putMany(
    clients.flatMap((c) => {
      const gb = c.gb[i];
      if (gb === undefined) return [];
      return [
        {
          accountId: account.accountId,
          usageKey: `${period.key}#${c.clientId}`,
          period: period.key,
          clientId: c.clientId,
          billableSpaceGb: gb,
          // The metering names its clients too (contract v3): what `cwpub mappings suggest` matches.
          clientName: c.clientName,
        },
      ];
    }),
  );
}

/**
 * Starts the account's simulated ConnectWise site, seeds its companies, stores its secret, account and
 * month-1 data. Returns the id of the configuration EXISTING already has when this account holds it.
 */
async function seedAccount(demo: Demo, account: SampleAccount): Promise<number | undefined> {
  const sim = await startSimulator({ companyId: account.accountId.replace('-', '') });
  demo.sims.set(account.accountId, sim);
  const setup = sim.seed.backupBillingSetup({
    solutionName: account.managementItName,
    billingLevel: account.billingLevel,
    // What a retired configuration gets besides activeFlag=false (doctor warns when unset).
    deletedConfigurationStatus: 'Backup stopped',
  });
  let existingConfigurationId: number | undefined;
  for (const company of account.companies) {
    const client = sim.seed.backupClient(setup, {
      identifier: company.identifier,
      name: company.name,
      managedId: company.managedId,
    });
    if (company.identifier === EXISTING.company) {
      const before = previousPeriod(firstDay(demo.months[0]));
      existingConfigurationId = sim.seed.configuration({
        companyId: client.company.id,
        name: company.clients.find((c) => c.clientId === EXISTING.clientId)!.clientName,
        deviceIdentifier: EXISTING.clientId,
        activeFlag: true,
        backupBillableSpaceGb: EXISTING.gb,
        backupYear: before.year,
        backupMonth: before.month,
      }).id;
    }
  }
  const secretId = `cwpub/${account.accountId}`;
  // The secret's site is the simulator on loopback (http:// is allowed for loopback only).
  demo.aws.standIns.secrets.set(secretId, JSON.stringify({ site: sim.url, ...sim.credentials }));
  await demo.repos.accounts.put({
    accountId: account.accountId,
    secretId,
    managementItName: account.managementItName,
    enabled: true,
    configurationTypeName: 'Backup Stats',
    maxBillableSpaceGb: ACCOUNT_DEFAULTS.maxBillableSpaceGb,
    requestsPerMinute: ACCOUNT_DEFAULTS.requestsPerMinute,
  });
  await putMonth(demo, account, 0);
  return existingConfigurationId;
}

/** What the demo is and what it seeded. */
function introduce(demo: Demo, existingConfigurationId: number): void {
  const companies = SAMPLE.reduce((n, a) => n + a.companies.length, 0);
  const clients = SAMPLE.reduce((n, a) => n + a.companies.reduce((m, c) => m + c.clients.length, 0), 0);
  demo.out(
    `connectwise-usage-publisher demo: the real Lambda handler, local DynamoDB (dynalite), two ` +
      `simulated ConnectWise sites on loopback. Nothing leaves this machine.`,

    `Seeded: 2 accounts (msp-east bills in Detail, msp-west in Summary), ${companies} companies, ${clients} mapped ` +
      `clients; ${EXISTING.clientId} already has configuration ${existingConfigurationId} ` +
      `(${previousPeriod(firstDay(demo.months[0])).key}, ${EXISTING.gb} GB).`,
    ...planNotes(),
  );
}

/** Month 1: the monthly schedule's payload; the period is the month before scheduledTime. */
async function publishMonthOne(demo: Demo, existingConfigurationId: number): Promise<void> {
  const { out, display, sims } = demo;
  const month1 = demo.months[0];
  const scheduled1 = scheduledTime(month1);
  out('', heading(`Month 1: the schedule (scheduledTime ${scheduled1}) publishes ${month1.key}`, display));
  out(renderSummary(await demo.run({ scheduledTime: scheduled1 }), display));
  out('', `What ConnectWise bills after the sync (agreement additions):`);
  out(billingTable(sims, display));
  const existing = sims
    .get('msp-east')!
    .state.configurations.all()
    .filter((c) => c.deviceIdentifier === EXISTING.clientId);
  out(
    `${EXISTING.clientId}'s configuration${existing.length > 1 ? 's' : ''}: ` +
      existing
        .map(
          (c) =>
            `${c.id} (${c.backupYear}-${String(c.backupMonth).padStart(2, '0')}, ${formatGb(c.backupBillableSpaceGb)} GB)`,
        )
        .join(', ') +
      (existing.length === 1 && existing[0]!.id === existingConfigurationId ? ': updated in place.' : '.'),
  );
  out(demo.newEvents());
}

/** Between the months: what changed in msp-east (mappings, usage, ConnectWise). */
async function changeBetweenMonths(demo: Demo): Promise<void> {
  const { out } = demo;
  const month2 = demo.months[1];
  out('', heading(`Between the months`, demo.display));
  for (const account of SAMPLE) {
    for (const company of account.companies)
      for (const c of company.clients) {
        const [was, now] = c.enabled ?? [true, true];
        if (was && !now) out(`- ${c.clientId} (${c.clientName}): its mapping is disabled`);
        if (!was && now)
          out(`- ${c.clientId} (${c.clientName}): its mapping is enabled again (${formatGb(c.gb[1])} GB)`);
        if (c.gb[0] !== undefined && c.gb[1] === undefined && (c.enabled?.[1] ?? true))
          out(`- ${c.clientId} (${c.clientName}): no usage recorded for ${month2.key}`);
      }
    if (account.move) {
      const sim = demo.sims.get(account.accountId)!;
      const to = sim.seed.company(account.move.to);
      sim.seed.moveManagedId(account.move.managedId, to.id);
      const moved = account.companies.find((c) => c.managedId === account.move!.managedId)!;
      out(
        `- Managed ID ${moved.managedId} (${moved.clients.map((c) => c.clientId).join(', ')}) moved ` +
          `from company ${moved.identifier} to ${to.identifier} (new)`,
      );
    }
    await putMonth(demo, account, 1);
  }
  out(`- the other clients (msp-west: all of them) just have new usage for ${month2.key}`);
}

/** Month 2 by the schedule, then a dry run of it again. */
async function publishMonthTwo(demo: Demo): Promise<void> {
  const { out, display, sims } = demo;
  const month2 = demo.months[1];
  const scheduled2 = scheduledTime(month2);
  out('', heading(`Month 2: the schedule (scheduledTime ${scheduled2}) publishes ${month2.key}`, display));
  out(renderSummary(await demo.run({ scheduledTime: scheduled2 }), display));
  out('', `What ConnectWise bills now:`);
  out(billingTable(sims, display));
  out('', `Additions the sync cancelled (billing stopped):`);
  out(cancelledTable(sims, display));
  out(demo.newEvents());

  out('', heading(`Dry run of ${month2.key} again (as cwpub publish --dry-run --period ${month2.key})`, display));
  const dry = await demo.run({ period: month2.key, dryRun: true });
  for (const account of dry.accounts) out(dryRunLine(account));
  out(demo.newEvents());
  out('', 'Try it on your own tables: cwpub publish --dry-run (docs/cli.md); or click: npm run sandbox.');
}

/** One line per sample client on a plan (contract v3 included allowance). */
function planNotes(): string[] {
  return SAMPLE.flatMap((a) =>
    a.companies.flatMap((co) =>
      co.clients
        .filter((c) => c.includedGb !== undefined)
        .map(
          (c) =>
            `${c.clientId} (${c.clientName}) is on a plan with ${formatGb(c.includedGb)} GB included: ` +
            `only its usage above that is billed.`,
        ),
    ),
  );
}

function firstDay(period: Period): Date {
  return new Date(Date.UTC(period.year, period.month - 1, 1));
}

/** The schedule's default (cron(0 6 1 * ? *)): 06:00 UTC on the 1st of the month after `period`. */
function scheduledTime(period: Period): string {
  const next = period.month === 12 ? makePeriod(period.year + 1, 1) : makePeriod(period.year, period.month + 1);
  return new Date(Date.UTC(next.year, next.month - 1, 1, 6)).toISOString().replace('.000Z', 'Z');
}

/** The CLI's display for stdout, at most 100 columns (also when piped, so the output stays readable). */
function demoDisplay(): Display {
  const display = displayFor(process.stdout, process.env);
  return { ...display, width: Math.min(display.width, 100) };
}

function heading(text: string, display: Display): string {
  return display.color ? display.c.bold(`== ${text}`) : `== ${text}`;
}

/** What bills now on every site (`sim.billing()`): account, company, clients, quantity, configurations. */
function billingTable(sims: ReadonlyMap<string, Simulator>, display: Display): string {
  const rows: string[][] = [];
  for (const [accountId, sim] of sims)
    for (const b of sim.billing())
      rows.push([
        accountId,
        companyIdentifier(sim, b.companyId),
        b.deviceIdentifiers.join(', '),
        formatGb(b.quantity),
        b.configurationIds.join(', '),
      ]);
  return table(['ACCOUNT', 'COMPANY', 'CLIENTS', 'GB', 'CONFIGURATIONS'], rows, display);
}

/** Additions with a cancelledDate: the sync stopped billing them. */
function cancelledTable(sims: ReadonlyMap<string, Simulator>, display: Display): string {
  const rows: string[][] = [];
  for (const [accountId, sim] of sims)
    for (const a of sim.state.additions.all()) {
      if (!a.cancelledDate) continue;
      const agreement = sim.state.agreements.get(a.agreementId);
      const configurationIds = sim.state.additionSources.get(a.id)?.configurationIds ?? [];
      rows.push([
        accountId,
        agreement ? companyIdentifier(sim, agreement.company.id) : String(a.agreementId),
        configurationIds.map((id) => sim.state.configurations.get(id)?.deviceIdentifier ?? `#${id}`).join(', '),
        formatGb(a.quantity),
        configurationIds.join(', '),
        a.cancelledDate.slice(0, 10),
      ]);
    }
  if (rows.length === 0) return '(none)';
  return table(['ACCOUNT', 'COMPANY', 'CLIENTS', 'GB', 'CONFIGURATIONS', 'CANCELLED'], rows, display);
}

function table(headers: readonly string[], rows: Rows, display: Display): string {
  return renderColumns(
    headers.map((header, i) => ({
      header,
      value: (row: readonly string[]) => row[i],
      align: header === 'GB' ? ('right' as const) : ('left' as const),
      fit: header === 'CLIENTS' ? ('wrap' as const) : ('keep' as const),
    })),
    rows,
    display,
  );
}

function companyIdentifier(sim: Simulator, companyId: number): string {
  return sim.state.companies.get(companyId)?.identifier ?? String(companyId);
}

/** One line per account: would the dry run change anything? */
function dryRunLine(account: AccountSummary): string {
  const counts = [
    account.failed > 0 ? `${count(account.failed)} failed` : '',
    account.planned > 0 ? `${count(account.planned)} would change` : '',
    account.unchanged > 0 ? `${count(account.unchanged)} already up to date` : '',
    account.skipped > 0 ? `${count(account.skipped)} skipped` : '',
  ].filter(Boolean);
  const verdict =
    account.error !== undefined
      ? `error: ${account.error}`
      : account.planned === 0 && account.failed === 0
        ? 'nothing would change'
        : 'would change';
  return `${account.accountId}: ${verdict} (${counts.join(', ')})`;
}

await main();
