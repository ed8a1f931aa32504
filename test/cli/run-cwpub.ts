import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { runCli } from '../../lib/cli/program.js';
import type { CliOverrides } from '../../lib/cli/context.js';
import { connectWiseFactory } from '../../lib/runtime.js';
import { createLogger } from '../../lib/logger.js';
import { TABLES, type LocalAws } from '../support/local-aws.js';
import type { BackupBillingSetup, BackupBillingSetupOptions, Simulator } from '../simulator/index.js';

/** Shared helpers of the operations CLI tests: run `cwpub` in-process, reset dynalite and the simulator. */

// The SDK's notice about Node versions it will drop is noise in a test run (the CLI turns it off too).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = Record<string, unknown>>(): T;
}

/** A fixed clock: November 2026, so 2026-10 is last month and 2026-12 is in the future. */
export const NOW = new Date('2026-11-15T12:00:00Z');

export async function cwpub(
  env: Record<string, string>,
  argv: readonly string[],
  overrides: CliOverrides = {},
  options: { tty?: boolean; columns?: number; logLevel?: string } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    argv,
    {
      stdout: {
        write: (s: string) => (stdout += s),
        ...(options.columns ? { isTTY: true, columns: options.columns } : {}),
      },
      stderr: { write: (s: string) => (stderr += s), ...(options.tty ? { isTTY: true } : {}) },
      env: { ...env, LOG_LEVEL: options.logLevel ?? 'silent' },
    },
    {
      clock: () => NOW,
      // Quick retries: the default policy waits seconds between attempts.
      connectWise: connectWiseFactory(createLogger('silent'), {
        retry: { limit: 1, baseDelayMs: 1, maxDelayMs: 5 },
        timeoutMs: 5000,
      }),
      ...overrides,
    },
  );
  return {
    code,
    stdout,
    stderr,
    json: <T>() => JSON.parse(stdout) as T,
  };
}

let dynamo: DynamoDBDocumentClient | undefined;

export function db(aws: LocalAws): DynamoDBDocumentClient {
  dynamo ??= DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: aws.dynamodbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  return dynamo;
}

const KEYS: Record<string, string[]> = {
  [TABLES.ACCOUNTS_TABLE]: ['accountId'],
  [TABLES.MAPPINGS_TABLE]: ['accountId', 'clientId'],
  [TABLES.USAGE_TABLE]: ['accountId', 'usageKey'],
  [TABLES.LEDGER_TABLE]: ['runKey', 'clientId'],
};

export async function scanTable(aws: LocalAws, table: string): Promise<Record<string, unknown>[]> {
  const out = await db(aws).send(new ScanCommand({ TableName: table }));
  return (out.Items ?? []) as Record<string, unknown>[];
}

export async function clearTables(aws: LocalAws): Promise<void> {
  for (const [table, keys] of Object.entries(KEYS)) {
    for (const item of await scanTable(aws, table)) {
      const Key: Record<string, unknown> = {};
      for (const k of keys) Key[k] = item[k];
      await db(aws).send(new DeleteCommand({ TableName: table, Key }));
    }
  }
}

export async function putItem(aws: LocalAws, table: string, item: Record<string, unknown>): Promise<void> {
  await db(aws).send(new PutCommand({ TableName: table, Item: item }));
}

export function closeDb(): void {
  dynamo?.destroy();
  dynamo = undefined;
}

/** Empties every simulator table (ids keep counting up, which is fine). */
export function resetSimulator(sim: Simulator): void {
  const s = sim.state;
  for (const t of [
    s.companies,
    s.managementItSolutions,
    s.managementEntries,
    s.configurationTypes,
    s.configurationStatuses,
    s.management,
    s.catalogItems,
    s.agreementTypes,
    s.agreements,
    s.managementBackups,
    s.configurations,
    s.additions,
  ]) {
    t.clear();
  }
  s.syncRuns.length = 0;
  s.syncedAdditions.clear();
  sim.faults.clear();
  sim.resetRequests();
}

export const SECRET_ID = 'cw/acme';
export const ACCOUNT_ID = 'acme';

/** Stores the simulator's credentials as the ConnectWise secret and an account pointing to it. */
export async function seedAccount(
  aws: LocalAws,
  sim: Simulator,
  options: { managementItName?: string; secret?: Record<string, unknown>; accountId?: string } = {},
): Promise<void> {
  aws.standIns.secrets.set(
    SECRET_ID,
    JSON.stringify(options.secret ?? { site: sim.url, ...sim.credentials, codebase: sim.codebase }),
  );
  await putItem(aws, TABLES.ACCOUNTS_TABLE, {
    accountId: options.accountId ?? ACCOUNT_ID,
    secretId: SECRET_ID,
    managementItName: options.managementItName ?? 'Backup Cloud',
  });
}

export interface World {
  readonly setup: BackupBillingSetup;
}

/**
 * A complete, ready setup: the ConnectWise billing setup, `count` client companies each with a
 * Managed ID `M-<n>`, and the mappings `c<n>` → `M-<n>` with usage for 2026-10.
 */
export async function seedWorld(
  aws: LocalAws,
  sim: Simulator,
  count = 2,
  options: BackupBillingSetupOptions = {},
): Promise<World> {
  const setup = sim.seed.backupBillingSetup(options);
  await seedAccount(aws, sim, { managementItName: setup.solution.name });
  for (let n = 1; n <= count; n++) {
    sim.seed.backupClient(setup, { identifier: `Client${n}`, name: `Client ${n} Ltd`, managedId: `M-${n}` });
    await putItem(aws, TABLES.MAPPINGS_TABLE, {
      accountId: ACCOUNT_ID,
      clientId: `c${n}`,
      managedId: `M-${n}`,
      clientName: `Client ${n}`,
    });
    await putItem(aws, TABLES.USAGE_TABLE, {
      accountId: ACCOUNT_ID,
      usageKey: `2026-10#c${n}`,
      period: '2026-10',
      clientId: `c${n}`,
      billableSpaceGb: 10 * n + 0.5,
    });
  }
  return { setup };
}
