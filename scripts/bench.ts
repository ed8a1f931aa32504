/**
 * `npm run bench`: the publisher against the simulator with simulated latency. Prints figures; asserts nothing.
 * For ConnectWise the scarce resource is requests per minute per site, so every scenario counts the
 * requests and states the time they take at the account's budget (requests ÷ requestsPerMinute).
 *   npm run bench -- --clients 2000 --companies 200 --noise 2800 --latency 20 --accounts 12
 * 1. A big site: first month (full Management tab scan) and next month (only known companies).
 * 2. The request governor at its real budget: the most requests the site saw in any 60 s.
 * 3. Many accounts at once (the CLI's parallel publish; the state machine's Map does the same).
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { pino } from 'pino';
import { createDocumentClient } from '../lib/aws/dynamo-client.js';
import { DynamoAccountsRepository, DynamoUsageRepository } from '../lib/aws/dynamodb-repositories.js';
import { readConfig } from '../lib/config.js';
import { ACCOUNT_DEFAULTS } from '../lib/contract.js';
import { makePeriod, type Period } from '../lib/period.js';
import type { PublisherDeps } from '../lib/publisher/ports/index.js';
import { runPublish } from '../lib/publisher/run-publish.js';
import { createAwsClients, createPublisherDeps } from '../lib/runtime.js';
import { startLocalAws, TABLES, type LocalAws } from '../test/support/local-aws.js';
import type { Simulator } from '../test/simulator/index.js';
import { benchPacing } from './bench-pacing.js';
import { seedBenchSite } from './bench-seed.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '2000' },
    companies: { type: 'string', default: '200' },
    noise: { type: 'string', default: '2800' },
    latency: { type: 'string', default: '20' },
    accounts: { type: 'string', default: '12' },
    'governor-clients': { type: 'string', default: '700' },
    'pacing-clients': { type: 'string', default: '300' },
  },
});
const CLIENTS = Number(values.clients);
const COMPANIES = Number(values.companies);
const NOISE = Number(values.noise);
const LATENCY = Number(values.latency);
const ACCOUNTS = Number(values.accounts);
const GOVERNOR_CLIENTS = Number(values['governor-clients']);
const PACING_CLIENTS = Number(values['pacing-clients']);
const SEPTEMBER = makePeriod(2026, 9);
const OCTOBER = makePeriod(2026, 10);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
/** High enough that the governor never waits: scenario 1 measures the publisher's own cost. */
const UNTHROTTLED = 100_000;

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const rows: string[][] = [];
const atBudget = (requests: number) => `${(requests / ACCOUNT_DEFAULTS.requestsPerMinute).toFixed(1)} min`;

async function timed<T>(fn: () => Promise<T>): Promise<{ s: string; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { s: ((performance.now() - started) / 1000).toFixed(1), value };
}

async function seedAccount(
  aws: LocalAws,
  db: ReturnType<typeof createDocumentClient>,
  accountId: string,
  options: {
    clients: number;
    companies: number;
    noise: number;
    latency: number;
    requestsPerMinute: number;
    periods: Period[];
  },
): Promise<Simulator> {
  const { sim, clientIds: ids } = await seedBenchSite(aws, db, accountId, {
    ...options,
    latencyMs: options.latency,
    maxBillableSpaceGb: ACCOUNT_DEFAULTS.maxBillableSpaceGb,
  });
  for (const period of options.periods) {
    await new DynamoUsageRepository(db, TABLES.USAGE_TABLE).putMany(
      ids.map((clientId, i) => ({
        accountId,
        usageKey: `${period.key}#${clientId}`,
        period: period.key,
        clientId,
        billableSpaceGb: 10 + ((i * 7 + period.month) % 97),
      })),
    );
  }
  return sim;
}

/** What every scenario shares: the local AWS, its DynamoDB client, fresh publisher deps, the simulators to close. */
interface Bench {
  readonly aws: LocalAws;
  readonly db: ReturnType<typeof createDocumentClient>;
  readonly deps: () => PublisherDeps;
  readonly sims: Simulator[];
}

async function main(): Promise<void> {
  const aws = await startLocalAws();
  aws.apply();
  process.env.LOG_LEVEL = 'silent';
  const db = createDocumentClient(new DynamoDBClient({}));
  const config = readConfig(process.env);
  const deps = () => createPublisherDeps(config, createAwsClients(), pino({ level: 'silent' }));
  const bench: Bench = { aws, db, deps, sims: [] };
  try {
    console.log(
      `Benchmark: ${LATENCY} ms simulated ConnectWise latency; default budget ${ACCOUNT_DEFAULTS.requestsPerMinute} requests/min per site\n`,
    );
    const big = await benchBigSite(bench);
    await benchGovernor(bench);
    await benchManyAccounts(bench);
    rows.push(...(await (await import('./bench-onboarding.js')).benchOnboarding(aws, db, LATENCY)));
    rows.push(await benchPacing({ aws, db, deps, latency: LATENCY, clients: PACING_CLIENTS }));
    printTable();
    console.log(
      `\nBig site: clients without exactly one active configuration: ${big.notOne}; syncs: ${big.sim.state.syncRuns.length}`,
    );
    console.log(
      `Peak RSS of the whole process (publisher + simulators + dynalite): ${(peakRss / 1024 / 1024).toFixed(0)} MiB`,
    );
  } finally {
    clearInterval(sampler);
    db.destroy();
    await Promise.all([...bench.sims.map((s) => s.close()), aws.close()]);
  }
}

