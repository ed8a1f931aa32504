import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { runCli } from '../../lib/cli/program.js';
import type { CliOverrides } from '../../lib/cli/context.js';
import { billingRows } from '../../lib/cli/commands/billing.js';
import type {
  Account,
  LedgerEntry,
  LedgerRepository,
  Mapping,
  OwnedConfiguration,
  RunRecord,
} from '../../lib/publisher/ports/index.js';
import type { AwsClients } from '../../lib/runtime.js';
import { accountFixture } from '../support/fixtures.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ENV = {
  ACCOUNTS_TABLE: 'a',
  MAPPINGS_TABLE: 'm',
  USAGE_TABLE: 'u',
  LEDGER_TABLE: 'l',
  AWS_ACCESS_KEY_ID: 'k',
  AWS_SECRET_ACCESS_KEY: 's',
};
const NOW = new Date('2026-11-15T12:00:00Z');

/** Real SDK clients that are never sent anything: every table read goes to the fakes below. */
const config = { region: 'eu-west-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' } };
const awsClients: AwsClients = {
  dynamodb: new DynamoDBClient(config),
  secrets: new SecretsManagerClient(config),
  events: new EventBridgeClient(config),
};

const account = (accountId: string): Account => accountFixture(accountId);

const run = (accountId: string, period: string, startedAt: string, extra: Partial<RunRecord> = {}): RunRecord => ({
  accountId,
  period,
  runId: `${accountId}-${startedAt}`,
  startedAt,
  finishedAt: new Date(Date.parse(startedAt) + 83_000).toISOString(),
  published: 10,
  unchanged: 4990,
  retired: 0,
  skipped: 2,
  failed: 0,
  sync: 'triggered',
  outcome: 'ok',
  invocations: 1,
  ...extra,
});

const entry = (clientId: string, extra: Partial<LedgerEntry>): LedgerEntry => ({
  clientId,
  managedId: `M-${clientId}`,
  status: 'published',
  outcome: 'published',
  runId: 'r-oct',
  updatedAt: '2026-11-01T00:05:00.000Z',
  ...extra,
});

const owned = (clientId: string, configurationId: number, active: boolean): OwnedConfiguration => ({
  accountId: 'acme',
  clientId,
  configurationId,
  companyId: 250,
  managedId: `M-${clientId}`,
  origin: 'created',
  active,
  updatedAt: '2026-11-01T00:05:00.000Z',
  runId: 'r-oct',
});

const runsCalls: unknown[] = [];
const ledger: LedgerRepository = {
  record: async () => undefined,
  recordRun: async () => undefined,
  list: async (accountId, period) =>
    accountId === 'acme' && period === '2026-10'
      ? [
          entry('contoso', {
            publishedGb: 120.5,
            publishedAt: '2026-11-01T00:04:10.000Z',
            companyId: 250,
            configurationId: 9001,
          }),
          entry('fabrikam', {
            status: 'retired',
            outcome: 'retired',
            reason: 'billing stopped: its mapping is disabled',
            publishedGb: 7,
            companyId: 251,
          }),
          entry('northwind', { status: 'skipped', outcome: 'skipped', reason: 'no usage recorded for 2026-10' }),
          entry('litware', { status: 'failed', outcome: 'failed', reason: 'Managed ID "M-litware" is on no company' }),
        ]
      : [],
  listRuns: async (accountId, options) => {
    runsCalls.push([accountId, options]);
    const all =
      accountId === 'acme'
        ? [run('acme', '2026-10', '2026-11-01T00:03:00.000Z'), run('acme', '2026-09', '2026-10-01T00:03:00.000Z')]
        : [
            run('globex', '2026-10', '2026-11-01T00:04:00.000Z', {
              outcome: 'failed',
              failed: 3,
              error: 'secret cw/globex: field privateKey is missing',
            }),
          ];
    return all.filter((r) => !options?.period || r.period === options.period).slice(0, options?.limit);
  },
};

const overrides: CliOverrides = {
  awsClients,
  clock: () => NOW,
  accounts: {
    get: async (id) => (['acme', 'globex'].includes(id) ? account(id) : undefined),
    list: async () => ({ items: [account('acme'), account('globex')], invalid: [] }),
  },
  mappings: {
    listByAccount: async (accountId) => ({
      items:
        accountId === 'acme'
          ? ([
              { accountId, clientId: 'contoso', managedId: 'M-contoso', clientName: 'Contoso Ltd', enabled: true },
            ] as Mapping[])
          : [],
      invalid: [],
    }),
  },
  ledger,
  ownership: {
    listByAccount: async (accountId) =>
      accountId === 'acme' ? [owned('contoso', 9001, true), owned('fabrikam', 8001, false)] : [],
    put: async () => undefined,
  },
};

async function cwpub(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    argv,
    { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: ENV },
    overrides,
  );
  return { code, stdout, stderr };
}

