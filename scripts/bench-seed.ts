/**
 * The bench scenarios' shared setup: a simulated site and one account publishing to it.
 */
import type { createDocumentClient } from '../lib/aws/dynamo-client.js';
import { DynamoAccountsRepository, DynamoMappingsRepository } from '../lib/aws/dynamodb-repositories.js';
import { TABLES, type LocalAws } from '../test/support/local-aws.js';
import { startSimulator, type Simulator } from '../test/simulator/index.js';

export interface BenchSiteOptions {
  readonly clients: number;
  readonly companies: number;
  readonly noise: number;
  readonly latencyMs: number;
  readonly requestsPerMinute: number;
  readonly maxBillableSpaceGb: number;
}

/**
 * Starts a simulator holding `companies` backup clients (Managed IDs M-0, M-1, ...) and `noise`
 * other companies, stores the account `accountId` and its secret pointing at it, and maps
 * `clients` client ids (client-00000, ...) round-robin onto the companies. Usage is the caller's.
 */
export async function seedBenchSite(
  aws: LocalAws,
  db: ReturnType<typeof createDocumentClient>,
  accountId: string,
  options: BenchSiteOptions,
): Promise<{ sim: Simulator; clientIds: string[] }> {
  const sim = await startSimulator({ latencyMs: options.latencyMs });
  const setup = sim.seed.backupBillingSetup({ solutionName: 'Backup Cloud' });
  for (let c = 0; c < options.companies; c++)
    sim.seed.backupClient(setup, { identifier: `Company${c}`, name: `Company ${c}`, managedId: `M-${c}` });
  if (options.noise > 0) sim.seed.noiseCompanies(options.noise);
  aws.standIns.secrets.set(
    `cwpub/${accountId}`,
    JSON.stringify({ site: sim.url, ...sim.credentials, codebase: sim.codebase }),
  );
  await new DynamoAccountsRepository(db, TABLES.ACCOUNTS_TABLE).put({
    accountId,
    secretId: `cwpub/${accountId}`,
    managementItName: 'Backup Cloud',
    enabled: true,
    configurationTypeName: 'Backup Stats',
    maxBillableSpaceGb: options.maxBillableSpaceGb,
    requestsPerMinute: options.requestsPerMinute,
  });
  const clientIds = Array.from({ length: options.clients }, (_, i) => `client-${String(i).padStart(5, '0')}`);
  await new DynamoMappingsRepository(db, TABLES.MAPPINGS_TABLE).putMany(
    clientIds.map((clientId, i) => ({ accountId, clientId, managedId: `M-${i % options.companies}`, enabled: true })),
  );
  return { sim, clientIds };
}
