import { pino } from 'pino';
import { createHandler } from '../../functions/publish/handler.js';
import { DynamoRunLock } from '../../lib/aws/ownership-repository.js';
import { readConfig } from '../../lib/config.js';
import { RUN_LOCK_LEASE_MS } from '../../lib/contract.js';
import { RunDeadlineError, StoreError } from '../../lib/errors.js';
import type { PublisherDeps } from '../../lib/publisher/ports/index.js';
import { runPublish } from '../../lib/publisher/run-publish.js';
import { createAwsClients } from '../../lib/runtime.js';
import {
  loadPublishStateMachine,
  type LocalStateMachine,
  type PutEventsEntry,
} from '../support/local-state-machine.js';
import { TABLES } from '../support/local-aws.js';
import { ACCOUNT, FakeConnectWise, MANAGEMENT_WITH_STATUSES, MemoryStore, makeDeps } from '../unit/fakes.js';
import { Harness } from './harness.js';

/**
 * The synthesized state machine with the real handler (its ports on the in-memory fakes, so each
 * invocation's timing is exact): a failed account's event and sync; the run lock on dynalite; and the
 * plan of the accounts table as DynamoDB holds it.
 */
describe('a failed account in the state machine, the run lock and the plan', () => {
  let harness: Harness;
  let machine: LocalStateMachine;

  beforeAll(async () => {
    harness = await Harness.start();
    machine = loadPublishStateMachine({ maxParallelAccounts: '2' });
  });
  afterAll(async () => {
    await harness.close();
  });

  describe('an account whose later invocation fails, after an earlier one retired a client', () => {
    /** acct-1: a–d billed for September; b has no October usage. Invocation 1 retires b and runs out of time; invocation 2 cannot read the accounts table (the plan reads it first). */
    const run = async () => {
      const store = new MemoryStore();
      const cw = new FakeConnectWise();
      store.accounts = [ACCOUNT];
      for (const x of ['a', 'b', 'c', 'd']) {
        cw.addCompany(`${x}-co`, [`M-${x}`]);
        store.mappings.push({ accountId: 'acct-1', clientId: `client-${x}`, managedId: `M-${x}`, enabled: true });
        store.addUsage('acct-1', `client-${x}`, 10, '2026-09');
        if (x !== 'b') store.addUsage('acct-1', `client-${x}`, 12, '2026-10');
      }
      cw.setups = [MANAGEMENT_WITH_STATUSES];
      const deps = makeDeps(store, cw);
      await runPublish({ accountId: 'acct-1', period: '2026-09' }, { ...deps, clock: () => new Date('2026-10-05') });
      cw.calls = [];
      deps.sent.length = 0;
      const realSync = cw.executeManagedItSync.bind(cw);
      let syncs = 0;
      cw.executeManagedItSync = async (id) => {
        if (++syncs === 1) throw new RunDeadlineError('time is up');
        return realSync(id);
      };
      let gets = 0;
      const accounts = {
        get: async (id: string) => {
          if (++gets === 3)
            throw new StoreError('DynamoDB GetItem on accounts failed: throttled', { table: 'accounts' });
          return store.get(id);
        },
        list: () => store.list(),
      } as unknown as PublisherDeps['accounts'];
      const handler = createHandler({
        config: readConfig(process.env),
        clients: createAwsClients(),
        logger: pino({ level: 'silent' }),
        overrides: { ...(deps as PublisherDeps), accounts, clock: () => new Date('2026-11-02T06:00:00Z') },
      });
      const events: PutEventsEntry[] = [];
      const outcome = await machine.run(
        { accountId: 'acct-1', period: '2026-10' },
        {
          invokeFunction: (p) => handler(p, { getRemainingTimeInMillis: () => 600_000 }),
          putEvents: (e) => void events.push(...e),
        },
      );
      // The situation under test: b retired in invocation 1, invocation 2 failed, the execution failed.
      expect(cw.writes()).toContain('PATCH 1001 activeFlag,status');
      expect(outcome.status).toBe('FAILED');
      // The function's own Usage Publish Failed event (the state machine's FinishFailedAccount task);
      // the state machine's bare putEvents is only the fallback, not used here.
      expect(events).toEqual([]);
      const failure = deps.sent.find((e) => e.type === 'Usage Publish Failed');
      expect(failure).toBeDefined();
      return { cw, deps, detail: failure!.detail };
    };

    it("sends the failure event in the contract's shape, naming the client it stopped billing", async () => {
      const { detail } = await run();
      expect(Object.keys(detail)).toEqual(
        expect.arrayContaining([
          'runId',
          'accountId',
          'period',
          'published',
          'unchanged',
          'retired',
          'skipped',
          'failed',
          'sync',
          'results',
          'retiredClientIds',
        ]),
      );
      expect(detail.retiredClientIds).toEqual(['client-b']);
    });

    it('still runs the Management sync after the retirement, so the sync cancels its billing', async () => {
      const { cw } = await run();
      const writes = cw.writes();
      expect(writes.indexOf('POST sync 1')).toBeGreaterThan(writes.indexOf('PATCH 1001 activeFlag,status'));
    });
  });

  it('plans without an account item that is invalid but explicitly disabled', async () => {
    // An operator disabled an account whose item is also incomplete: it must not fail every monthly run.
    await harness.put(TABLES.ACCOUNTS_TABLE, { accountId: 'disabled-invalid', enabled: false });
    try {
      const plan = (await harness.taskHandler({ clock: () => new Date('2026-11-02T06:00:00Z') })({
        task: 'plan',
        input: { scheduledTime: '2026-11-01T06:00:00Z' },
      })) as { accounts: { accountId: string }[] };
      expect(plan.accounts.map((a) => a.accountId)).not.toContain('disabled-invalid');
    } finally {
      await harness.put(TABLES.ACCOUNTS_TABLE, {
        accountId: 'disabled-invalid',
        enabled: false,
        secretId: 'x',
        managementItName: 'Backup Cloud',
      });
    }
  });

  it('names, after a crashed holder, the time the current holder took the account (not the crashed one)', async () => {
    let now = Date.parse('2026-11-01T06:00:00Z');
    const lock = new DynamoRunLock(harness.db, TABLES.LEDGER_TABLE, RUN_LOCK_LEASE_MS, () => new Date(now));
    expect(await lock.acquire('lock-after-crash', 'crashed-run')).toBeUndefined();
    // crashed-run never releases; its lease runs out and the CLI takes the account.
    now += RUN_LOCK_LEASE_MS + 1000;
    const takenAt = new Date(now).toISOString();
    expect(await lock.acquire('lock-after-crash', 'cli-run')).toBeUndefined();
    now += 10_000;
    expect(await lock.acquire('lock-after-crash', 'lambda-run')).toEqual({ heldBy: 'cli-run', since: takenAt });
  });
});
