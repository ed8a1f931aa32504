/**
 * `npm run bench`: publish N clients on M companies against the simulator with simulated latency,
 * and the same publish done the naive way, side by side. Prints figures; asserts nothing.
 *   npm run bench -- --clients 2000 --companies 200 --latency 20
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { pino } from 'pino';
import { createDocumentClient } from '../lib/aws/dynamo-client.js';
import { DynamoAccountsRepository, DynamoMappingsRepository, DynamoUsageRepository } from '../lib/aws/dynamodb-repositories.js';
import { readConfig } from '../lib/config.js';
import { ConnectWiseGateway } from '../lib/connectwise/gateway.js';
import { ConnectWiseClient } from '../lib/connectwise/http-client.js';
import { equalsCondition, andConditions } from '../lib/connectwise/conditions.js';
import type { Configuration } from '../lib/connectwise/types.js';
import { previousPeriod } from '../lib/period.js';
import { indexCompaniesByManagedId } from '../lib/publisher/resolve-companies.js';
import { runPublish } from '../lib/publisher/run-publish.js';
import { createAwsClients, createPublisherDeps } from '../lib/runtime.js';
import { renderTable } from '../lib/cli/table.js';
import { startLocalAws, TABLES } from '../test/support/local-aws.js';
import { startSimulator, type Simulator } from '../test/simulator/index.js';

const { values } = parseArgs({
  options: { clients: { type: 'string', default: '2000' }, companies: { type: 'string', default: '200' }, latency: { type: 'string', default: '20' } },
});
const CLIENTS = Number(values.clients);
const COMPANIES = Number(values.companies);
const LATENCY = Number(values.latency);
const period = previousPeriod(new Date());
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function seedConnectWise(sim: Simulator): void {
  const setup = sim.seed.backupBillingSetup({ solutionName: 'Backup Cloud' });
  for (let c = 0; c < COMPANIES; c++) sim.seed.backupClient(setup, { identifier: `Company${c}`, name: `Company ${c}`, managedId: `M-${c}` });
}
const clientIds = Array.from({ length: CLIENTS }, (_, i) => `client-${String(i).padStart(5, '0')}`);
const managedIdOf = (i: number) => `M-${i % COMPANIES}`;
const gbOf = (i: number) => Math.round((10 + (i % 97) * 3.7) * 100) / 100;

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

/** The naive way: sequentially, per client, one lookup (by deviceIdentifier) and one write. */
async function naivePublish(sim: Simulator): Promise<number> {
  const client = await ConnectWiseClient.connect({ site: sim.url, ...sim.credentials, codebase: sim.codebase }, { concurrency: 1 });
  const gateway = new ConnectWiseGateway(client);
  const [solution] = await gateway.findManagementItSolutions('Backup Cloud');
  const [type] = await gateway.findConfigurationTypes('Backup Stats');
  const companies = await indexCompaniesByManagedId(gateway, solution!);
  for (let i = 0; i < CLIENTS; i++) {
    const company = companies.byManagedId.get(managedIdOf(i))![0]!;
    const found = await client.request<Configuration[]>('GET', 'company/configurations', {
      searchParams: { conditions: andConditions(equalsCondition('company/id', company.id), equalsCondition('deviceIdentifier', clientIds[i]!)) },
    });
    const values = { backupBillableSpaceGb: gbOf(i), backupYear: period.year, backupMonth: period.month };
    if (found[0]) {
      await gateway.patchConfiguration(found[0].id, Object.entries(values).map(([path, value]) => ({ op: 'replace' as const, path: path as 'backupYear', value })));
    } else {
      await gateway.createConfiguration({ name: clientIds[i]!, type: { id: type!.id }, company: { id: company.id }, deviceIdentifier: clientIds[i]!, activeFlag: true, ...values });
    }
  }
  return client.stats.requests;
}

async function main(): Promise<void> {
  const aws = await startLocalAws();
  aws.apply();
  process.env.LOG_LEVEL = 'silent';
  const db = createDocumentClient(new DynamoDBClient({}));
  const sim = await startSimulator({ latencyMs: LATENCY });
  const naiveSim = await startSimulator({ latencyMs: LATENCY });
  try {
    seedConnectWise(sim);
    seedConnectWise(naiveSim);
    aws.standIns.secrets.set('cwpub/bench', JSON.stringify({ site: sim.url, ...sim.credentials, codebase: sim.codebase }));
    await new DynamoAccountsRepository(db, TABLES.ACCOUNTS_TABLE).put({ accountId: 'bench', secretId: 'cwpub/bench', managementItName: 'Backup Cloud', enabled: true, configurationTypeName: 'Backup Stats' });
    await new DynamoMappingsRepository(db, TABLES.MAPPINGS_TABLE).putMany(clientIds.map((clientId, i) => ({ accountId: 'bench', clientId, managedId: managedIdOf(i), enabled: true })));
    await new DynamoUsageRepository(db, TABLES.USAGE_TABLE).putMany(
      clientIds.map((clientId, i) => ({ accountId: 'bench', usageKey: `${period.key}#${clientId}`, period: period.key, clientId, billableSpaceGb: gbOf(i) })),
    );
    const config = readConfig(process.env);
    const deps = () => createPublisherDeps(config, createAwsClients(), pino({ level: 'silent' }));

    console.log(`Benchmark: ${CLIENTS} clients on ${COMPANIES} companies, ${LATENCY} ms simulated ConnectWise latency, period ${period.key}\n`);
    const first = await timed(() => runPublish({ accountId: 'bench' }, deps()));
    const firstRequests = sim.requests.length;
    sim.resetRequests();
    const rerun = await timed(() => runPublish({ accountId: 'bench' }, deps()));
    const rerunRequests = sim.requests.length;
    const naiveFirst = await timed(() => naivePublish(naiveSim));
    const naiveRerun = await timed(() => naivePublish(naiveSim));

    const a1 = first.value.accounts[0]!;
    const a2 = rerun.value.accounts[0]!;
    const row = (name: string, ms: number, requests: number, outcome: string) => [name, (ms / 1000).toFixed(1), requests, (requests / CLIENTS).toFixed(3), outcome];
    console.log(
      renderTable(
        ['Run', 'Wall time (s)', 'CW requests', 'Requests / client', 'Outcome'],
        [
          row('publisher, first run', first.ms, firstRequests, `${a1.published} published, ${a1.failed} failed, sync ${a1.sync}`),
          row('publisher, unchanged re-run', rerun.ms, rerunRequests, `${a2.unchanged} unchanged, ${a2.published} published, sync ${a2.sync}`),
          row('naive (sequential), first run', naiveFirst.ms, naiveFirst.value, 'lookup + POST per client, no sync'),
          row('naive (sequential), re-run', naiveRerun.ms, naiveRerun.value, 'lookup + PATCH per client, no sync'),
        ],
      ),
    );
    const duplicates = clientIds.filter((c) => sim.state.configurations.filter((x) => x.deviceIdentifier === c).length !== 1).length;
    console.log(`\nConfigurations in ConnectWise: ${sim.state.configurations.size} (clients without exactly one: ${duplicates}); syncs: ${sim.state.syncRuns.length}`);
    console.log(`Peak RSS of the whole process (publisher + simulator + dynalite): ${(peakRss / 1024 / 1024).toFixed(0)} MiB`);
  } finally {
    clearInterval(sampler);
    db.destroy();
    await Promise.all([sim.close(), naiveSim.close(), aws.close()]);
  }
}

await main();
