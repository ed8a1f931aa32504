/**
 * `npm run bench`, onboarding scenario (contract v3): the big site (3,000 companies, 2,000 unmapped
 * clients with names) through `suggestMappings` and `acceptSuggestions` with the real adapters, against
 * dynalite and the simulator. Counts ConnectWise requests: the look lists companies in pages of 1000 and
 * reads only the tabs of companies that match a client's name; accept adds one agreement look-up and one
 * POST per company that needs an entry.
 * Clients 0–1599 match company n exactly (0–799 carry our entry already, 800–1599 need one), 1600–1799
 * match two companies each (ambiguous), 1800–1999 match none (ranked look-alikes).
 */
import { pino } from 'pino';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAccountsRepository, DynamoUsageRepository } from '../lib/aws/dynamodb-repositories.js';
import { readConfig } from '../lib/config.js';
import { ACCOUNT_DEFAULTS } from '../lib/contract.js';
import { acceptSuggestions } from '../lib/onboarding/accept.js';
import { suggestMappings } from '../lib/onboarding/suggest.js';
import { createOnboardingDeps } from '../lib/onboarding/wiring.js';
import { makePeriod } from '../lib/period.js';
import type { Account } from '../lib/publisher/ports/index.js';
import { createAwsClients } from '../lib/runtime.js';
import { TABLES, type LocalAws } from '../test/support/local-aws.js';
import { startSimulator } from '../test/simulator/index.js';

const COMPANIES = 3000;
const CLIENTS = 2000;
const PERIOD = makePeriod(2026, 9);

/** Rows for bench.ts's table: scenario, wall s, requests, requests per client, time at 600/min, outcome. */
export async function benchOnboarding(
  aws: LocalAws,
  db: DynamoDBDocumentClient,
  latencyMs: number,
): Promise<string[][]> {
  const sim = await startSimulator({ latencyMs });
  try {
    const setup = sim.seed.backupBillingSetup({ solutionName: 'Backup Cloud' });
    for (let n = 0; n < COMPANIES; n++) {
      // 1800–1999 repeat the names of 1600–1799 with another legal form: one normal form, two companies.
      const name = n >= 1800 && n < 2000 ? `Customer ${n - 200} Inc.` : `Customer ${n} Ltd`;
      const company = sim.seed.company({ identifier: `Cust${n}`, name });
      if (n < 1600) sim.seed.agreement({ name: `${name} MS`, companyId: company.id, typeId: setup.agreementType.id });
      if (n < 800) sim.seed.managementEntry(company.id, { groupIdentifier: `M-${n}`, solutionId: setup.solution.id });
    }
    const accountId = 'onboarding';
    const account: Account = {
      accountId,
      secretId: `cwpub/${accountId}`,
      managementItName: 'Backup Cloud',
      enabled: true,
      configurationTypeName: 'Backup Stats',
      maxBillableSpaceGb: ACCOUNT_DEFAULTS.maxBillableSpaceGb,
      requestsPerMinute: 100_000,
    };
    aws.standIns.secrets.set(
      account.secretId,
      JSON.stringify({ site: sim.url, ...sim.credentials, codebase: sim.codebase }),
    );
    await new DynamoAccountsRepository(db, TABLES.ACCOUNTS_TABLE).put(account);
    await new DynamoUsageRepository(db, TABLES.USAGE_TABLE).putMany(
      Array.from({ length: CLIENTS }, (_, i) => ({
        accountId,
        usageKey: `${PERIOD.key}#c-${i}`,
        period: PERIOD.key,
        clientId: `c-${i}`,
        billableSpaceGb: 10,
        clientName: i < 1800 ? `Customer ${i} Limited` : `Unknown Client ${i} Services`,
      })),
    );
    const deps = createOnboardingDeps(readConfig(process.env), createAwsClients(), pino({ level: 'silent' }));
    const label = `Onboarding: ${CLIENTS} unmapped clients, ${COMPANIES} companies`;
    const perMinute = ACCOUNT_DEFAULTS.requestsPerMinute;
    const row = (name: string, s: string, requests: number, outcome: string) => [
      `${label}: ${name}`,
      s,
      String(requests),
      (requests / CLIENTS).toFixed(2),
      `${(requests / perMinute).toFixed(1)} min`,
      outcome,
    ];

    let started = performance.now();
    const report = await suggestMappings(deps, { account, period: PERIOD });
    const lookSeconds = ((performance.now() - started) / 1000).toFixed(1);
    const lookRequests = sim.requests.length;
    const n = (match: string) => report.suggestions.filter((x) => x.match === match).length;
    const tabs = sim.managementTabsRead().length;
    sim.resetRequests();
    started = performance.now();
    const accepted = await acceptSuggestions(deps, { account, period: PERIOD });
    const acceptSeconds = ((performance.now() - started) / 1000).toFixed(1);
    return [
      row(
        'suggest (dry look)',
        lookSeconds,
        lookRequests,
        `${n('exact')} exact, ${n('ambiguous')} ambiguous, ${n('none')} none; ${tabs} tabs read`,
      ),
      row(
        'accept',
        acceptSeconds,
        sim.requests.length,
        `${accepted.accepted} accepted, ${accepted.entriesCreated} entries created, ${accepted.failed} failed`,
      ),
    ];
  } finally {
    await sim.close();
  }
}
