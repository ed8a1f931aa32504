import { loadPublishStateMachine, type LocalStateMachine } from '../support/local-state-machine.js';
import { TABLES } from '../support/local-aws.js';
import { publishAccountAnswerSchema, TASKS } from '../../lib/workflow/protocol.js';
import { Harness, type TestAccount } from './harness.js';

/**
 * Contract v3 "Every invocation makes progress": the synthesized state machine run locally, its Lambda
 * tasks served by the REAL handler, with invocations of a few seconds. Time is injected, not slept: the
 * handler's clock moves a fixed step at every reading (never behind the real clock the governor reads), and
 * each invocation is given `SECONDS` by getRemainingTimeInMillis, so it runs out after a bounded amount
 * of work, as a short Lambda would.
 */
describe('An account that needs several short invocations', () => {
  let harness: Harness;
  let machine: LocalStateMachine;
  const PERIOD = '2026-10';

  beforeAll(async () => {
    harness = await Harness.start();
    machine = loadPublishStateMachine({ maxParallelAccounts: '1' });
  });
  afterAll(async () => {
    await harness.close();
  });

  /** `clients` clients on `companies` companies (one Managed ID each), every client with usage. */
  const account = async (clients: number, companies: number, noise: number): Promise<TestAccount> => {
    const a = await harness.account();
    for (let i = 1; i <= companies; i++) a.company(`Co-${i}`, `M-${i}`);
    if (noise > 0) a.sim.seed.noiseCompanies(noise);
    for (let i = 1; i <= clients; i++) {
      await a.mapping(`c-${i}`, `M-${((i - 1) % companies) + 1}`);
      await a.usage(`c-${i}`, PERIOD, i);
    }
    return a;
  };

  /** Runs the state machine for one account with invocations of `seconds`, the clock moving `stepMs` per reading. */
  const publish = async (a: TestAccount, seconds: number, stepMs: number) => {
    // Never behind the real clock, which the ConnectWise client's governor reads for its own deadline.
    let now = Date.now();
    const handler = harness.taskHandler({ clock: () => new Date((now = Math.max(now + stepMs, Date.now()))) });
    const answers: Record<string, unknown>[] = [];
    const outcome = await machine.run(
      { accountId: a.accountId, period: PERIOD },
      {
        invokeFunction: async (payload) => {
          const answer = await handler(payload, { getRemainingTimeInMillis: () => seconds * 1000 });
          if ((payload as { task: string }).task === TASKS.publishAccount) {
            // Every answer is what the protocol declares (the state machine's side reads these fields).
            publishAccountAnswerSchema.parse(answer);
            answers.push(answer as Record<string, unknown>);
          }
          return answer;
        },
      },
    );
    return { outcome, answers };
  };

  const expectExactlyPublished = (a: TestAccount, clients: number) => {
    const configurations = a.configurations();
    expect(configurations).toHaveLength(clients);
    expect(new Set(configurations.map((c) => c.deviceIdentifier)).size).toBe(clients);
    for (const c of configurations) {
      const i = Number(String(c.deviceIdentifier).slice(2));
      expect(c).toMatchObject({ backupBillableSpaceGb: i, backupYear: 2026, backupMonth: 10 });
      expect(c.activeFlag).not.toBe(false);
    }
    expect(a.writes().filter((r) => r.method === 'POST' && r.path.endsWith('/configurations'))).toHaveLength(clients);
    expect(a.sim.state.syncRuns).toHaveLength(1);
    const events = harness.eventsFor(a.accountId);
    expect(events.map((e) => e.DetailType)).toEqual(['Usage Published']);
    expect(events[0]!.Detail).toMatchObject({ published: clients, failed: 0, period: PERIOD });
  };

  it('finishes a first-month look-up that outlasts one invocation, reading each Management tab once', async () => {
    // Prepare: 4 clients, but 300 companies on the site: the full look-up alone needs several invocations.
    const a = await account(4, 4, 296);

    // Act: invocations of 3 s; the clock moves 25 ms per reading.
    const { outcome, answers } = await publish(a, 3, 25);

    // Assess
    if (outcome.status === 'FAILED')
      throw new Error(
        `${outcome.error}: ${outcome.cause}\n${JSON.stringify(answers)}\n${JSON.stringify(outcome.calls.filter((c) => c.error))}`,
      );
    expect(answers.length).toBeGreaterThanOrEqual(3);
    expect(answers.every((answer) => answer.progress === true)).toBe(true);
    const tabs = a.sim.managementTabsRead();
    expect(tabs).toHaveLength(300);
    expect(new Set(tabs).size).toBe(300); // resumed, never started over
    expectExactlyPublished(a, 4);
    // The run's look-up is kept by run in the Ledger table (no new table).
    const journal = (await harness.scan(TABLES.LEDGER_TABLE)).filter((i) =>
      String(i.runKey).startsWith(`#lookup#${a.accountId}#`),
    );
    expect(journal.flatMap((i) => i.companyIds as number[]).sort((x, y) => x - y)).toEqual(
      [...new Set(tabs)].sort((x, y) => x - y),
    );
  });

  it('finishes an account whose writes need several invocations, each client written once', async () => {
    const a = await account(90, 6, 0);

    const { outcome, answers } = await publish(a, 3, 25);

    if (outcome.status === 'FAILED') throw new Error(`${outcome.error}: ${outcome.cause}`);
    expect(answers.length).toBeGreaterThanOrEqual(3);
    expect(answers.at(-1)).toMatchObject({ done: true, published: 90 });
    expectExactlyPublished(a, 90);
  });

  it('stops an account whose invocations make no progress after 3 of them, naming why, instead of spending the cap', async () => {
    // Prepare: invocations of 0.3 s: less than the reserve kept to record and answer.
    const a = await account(3, 3, 0);

    const { outcome, answers } = await publish(a, 0.3, 1);

    expect(outcome.status).toBe('FAILED');
    if (outcome.status !== 'FAILED') return;
    expect(outcome.cause).toContain(a.accountId);
    expect(answers).toHaveLength(3);
    expect(answers.every((answer) => answer.progress === false)).toBe(true);
    expect(String(answers[0]!.noProgress)).toMatch(/kept to record and answer: give the function a longer timeout/);
    expect(String(answers[2]!.stalled)).toMatch(/3 invocations in a row made no progress/);
    expect(a.writes()).toEqual([]);
    const events = harness.eventsFor(a.accountId);
    expect(events.map((e) => e.DetailType)).toEqual(['Usage Publish Failed']);
    expect(String(events[0]!.Detail.error)).toMatch(/NoProgress.*made no progress/);
  });
});
