import { Writable } from 'node:stream';
import { PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../../lib/aws/dynamo-client.js';
import { readConfig } from '../../lib/config.js';
import { createLogger } from '../../lib/logger.js';
import { createAwsClients } from '../../lib/runtime.js';
import { createHandler, type InvocationContext } from '../../functions/publish/handler.js';
import type { PublisherDeps, RunSummary } from '../../lib/publisher/ports/index.js';
import { startLocalAws, TABLES, type LocalAws } from '../support/local-aws.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import type { BackupBillingSetup, BackupBillingSetupOptions } from '../simulator/seed.js';

export const BUS = 'cwpub-test-bus';

/** The results of a run's first account, by client id. */
export const results = (summary: RunSummary) =>
  Object.fromEntries(summary.accounts[0]!.results.map((r) => [r.clientId, r]));

/** Local AWS (dynalite + stand-ins) for a whole test file; a fresh ConnectWise simulator per account. */
export class Harness {
  private counter = 0;
  readonly logs: string[] = [];
  private readonly accounts: TestAccount[] = [];
  private constructor(
    readonly aws: LocalAws,
    readonly db: DynamoDBDocumentClient,
  ) {}

  static async start(): Promise<Harness> {
    const aws = await startLocalAws({ eventBus: BUS });
    aws.apply();
    process.env.LOG_LEVEL = 'info';
    const db = createDocumentClient(new DynamoDBClient({}));
    return new Harness(aws, db);
  }

  /** Closes every account's simulator (those not closed yet), then the local AWS. */
  async close(): Promise<void> {
    await Promise.all(this.accounts.map((a) => a.close()));
    this.db.destroy();
    await this.aws.close();
  }

  /** A new account with its own secret and its own simulated ConnectWise site, set up for backup billing. */
  async account(
    options: {
      secret?: Record<string, unknown> | string;
      managementItName?: string;
      setup?: BackupBillingSetupOptions;
      /** Extra attributes of the Accounts item (maxBillableSpaceGb, requestsPerMinute, ...). */
      item?: Record<string, unknown>;
    } = {},
  ): Promise<TestAccount> {
    const accountId = `acct-${++this.counter}`;
    const sim = await startSimulator();
    const setup = sim.seed.backupBillingSetup({
      solutionName: options.managementItName ?? 'Backup Cloud',
      ...options.setup,
    });
    const secretId = `cwpub/${accountId}`;
    const secret = options.secret ?? { site: sim.url, ...sim.credentials, codebase: sim.codebase };
    this.aws.standIns.secrets.set(secretId, typeof secret === 'string' ? secret : JSON.stringify(secret));
    await this.put(TABLES.ACCOUNTS_TABLE, { accountId, secretId, managementItName: 'Backup Cloud', ...options.item });
    const account = new TestAccount(this, accountId, secretId, sim, setup);
    this.accounts.push(account);
    return account;
  }

  async put(table: string, item: Record<string, unknown>): Promise<void> {
    await this.db.send(new PutCommand({ TableName: table, Item: item }));
  }

  async scan(table: string): Promise<Record<string, unknown>[]> {
    return ((await this.db.send(new ScanCommand({ TableName: table }))).Items ?? []) as Record<string, unknown>[];
  }

  /** The real Lambda handler, wired exactly as in production, with logs captured. */
  handler() {
    // The contract's inputs answer with the run summary.
    return this.taskHandler() as (event: unknown, context?: InvocationContext) => Promise<RunSummary>;
  }

  /** The handler for state machine tasks, whose answers have their own shapes. */
  taskHandler(overrides: Partial<PublisherDeps> = {}) {
    const config = readConfig(process.env);
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (this.logs.push(chunk.toString()), done()) });
    return createHandler({
      config,
      clients: createAwsClients(),
      logger: createLogger(config.logLevel, sink),
      overrides,
    });
  }

  /** The real CLI, in-process. */
  async cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    // Loaded on first use: handler-only test files do not load the CLI.
    const { runCli } = await import('../../lib/cli/program.js');
    const code = await runCli(argv, {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: process.env,
    });
    this.logs.push(stderr);
    return { code, stdout, stderr };
  }

  eventsFor(accountId: string): { DetailType: string; Detail: Record<string, unknown> }[] {
    return this.aws.standIns.events
      .map((e) => ({ DetailType: e.DetailType, Detail: JSON.parse(e.Detail) as Record<string, unknown> }))
      .filter((e) => e.Detail.accountId === accountId);
  }
}

export class TestAccount {
  constructor(
    readonly harness: Harness,
    readonly accountId: string,
    readonly secretId: string,
    readonly sim: Simulator,
    readonly setup: BackupBillingSetup,
  ) {}

  /** A customer company with a BackupStats Management entry carrying `managedId` and an agreement. */
  company(identifier: string, managedId: string) {
    return this.sim.seed.backupClient(this.setup, { identifier, name: `${identifier} Ltd`, managedId });
  }

  async mapping(clientId: string, managedId: unknown, extra: Record<string, unknown> = {}): Promise<void> {
    await this.harness.put(TABLES.MAPPINGS_TABLE, { accountId: this.accountId, clientId, managedId, ...extra });
  }

  async usage(clientId: string, period: string, billableSpaceGb: unknown): Promise<void> {
    await this.harness.put(TABLES.USAGE_TABLE, {
      accountId: this.accountId,
      usageKey: `${period}#${clientId}`,
      period,
      clientId,
      billableSpaceGb,
    });
  }

  configurations(deviceIdentifier?: string) {
    return this.sim.state.configurations
      .all()
      .filter((c) => deviceIdentifier === undefined || c.deviceIdentifier === deviceIdentifier);
  }

  writes() {
    return this.sim.requests.filter((r) => r.method !== 'GET');
  }

  private closing: Promise<void> | undefined;

  /** Closes the simulator once (the harness closes what a test left open). */
  close(): Promise<void> {
    return (this.closing ??= this.sim.close());
  }
}
