import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../lib/aws/dynamo-client.js';
import { DynamoMappingsRepository, DynamoUsageRepository } from '../../lib/aws/dynamodb-repositories.js';
import { startLocalAws, TABLES, type LocalAws } from '../support/local-aws.js';
import { startSimulator, type Simulator } from '../simulator/index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const PERIOD = '2026-10';

export interface WorldOptions {
  /** Mappings `client-00001`… (default 20). */
  readonly clients?: number;
  /** ConnectWise companies the clients spread over (default 10): client n → Managed ID `M-<n % companies>`. */
  readonly companies?: number;
  /** Clients with usage for PERIOD (default: all); the rest are skipped for lack of usage. */
  readonly withUsage?: number;
  /** Extra mappings whose Managed ID is on no company (they fail). */
  readonly failing?: number;
  /** Long client names, to test width fitting. */
  readonly longNames?: boolean;
}

/**
 * A whole local installation for CLI tests and measurements: dynalite with the four tables, the
 * Secrets Manager stand-in, a ConnectWise simulator set up for backup billing, one account `acme`,
 * and `clients` mappings with usage. `env` is what a shell running `cwpub` would export.
 */
export interface World {
  readonly aws: LocalAws;
  readonly sim: Simulator;
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const clients = options.clients ?? 20;
  const companies = options.companies ?? 10;
  const withUsage = options.withUsage ?? clients;
  const aws = await startLocalAws();
  const sim = await startSimulator();
  const setup = sim.seed.backupBillingSetup({ solutionName: 'Backup Cloud' });
  for (let c = 0; c < companies; c++) {
    sim.seed.backupClient(setup, {
      identifier: `Company${c}`,
      name: `Company ${c} Holdings International Ltd`,
      managedId: `M-${c}`,
    });
  }
  const dynamo = new DynamoDBClient({
    endpoint: aws.dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const db = createDocumentClient(dynamo);
  aws.standIns.secrets.set('cw/acme', JSON.stringify({ site: sim.url, ...sim.credentials, codebase: sim.codebase }));
  await db.send(
    new PutCommand({
      TableName: TABLES.ACCOUNTS_TABLE,
      Item: { accountId: 'acme', secretId: 'cw/acme', managementItName: 'Backup Cloud' },
    }),
  );
  const ids = Array.from({ length: clients }, (_, i) => `client-${String(i + 1).padStart(5, '0')}`);
  const name = (i: number) =>
    options.longNames
      ? `Client ${i + 1} of the Northern Regional Health and Social Care Partnership Trust`
      : `Client ${i + 1}`;
  const mappings = ids.map((clientId, i) => ({
    accountId: 'acme',
    clientId,
    managedId: `M-${i % companies}`,
    clientName: name(i),
    enabled: true,
  }));
  for (let f = 0; f < (options.failing ?? 0); f++) {
    mappings.push({
      accountId: 'acme',
      clientId: `bad-${f + 1}`,
      managedId: `M-NOWHERE-${f + 1}`,
      clientName: `Broken ${f + 1}`,
      enabled: true,
    });
  }
  await new DynamoMappingsRepository(db, TABLES.MAPPINGS_TABLE).putMany(mappings);
  const usage = mappings
    .filter((m, i) => i < withUsage || m.clientId.startsWith('bad-'))
    .map((m, i) => ({
      accountId: 'acme',
      usageKey: `${PERIOD}#${m.clientId}`,
      period: PERIOD,
      clientId: m.clientId,
      billableSpaceGb: 10 + (i % 7) * 2.5,
    }));
  await new DynamoUsageRepository(db, TABLES.USAGE_TABLE).putMany(usage);
  db.destroy();
  return {
    aws,
    sim,
    env: { ...aws.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    close: async () => {
      await sim.close();
      await aws.close();
    },
  };
}
