/**
 * `npm run bench`, scenario 4 (contract v3 "even pacing"): a site whose throttle limits per second as
 * well (requestsPerMinute ÷ 60 a second). Reports the share of the run's requests answered 429
 * (goal ≤ 2 %) beside the requests per client. Called from bench.ts.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  DynamoAccountsRepository,
  DynamoMappingsRepository,
  DynamoUsageRepository,
} from '../lib/aws/dynamodb-repositories.js';
import { ACCOUNT_DEFAULTS } from '../lib/contract.js';
import { makePeriod } from '../lib/period.js';
import type { PublisherDeps } from '../lib/publisher/ports/index.js';
import { runPublish } from '../lib/publisher/run-publish.js';
import { TABLES, type LocalAws } from '../test/support/local-aws.js';
import { startSimulator } from '../test/simulator/index.js';

export interface PacingBench {
  readonly aws: LocalAws;
  readonly db: DynamoDBDocumentClient;
  readonly deps: () => PublisherDeps;
  readonly latency: number;
  readonly clients: number;
  readonly requestsPerMinute?: number;
}

/** One row of bench.ts's table: scenario, wall seconds, requests, per client, at budget, outcome. */
export async function benchPacing(bench: PacingBench): Promise<string[]> {
  const rpm = bench.requestsPerMinute ?? ACCOUNT_DEFAULTS.requestsPerMinute;
  const perSecond = Math.max(1, Math.floor(rpm / 60));
  const sim = await startSimulator({
    latencyMs: bench.latency,
    rateLimit: { requestsPerMinute: rpm, requestsPerSecond: perSecond },
  });
  try {
    const accountId = 'per-second';
    const setup = sim.seed.backupBillingSetup({ solutionName: 'Backup Cloud' });
    const companies = Math.max(1, Math.ceil(bench.clients / 10));
    for (let c = 0; c < companies; c++)
      sim.seed.backupClient(setup, { identifier: `Paced${c}`, name: `Paced ${c}`, managedId: `P-${c}` });
    bench.aws.standIns.secrets.set(
      `cwpub/${accountId}`,
      JSON.stringify({ site: sim.url, ...sim.credentials, codebase: sim.codebase }),
    );
    await new DynamoAccountsRepository(bench.db, TABLES.ACCOUNTS_TABLE).put({
      accountId,
      secretId: `cwpub/${accountId}`,
      managementItName: 'Backup Cloud',
      enabled: true,
      configurationTypeName: 'Backup Stats',
      maxBillableSpaceGb: ACCOUNT_DEFAULTS.maxBillableSpaceGb,
      requestsPerMinute: rpm,
    });
    const ids = Array.from({ length: bench.clients }, (_, i) => `paced-${String(i).padStart(5, '0')}`);
    await new DynamoMappingsRepository(bench.db, TABLES.MAPPINGS_TABLE).putMany(
      ids.map((clientId, i) => ({ accountId, clientId, managedId: `P-${i % companies}`, enabled: true })),
    );
    const period = makePeriod(2026, 9);
    await new DynamoUsageRepository(bench.db, TABLES.USAGE_TABLE).putMany(
      ids.map((clientId, i) => ({
        accountId,
        usageKey: `${period.key}#${clientId}`,
        period: period.key,
        clientId,
        billableSpaceGb: 5 + (i % 50),
      })),
    );
    const started = performance.now();
    const summary = await runPublish({ accountId, period: period.key }, bench.deps());
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const requests = sim.requests.length;
    const throttled = sim.countRequests({ status: 429 });
    const a = summary.accounts[0]!;
    return [
      `${bench.clients} clients, site limits ${perSecond}/s (${rpm}/min)`,
      seconds,
      String(requests),
      (requests / bench.clients).toFixed(2),
      `${(requests / rpm).toFixed(1)} min`,
      `${((throttled / requests) * 100).toFixed(1)} % answered 429 (${throttled}); ` +
        `max ${sim.maxRequestsInAnyWindow(1000)} in any 1 s; ${a.published} published, ${a.failed} failed`,
    ];
  } finally {
    await sim.close();
  }
}
