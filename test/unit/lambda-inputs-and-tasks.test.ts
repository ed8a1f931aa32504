import { pino } from 'pino';
import { createHandler } from '../../functions/publish/handler.js';
import type { ExecutionStarter } from '../../lib/aws/state-machine.js';
import type { RuntimeConfig } from '../../lib/config.js';
import { RunDeadlineError } from '../../lib/errors.js';
import type { PublisherDeps } from '../../lib/publisher/ports/index.js';
import { runAccountStep, runPublish, type AccountStep } from '../../lib/publisher/run-publish.js';
import { createAwsClients } from '../../lib/runtime.js';
import { ACCOUNT, FakeConnectWise, MANAGEMENT_WITH_STATUSES, MemoryStore, byClient, makeDeps } from './fakes.js';

/**
 * The Lambda's inputs and the state machine's tasks as the real handler routes them (contract v2),
 * with the core's adapters replaced by the in-memory fakes. Each test names the rule it holds.
 */

const CONFIG: RuntimeConfig = {
  accountsTable: 'accounts',
  mappingsTable: 'mappings',
  usageTable: 'usage',
  ledgerTable: 'ledger',
  eventBusName: undefined,
  logLevel: 'silent',
};

describe('Lambda inputs, workflow tasks and account steps', () => {
  let store: MemoryStore;
  let cw: FakeConnectWise;
  let deps: ReturnType<typeof makeDeps>;
  let now: Date;

  /** The real handler over the fakes (every port overridden: nothing reaches AWS). */
  const handler = (starter?: ExecutionStarter) =>
    createHandler({
      config: CONFIG,
      clients: createAwsClients({ region: 'us-east-1' }),
      logger: pino({ level: 'silent' }),
      starter,
      overrides: { ...(deps as PublisherDeps), clock: () => now },
    });
  const step = (runId: string, extra: Partial<AccountStep> = {}): AccountStep => ({
    runId,
    period: '2026-10',
    request: { dryRun: false, allowMassRetire: false, allowOlderPeriod: false, rescan: false, accountNamed: false },
    accountId: 'acct-1',
    invocation: 1,
    ...extra,
  });

  beforeEach(async () => {
    // Prepare: clients a–d, each on its own company, billed for 2026-09; October's usage is in.
    store = new MemoryStore();
    cw = new FakeConnectWise();
    store.accounts = [ACCOUNT];
    for (const x of ['a', 'b', 'c', 'd']) {
      cw.addCompany(`${x}-co`, [`M-${x}`]);
      store.mappings.push({ accountId: 'acct-1', clientId: `client-${x}`, managedId: `M-${x}`, enabled: true });
      store.addUsage('acct-1', `client-${x}`, 10, '2026-09');
      store.addUsage('acct-1', `client-${x}`, 12, '2026-10');
    }
    cw.setups = [MANAGEMENT_WITH_STATUSES];
    deps = makeDeps(store, cw);
    deps = { ...deps, clock: () => new Date('2026-10-05T06:00:00Z') };
    expect((await runPublish({ accountId: 'acct-1', period: '2026-09' }, deps)).accounts[0]).toMatchObject({
      published: 4,
    });
    now = new Date('2026-11-15T10:00:00Z');
    deps = { ...deps, clock: () => now };
    cw.calls = [];
    deps.sent.length = 0;
  });

  describe('refusing bad input and stopping safely', () => {
    it('refuses a scheduled time whose month before is the open (or a future) month, writing nothing', async () => {
      // Contract v2: the current calendar month is refused as invalid input on every path. A
      // `{ scheduledTime }` payload (direct invoke, start-execution, the schedule) skips the check today.
      // November is half metered on the 15th: b has no usage yet and a, c, d only part of theirs.
      for (const x of ['a', 'c', 'd']) store.addUsage('acct-1', `client-${x}`, 5, '2026-11');
      for (const event of [
        { scheduledTime: '2026-12-01T06:00:00Z' },
        { source: 'aws.events', 'detail-type': 'Scheduled Event', time: '2027-02-01T06:00:00Z' },
      ]) {
        await expect(handler()(event)).rejects.toMatchObject({ name: 'InputValidationError' });
      }
      expect(cw.writes()).toEqual([]);
      expect(deps.sent).toEqual([]);
    });

    it('rejects a payload that adds contract fields to scheduledTime (dryRun, accountId) instead of dropping them', async () => {
      // `{ scheduledTime, dryRun: true }` must never become a REAL run of every account.
      await expect(handler()({ scheduledTime: '2026-11-01T06:00:00Z', dryRun: true })).rejects.toMatchObject({
        name: 'InputValidationError',
        field: 'dryRun',
      });
      await expect(handler()({ scheduledTime: '2026-11-01T06:00:00Z', accountId: 'acct-1' })).rejects.toMatchObject({
        field: 'accountId',
      });
      expect(cw.writes()).toEqual([]);
    });

    it('writes nothing for an account disabled after the run was planned (Map slot or continuation)', async () => {
      // The execution planned acct-1; the operator disables it before its invocation starts.
      store.accounts = [{ ...ACCOUNT, enabled: false }];
      store.usage = store.usage.filter((u) => !(u.period === '2026-10' && u.clientId === 'client-b'));
      const outcome = await runAccountStep(step('run-planned'), deps, { continues: true });
      expect(cw.writes()).toEqual([]);
      expect(outcome.done).toBe(true);
      expect(outcome.summary.error).toMatch(/disabled/);
    });

    it('still reports, when a continuation finds the account busy, the client an earlier invocation retired', async () => {
      // Invocation 1 retires client-b (no usage) and runs out of time before the sync.
      store.usage = store.usage.filter((u) => !(u.period === '2026-10' && u.clientId === 'client-b'));
      const realSync = cw.executeManagedItSync.bind(cw);
      let first = true;
      cw.executeManagedItSync = async (id: number) => {
        if (first) {
          first = false;
          throw new RunDeadlineError('time is up');
        }
        return realSync(id);
      };
      const one = await runAccountStep(step('run-x'), deps, { continues: true });
      expect(one.done).toBe(false);
      expect(byClient(one.summary)['client-b']!.status).toBe('retired');
      expect(deps.sent).toEqual([]);
      // The next invocation comes after the lease ran out and another run took the account.
      deps.memory.locks.set('acct-1', 'other-run');
      const two = await runAccountStep(one.next!, deps, { continues: true });
      expect(two.done).toBe(true);
      // This run's only event: it must still say that client-b stopped being billed.
      expect(deps.sent).toHaveLength(1);
      expect(deps.sent[0]!.detail).toMatchObject({ retired: 1, retiredClientIds: ['client-b'] });
    });
  });

  describe('the scheduled start, the plan and the task answers', () => {
    it('starts the scheduled execution named for the month before the scheduled time, across year and leap months', async () => {
      const started: Array<[string, Record<string, unknown>]> = [];
      let answer: 'started' | 'already-started' = 'started';
      const starter: ExecutionStarter = {
        start: async (name, input) => (started.push([name, input]), answer),
      };
      const h = handler(starter);
      await expect(h({ task: 'startScheduled', scheduledTime: '2027-01-01T00:00:00Z' })).resolves.toEqual({
        period: '2026-12',
        started: 'started',
      });
      await expect(h({ task: 'startScheduled', scheduledTime: '2028-03-01T00:00:00Z' })).resolves.toMatchObject({
        period: '2028-02',
      });
      // A late retry of the schedule (same month) finds the execution: harmless, not an error.
      answer = 'already-started';
      await expect(h({ task: 'startScheduled', scheduledTime: '2027-01-01T00:00:00Z' })).resolves.toMatchObject({
        started: 'already-started',
      });
      expect(started.map(([name]) => name)).toEqual(['scheduled-2026-12', 'scheduled-2028-02', 'scheduled-2026-12']);
      expect(started[0]![1]).toEqual({ scheduledTime: '2027-01-01T00:00:00.000Z' });
      await expect(h({ task: 'startScheduled' })).rejects.toMatchObject({ field: 'scheduledTime' });
      await expect(handler()({ task: 'startScheduled', scheduledTime: '2027-01-01T00:00:00Z' })).rejects.toThrow(
        /STATE_MACHINE_ARN/,
      );
      // The execution's input plans the same month the name carries, even when the plan runs days later.
      now = new Date('2027-01-03T00:00:00Z');
      await expect(h({ task: 'plan', input: started[0]![1] })).resolves.toMatchObject({ period: '2026-12' });
      expect(cw.writes()).toEqual([]);
    });

    it('plans a Republish Requested event with its clientIds and flags, and names a bad field', async () => {
      const event = {
        version: '0',
        source: 'connectwise-usage-publisher.ops',
        'detail-type': 'Republish Requested',
        time: '2026-11-15T10:00:00Z',
        detail: {
          accountId: 'acct-1',
          period: '2026-10',
          clientIds: ['client-a', 'client-a', 'client-b'],
          dryRun: true,
        },
      };
      await expect(handler()({ task: 'plan', input: event })).resolves.toMatchObject({
        period: '2026-10',
        request: {
          clientIds: ['client-a', 'client-b'],
          dryRun: true,
          allowMassRetire: false,
          allowOlderPeriod: false,
          accountNamed: true,
        },
        accounts: [{ accountId: 'acct-1' }],
      });
      for (const [detail, field] of [
        [{ dryRun: 'yes' }, 'dryRun'],
        [{ clientIds: [] }, 'clientIds'],
        [{ period: '2026-13' }, 'period'],
        [{ accountid: 'acct-1' }, 'accountid'],
        // Contract v3: an event cannot lift a guard.
        [{ allowMassRetire: true }, 'allowMassRetire'],
      ] as const) {
        await expect(handler()({ ...event, detail })).rejects.toMatchObject({
          name: 'InputValidationError',
          message: expect.stringContaining(field),
        });
      }
      expect(cw.writes()).toEqual([]);
    });

    it('answers a publishAccount task with counts only (planned counts both actions) and never the results', async () => {
      store.usage = store.usage.filter((u) => !(u.period === '2026-10' && u.clientId === 'client-b'));
      const answer = (await handler()({
        task: 'publishAccount',
        ...step('run-dry', { request: { ...step('x').request, dryRun: true } }),
      })) as Record<string, unknown>;
      expect(answer).toEqual({
        accountId: 'acct-1',
        published: 0,
        unchanged: 0,
        retired: 0,
        skipped: 0,
        failed: 0,
        planned: 4,
        sync: 'not-needed',
        requests: expect.any(Number),
        done: true,
        invocation: 1,
        progress: true,
      });
      expect(cw.writes()).toEqual([]);
      expect(deps.sent).toEqual([]);
      await expect(handler()({ task: 'publishAccount', ...step('r'), invocation: 0 })).rejects.toThrow(/invocation/);
      await expect(handler()({ task: 'publishAccount', ...step('r'), extra: 1 })).rejects.toThrow(/extra/);
    });
  });
});