describe('cwpub runs (from the Ledger)', () => {
  it('lists every account’s recent runs, newest first, with counts, outcome and duration', async () => {
    runsCalls.length = 0;
    const result = await cwpub(['runs', '--limit', '5']);
    expect(result.code).toBe(0);
    expect(runsCalls).toEqual([
      ['acme', { limit: 5 }],
      ['globex', { limit: 5 }],
    ]);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('3 run(s) in 2 account(s), 1 failed');
    expect(lines[1]).toMatch(
      /^STARTED \(UTC\)\s+ACCOUNT\s+PERIOD\s+OUTCOME\s+PUBLISHED\s+UNCHANGED\s+RETIRED\s+SKIPPED\s+FAILED\s+SYNC\s+TOOK\s+RUN\s+ERROR$/,
    );
    expect(lines[2]).toMatch(
      /^2026-11-01 00:04\s+globex\s+2026-10\s+FAILED\s+10\s+4990\s+0\s+2\s+3\s+triggered\s+1m23s\s+globex-\S+\s+secret cw\/globex: field privateKey is missing$/,
    );
    expect(lines[3]).toMatch(/^2026-11-01 00:03\s+acme\s+2026-10\s+ok /);
    expect(lines[4]).toMatch(/^2026-10-01 00:03\s+acme\s+2026-09\s+ok /);
  });

  it('filters by account and period, and prints CSV and JSON', async () => {
    const csv = await cwpub(['runs', '--account', 'acme', '--period', '2026-10', '--csv']);
    expect(csv.stdout.split('\r\n')).toEqual([
      'startedAt,finishedAt,accountId,period,runId,outcome,published,unchanged,retired,skipped,failed,sync,invocations,error',
      '2026-11-01T00:03:00.000Z,2026-11-01T00:04:23.000Z,acme,2026-10,acme-2026-11-01T00:03:00.000Z,ok,10,4990,0,2,0,triggered,1,',
      '',
    ]);
    const json = JSON.parse((await cwpub(['runs', '--account', 'acme', '--json'])).stdout) as { runs: RunRecord[] };
    expect(json.runs.map((r) => r.period)).toEqual(['2026-10', '2026-09']);
  });
});

describe('cwpub billing (from the Ledger and the owned configurations)', () => {
  it('"what did we bill Contoso for October, and when" is one command', async () => {
    const result = await cwpub(['billing', '--client', 'contoso', '--period', '2026-10', '--account', 'acme']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      'Billing 2026-10, client "contoso" (1 account(s)): 1 client(s) billed, 120.5 GB',
      'COMPANY  CLIENT   NAME            GB  CONFIG  PUBLISHED (UTC)   STATUS',
      '#250     contoso  Contoso Ltd  120.5    9001  2026-11-01 00:04  billed',
      'History: no run of this month changed or failed this client.',
      '',
    ]);
  });

  it('shows the billed and the stopped ones with their configuration, counts the rest; defaults to last month', async () => {
    const result = await cwpub(['billing']);
    const out = result.stdout;
    expect(out).toMatch(
      /^Billing 2026-10 \(2 account\(s\)\): 1 client\(s\) billed, 120.5 GB; billing stopped for 1; 1 failed$/m,
    );
    expect(out).toMatch(/^acme\s+#251\s+fabrikam\s+billing stopped: its mapping is disabled \(configuration 8001\)$/m);
    expect(out).not.toMatch(/litware|northwind/);
    expect(out).toMatch(/^1 skipped, 1 FAILED not listed \(--all lists every row/m);
    const all = (await cwpub(['billing', '--all'])).stdout;
    expect(all).toMatch(/^acme\s+litware .*FAILED: Managed ID "M-litware" is on no company$/m);
  });

  it('--csv lists the billed and stopped rows with the raw values (--all: every row); --json with it is refused', async () => {
    expect((await cwpub(['billing', '--account', 'acme', '--csv'])).stdout.split('\r\n')).toHaveLength(4);
    const both = await cwpub(['billing', '--csv', '--json']);
    expect(both.code).toBe(2);
    expect(both.stdout).toBe('');
    expect(both.stderr).toMatch(/--csv and --json cannot be used together/);
    const csv = (await cwpub(['billing', '--account', 'acme', '--csv', '--all'])).stdout.split('\r\n');
    expect(csv[0]).toBe(
      'accountId,period,clientId,clientName,managedId,companyId,company,status,reason,usageGb,publishedGb,publishedAt,configurationId,retiredConfigurationIds,runId,updatedAt',
    );
    expect(csv).toContain(
      'acme,2026-10,fabrikam,,M-fabrikam,251,,retired,billing stopped: its mapping is disabled,,7,,,8001,r-oct,2026-11-01T00:05:00.000Z',
    );
    expect(csv).toHaveLength(6);
  });

  it('billingRows keeps a moved client’s retired configurations and the active one', () => {
    const rows = billingRows(
      'acme',
      '2026-10',
      [entry('c1', { publishedGb: 5, retiredConfigurationIds: [77] })],
      [owned('c1', 78, true), owned('c1', 77, false)],
      new Map(),
    );
    expect(rows[0]).toMatchObject({
      configurationId: 78,
      retiredConfigurationIds: [77],
      publishedGb: 5,
      companyId: 250,
    });
  });
});
