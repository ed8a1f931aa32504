import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PutEventsEntry } from '../support/local-state-machine.js';
import { loadPublishStateMachine, type LocalStateMachine } from '../support/local-state-machine.js';
import { TABLES } from '../support/local-aws.js';
import { Harness } from './harness.js';

/**
 * The synthesized state machine run locally (aws-local-stepfunctions), its Lambda tasks served by the
 * REAL handler, against dynalite and one ConnectWise simulator per account: several accounts in
 * parallel, a disabled one left out, one that needs several invocations to finish — nothing lost or
 * duplicated. The handler's clock is a test seam that advances with every reading, so an invocation
 * "runs out of time" after a bounded amount of work, as a Lambda would.
 */
describe('State machine with the real handler (dynalite + simulator)', () => {
  let harness: Harness;
  let machine: LocalStateMachine;

  beforeAll(async () => {
    harness = await Harness.start();
    machine = loadPublishStateMachine({ maxParallelAccounts: '2' });
  });
  afterAll(async () => {
    await harness.close();
  });

  const account = async (clients: number, period: string) => {
    const a = await harness.account();
    for (let i = 1; i <= clients; i++) {
      if (i <= 10) a.company(`Co-${i}`, `M-${i}`);
      await a.mapping(`c-${i}`, `M-${((i - 1) % 10) + 1}`);
      await a.usage(`c-${i}`, period, i);
    }
    return a;
  };

  it('publishes every enabled account in parallel, continuing a big one across invocations until done', async () => {
    // Prepare: three accounts (one big), one disabled; a clock that moves 1 s at every reading.
    const period = '2026-10';
    const small1 = await account(3, period);
    const small2 = await account(4, period);
    const big = await account(60, period);
    const disabled = await account(2, period);
    await harness.db.send(
      new UpdateCommand({
        TableName: TABLES.ACCOUNTS_TABLE,
        Key: { accountId: disabled.accountId },
        UpdateExpression: 'SET enabled = :f',
        ExpressionAttributeValues: { ':f': false },
      }),
    );
    // Ahead of the real clock (which the ConnectWise client's governor reads), never behind it.
    let now = Date.now();
    const clock = () => new Date((now += 1000));
    const handler = harness.taskHandler({ clock });
    const invocations: Record<string, number> = {};
    const events: PutEventsEntry[] = [];

    // Act: a Lambda with 100 s left per invocation.
    const outcome = await machine.run(
      { scheduledTime: '2026-11-01T06:00:00Z' },
      {
        invokeFunction: async (payload) => {
          const p = payload as { task: string; accountId?: string };
          if (p.task === 'publishAccount') invocations[p.accountId!] = (invocations[p.accountId!] ?? 0) + 1;
          return handler(payload, { awsRequestId: 'req', getRemainingTimeInMillis: () => 100_000 });
        },
        putEvents: (e) => void events.push(...e),
      },
    );

    // Assess
    if (outcome.status === 'FAILED')
      throw new Error(
        `${outcome.error}: ${outcome.cause}\n${JSON.stringify(outcome.calls.filter((c) => c.error).slice(0, 3))}`,
      );
    expect(invocations[disabled.accountId]).toBeUndefined();
    expect(invocations[small1.accountId]).toBe(1);
    expect(invocations[big.accountId]).toBeGreaterThan(1);
    for (const [a, n] of [
      [small1, 3],
      [small2, 4],
      [big, 60],
    ] as const) {
      const configurations = a.configurations();
      expect(configurations).toHaveLength(n);
      expect(new Set(configurations.map((c) => c.deviceIdentifier)).size).toBe(n);
      expect(configurations.every((c) => c.backupMonth === 10 && c.activeFlag !== false)).toBe(true);
      expect(a.sim.state.syncRuns).toHaveLength(1);
      const published = harness.eventsFor(a.accountId);
      expect(published).toHaveLength(1);
      expect(published[0]!.Detail).toMatchObject({ published: n, failed: 0, period: '2026-10' });
    }
    expect(disabled.configurations()).toHaveLength(0);
    expect(events).toEqual([]);
  });

  it('reports an account another run holds: its event names that run, and the execution fails naming the account', async () => {
    const a = await account(2, '2026-10');
    await harness.put(TABLES.LEDGER_TABLE, {
      runKey: `#lock#${a.accountId}`,
      clientId: '#lock',
      runId: 'other-run',
      leaseUntil: Date.now() + 600_000,
      since: new Date().toISOString(),
    });
    const handler = harness.taskHandler();
    const outcome = await machine.run(
      { accountId: a.accountId, period: '2026-10' },
      { invokeFunction: (payload) => handler(payload, { getRemainingTimeInMillis: () => 600_000 }) },
    );
    expect(outcome.status).toBe('FAILED');
    expect(a.writes()).toEqual([]);
    const event = harness.eventsFor(a.accountId).at(-1)!;
    expect(event.DetailType).toBe('Usage Publish Failed');
    expect(String(event.Detail.error)).toContain('other-run');
  });
});