/** 1. A big site: first month, next month, an unchanged re-run. */
async function benchBigSite({ aws, db, deps, sims }: Bench): Promise<{ sim: Simulator; notOne: number }> {
  const big = await seedAccount(aws, db, 'big', {
    clients: CLIENTS,
    companies: COMPANIES,
    noise: NOISE,
    latency: LATENCY,
    requestsPerMinute: UNTHROTTLED,
    periods: [SEPTEMBER, OCTOBER],
  });
  sims.push(big);
  const label = `${CLIENTS} clients, ${COMPANIES} + ${NOISE} companies`;
  for (const [name, period] of [
    ['first month (full scan)', SEPTEMBER],
    ['next month (known companies)', OCTOBER],
  ] as const) {
    big.resetRequests();
    const run = await timed(() => runPublish({ accountId: 'big', period: period.key }, deps()));
    const a = run.value.accounts[0]!;
    const requests = big.requests.length;
    rows.push([
      `${label}: ${name}`,
      run.s,
      String(requests),
      (requests / CLIENTS).toFixed(2),
      atBudget(requests),
      `${a.published} published, ${a.failed} failed, ${big.managementTabsRead().length} tabs read`,
    ]);
  }
  big.resetRequests();
  const rerun = await timed(() => runPublish({ accountId: 'big', period: OCTOBER.key }, deps()));
  rows.push([
    `${label}: unchanged re-run`,
    rerun.s,
    String(big.requests.length),
    (big.requests.length / CLIENTS).toFixed(2),
    atBudget(big.requests.length),
    `${rerun.value.accounts[0]!.unchanged} unchanged`,
  ]);
  const notOne = [...new Set(big.state.configurations.all().map((c) => c.deviceIdentifier))].filter(
    (d) =>
      big.state.configurations.all().filter((c) => c.deviceIdentifier === d && c.activeFlag !== false).length !== 1,
  ).length;
  return { sim: big, notOne };
}

/** 2. The governor at the default budget. */
async function benchGovernor({ aws, db, deps, sims }: Bench): Promise<void> {
  const paced = await seedAccount(aws, db, 'paced', {
    clients: GOVERNOR_CLIENTS,
    companies: 30,
    noise: 0,
    latency: LATENCY,
    requestsPerMinute: ACCOUNT_DEFAULTS.requestsPerMinute,
    periods: [SEPTEMBER],
  });
  sims.push(paced);
  const governed = await timed(() => runPublish({ accountId: 'paced', period: SEPTEMBER.key }, deps()));
  const pacedRequests = paced.requests.length;
  rows.push([
    `${GOVERNOR_CLIENTS} clients at ${ACCOUNT_DEFAULTS.requestsPerMinute}/min`,
    governed.s,
    String(pacedRequests),
    (pacedRequests / GOVERNOR_CLIENTS).toFixed(2),
    atBudget(pacedRequests),
    `max ${paced.maxRequestsInAnyWindow(60_000)} requests in any 60 s; ${governed.value.accounts[0]!.published} published`,
  ]);
}

/** 3. Many accounts at once (the two above are disabled, so "every enabled account" is these). */
async function benchManyAccounts({ aws, db, deps, sims }: Bench): Promise<void> {
  const accountsRepo = new DynamoAccountsRepository(db, TABLES.ACCOUNTS_TABLE);
  await accountsRepo.setEnabled('big', false);
  await accountsRepo.setEnabled('paced', false);
  const many: Simulator[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    many.push(
      await seedAccount(aws, db, `msp-${i}`, {
        clients: 100,
        companies: 20,
        noise: 50,
        latency: LATENCY,
        requestsPerMinute: UNTHROTTLED,
        periods: [SEPTEMBER, OCTOBER],
      }),
    );
  }
  sims.push(...many);
  for (const parallel of [1, 4]) {
    for (const s of many) s.resetRequests();
    // Both runs read every tab (rescan) and write every client, so they cost the same requests.
    const period = parallel === 1 ? SEPTEMBER.key : OCTOBER.key;
    const run = await timed(() => runPublish({ period, maxParallelAccounts: parallel, rescan: true }, deps()));
    const requests = many.reduce((n, s) => n + s.requests.length, 0);
    const done = run.value.accounts;
    rows.push([
      `${ACCOUNTS} accounts × 100 clients, ${parallel} at a time`,
      run.s,
      String(requests),
      (requests / (ACCOUNTS * 100)).toFixed(2),
      `${atBudget(requests / ACCOUNTS)} per site`,
      `${done.reduce((n, a) => n + a.published + a.unchanged, 0)} published or unchanged`,
    ]);
  }
}

function printTable(): void {
  const widths = [0, 1, 2, 3, 4, 5].map((i) => Math.max(...[HEADER, ...rows].map((r) => r[i]!.length)));
  for (const r of [HEADER, ...rows]) console.log(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
}

const HEADER = ['Scenario', 'Wall (s)', 'CW requests', 'Req/client', 'At 600/min', 'Outcome'];
await main();
await (await import('./bench-page.js')).benchPage();

await (await import('./bench-continuation.js')).benchContinuation();
