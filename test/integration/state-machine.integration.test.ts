import { setImmediate as nextTurn } from 'node:timers/promises';
import { loadPublishStateMachine, PLACEHOLDER } from '../support/local-state-machine.js';
import type { LocalStateMachine, PutEventsEntry, TaskCall } from '../support/local-state-machine.js';

/**
 * The synthesized publish state machine, run locally (aws-local-stepfunctions) against a fake
 * of the function's plan/publishAccount protocol. The fake is the only thing to swap for the
 * real handler: `invokeFunction: fake.invoke`.
 */

const PERIOD = '2026-01';
const RUN_ID = 'run-0001';
const REPUBLISH_EVENT = {
  version: '0',
  id: 'e-1',
  source: 'connectwise-usage-publisher.ops',
  'detail-type': 'Republish Requested',
  account: '123456789012',
  time: '2026-02-03T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { period: PERIOD },
};

interface AccountScript {
  /** Invocations the account needs before it is done (default 1). */
  readonly invocations?: number;
  /** Thrown by these calls of the account (1-based, retries included): name and message. */
  readonly throwsOn?: Record<number, { name: string; message: string }>;
  /** Answered instead of done when the account stops itself (e.g. another run holds it). */
  readonly stoppedWith?: string;
}

class FakePublishFunction {
  inFlight = 0;
  maxInFlight = 0;
  readonly publishCalls: Array<Record<string, unknown>> = [];
  private readonly attempts = new Map<string, number>();

  constructor(private readonly accounts: Record<string, AccountScript>) {}

  readonly invoke = async (payload: unknown): Promise<unknown> => {
    const request = payload as Record<string, unknown>;
    if (request.task === 'plan') {
      return {
        runId: RUN_ID,
        period: PERIOD,
        request: { dryRun: false },
        accounts: Object.keys(this.accounts).map((accountId) => ({ accountId })),
      };
    }
    if (request.task !== 'publishAccount')
      throw Object.assign(new Error(`unknown task ${String(request.task)}`), { name: 'InvalidInputError' });
    this.publishCalls.push(request);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      // Stay "running" for a few event-loop turns, so the Map can start its other iterations meanwhile.
      for (let turn = 0; turn < 20; turn += 1) await nextTurn();
      return this.answer(request);
    } finally {
      this.inFlight -= 1;
    }
  };

  private answer(request: Record<string, unknown>): unknown {
    const accountId = String(request.accountId);
    const invocation = Number(request.invocation);
    const script = this.accounts[accountId] ?? {};
    const attempt = (this.attempts.get(accountId) ?? 0) + 1;
    this.attempts.set(accountId, attempt);
    const failure = script.throwsOn?.[attempt];
    if (failure) throw Object.assign(new Error(failure.message), { name: failure.name });
    const needed = script.invocations ?? 1;
    const counts = {
      published: 2 * invocation,
      unchanged: 1,
      retired: 0,
      skipped: 1,
      failed: 0,
      planned: 0,
      sync: 'triggered',
    };
    if (script.stoppedWith) {
      return {
        accountId,
        done: true,
        invocation,
        ...counts,
        published: 0,
        sync: 'not-needed',
        error: script.stoppedWith,
      };
    }
    if (invocation < needed) {
      // What the function carries to its next invocation besides the position: here, a cursor.
      const next = { ...request, invocation: invocation + 1, cursor: 7 };
      return { accountId, done: false, invocation, ...counts, sync: 'not-needed', next };
    }
    return { accountId, done: true, invocation, ...counts };
  }
}

const publishCallsOf = (calls: TaskCall[], accountId: string) =>
  calls.filter((c) => c.state === 'PublishAccount' && (c.payload as { accountId: string }).accountId === accountId);

describe('State machine: fan-out of a publish run (synthesized definition, run locally)', () => {
  let machine: LocalStateMachine;

  beforeAll(() => {
    // Prepare: the stack as deployed, with two accounts at a time so three accounts must queue.
    machine = loadPublishStateMachine({ maxParallelAccounts: '2' });
  });

  it('plans with the execution input, publishes every account at most two at once, and succeeds with each account’s counts', async () => {
    // Prepare
    const fake = new FakePublishFunction({ acme: {}, globex: {}, initech: {} });
    const events: PutEventsEntry[] = [];

    // Act
    const outcome = await machine.run(REPUBLISH_EVENT, {
      invokeFunction: fake.invoke,
      putEvents: (e) => void events.push(...e),
    });

    // Assess
    expect(outcome.calls[0]).toMatchObject({ state: 'Plan', payload: { task: 'plan', input: REPUBLISH_EVENT } });
    expect(fake.publishCalls.map((c) => c.accountId).sort()).toEqual(['acme', 'globex', 'initech']);
    for (const call of fake.publishCalls) {
      expect(call).toEqual({
        task: 'publishAccount',
        runId: RUN_ID,
        period: PERIOD,
        request: { dryRun: false },
        accountId: call.accountId,
        invocation: 1,
      });
    }
    expect(fake.maxInFlight).toBe(2);
    expect(events).toEqual([]);
    expect(outcome).toMatchObject({
      status: 'SUCCEEDED',
      output: {
        runId: RUN_ID,
        period: PERIOD,
        accounts: ['acme', 'globex', 'initech'].map((accountId) => ({
          accountId,
          status: 'completed',
          invocations: 1,
          published: 2,
          unchanged: 1,
          retired: 0,
          skipped: 1,
          failed: 0,
          planned: 0,
          sync: 'triggered',
        })),
      },
    });
  });

  it("continues an account that is not done with the function's own next payload until it is done", async () => {
    // Prepare
    const fake = new FakePublishFunction({ acme: {}, globex: { invocations: 3 }, initech: {} });

    // Act
    const outcome = await machine.run({ scheduledTime: '2026-02-01T06:00:00Z' }, { invokeFunction: fake.invoke });

    // Assess
    const globex = publishCallsOf(outcome.calls, 'globex');
    expect(globex.map((c) => c.payload)).toEqual([
      {
        task: 'publishAccount',
        runId: RUN_ID,
        period: PERIOD,
        request: { dryRun: false },
        accountId: 'globex',
        invocation: 1,
      },
      // Exactly what the previous invocation returned as `next`, cursor included.
      {
        task: 'publishAccount',
        runId: RUN_ID,
        period: PERIOD,
        request: { dryRun: false },
        accountId: 'globex',
        invocation: 2,
        cursor: 7,
      },
      {
        task: 'publishAccount',
        runId: RUN_ID,
        period: PERIOD,
        request: { dryRun: false },
        accountId: 'globex',
        invocation: 3,
        cursor: 7,
      },
    ]);
    expect(publishCallsOf(outcome.calls, 'acme')).toHaveLength(1);
    expect(outcome.status).toBe('SUCCEEDED');
    const accounts = (outcome as { output: { accounts: Array<Record<string, unknown>> } }).output.accounts;
    // The account's result is its last invocation's answer.
    expect(accounts.find((a) => a.accountId === 'globex')).toMatchObject({
      status: 'completed',
      invocations: 3,
      published: 6,
      sync: 'triggered',
    });
  });

  it('reports an account whose invocation throws as Usage Publish Failed on the bus; the other accounts complete and the execution fails naming it', async () => {
    // Prepare
    const fake = new FakePublishFunction({
      acme: {},
      globex: { invocations: 2 },
      initech: { throwsOn: { 1: { name: 'TableUnavailableError', message: 'the Accounts table could not be read' } } },
    });
    const events: PutEventsEntry[] = [];

    // Act
    const outcome = await machine.run(REPUBLISH_EVENT, {
      invokeFunction: fake.invoke,
      putEvents: (e) => void events.push(...e),
    });

    // Assess: one event, for initech, with what went wrong.
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      Source: 'connectwise-usage-publisher',
      DetailType: 'Usage Publish Failed',
      EventBusName: expect.stringMatching(
        new RegExp(`^arn:aws:events:${PLACEHOLDER.region}:${PLACEHOLDER.accountId}:event-bus/`),
      ),
    });
    const detail = JSON.parse(events[0]?.Detail ?? '{}') as Record<string, string>;
    expect(detail).toEqual({
      runId: RUN_ID,
      accountId: 'initech',
      period: PERIOD,
      error: 'TableUnavailableError',
      cause: expect.any(String),
    });
    expect(JSON.parse(detail.cause ?? '{}')).toEqual({
      errorType: 'TableUnavailableError',
      errorMessage: 'the Accounts table could not be read',
    });
    // The others went on to the end.
    expect(publishCallsOf(outcome.calls, 'acme').map((c) => (c.result as { done: boolean }).done)).toEqual([true]);
    expect(publishCallsOf(outcome.calls, 'globex').map((c) => (c.result as { done: boolean }).done)).toEqual([
      false,
      true,
    ]);
    // An application error is not retried: the same invocation would fail the same way.
    expect(publishCallsOf(outcome.calls, 'initech')).toHaveLength(1);
    expect(outcome).toMatchObject({
      status: 'FAILED',
      error: 'AccountsFailed',
      cause: expect.stringMatching(/^Accounts that could not be published: \[?"initech"\]?\./),
    });
  });

  it('retries an invocation the Lambda service throttled, with the same payload, and goes on', async () => {
    // Prepare
    const fake = new FakePublishFunction({
      acme: { throwsOn: { 1: { name: 'Lambda.TooManyRequestsException', message: 'Rate Exceeded.' } } },
      globex: {},
    });
    const events: PutEventsEntry[] = [];

    // Act
    const outcome = await machine.run({}, { invokeFunction: fake.invoke, putEvents: (e) => void events.push(...e) });

    // Assess
    const acme = publishCallsOf(outcome.calls, 'acme');
    expect(acme).toHaveLength(2);
    expect(acme[0]?.error?.name).toBe('Lambda.TooManyRequestsException');
    expect(acme[1]?.payload).toEqual(acme[0]?.payload);
    expect(events).toEqual([]);
    expect(outcome.status).toBe('SUCCEEDED');
  });

  it(`fails an account that is still not done after 40 invocations, with an InvocationLimitReached event`, async () => {
    // Prepare
    const fake = new FakePublishFunction({ acme: { invocations: 1000 } });
    const events: PutEventsEntry[] = [];

    // Act
    const outcome = await machine.run({}, { invokeFunction: fake.invoke, putEvents: (e) => void events.push(...e) });

    // Assess
    expect(publishCallsOf(outcome.calls, 'acme')).toHaveLength(40);
    expect(events.map((e) => JSON.parse(e.Detail) as Record<string, string>)).toEqual([
      expect.objectContaining({
        accountId: 'acme',
        error: 'InvocationLimitReached',
        cause: expect.stringContaining('40 invocations'),
      }),
    ]);
    expect(outcome).toMatchObject({
      status: 'FAILED',
      error: 'AccountsFailed',
      cause: expect.stringMatching(/^Accounts that could not be published: \[?"acme"\]?\./),
    });
  });

  it('fails the execution, without a second event, when the function stopped an account itself (another run holds it)', async () => {
    // Prepare
    const fake = new FakePublishFunction({
      acme: {},
      globex: { stoppedWith: 'another run (run-0000) is publishing account globex' },
    });
    const events: PutEventsEntry[] = [];

    // Act
    const outcome = await machine.run({}, { invokeFunction: fake.invoke, putEvents: (e) => void events.push(...e) });

    // Assess: the function already sent that account's Usage Publish Failed event.
    expect(events).toEqual([]);
    expect(outcome).toMatchObject({
      status: 'FAILED',
      error: 'AccountsFailed',
      cause: expect.stringMatching(/^Accounts that could not be published: \[?"globex"\]?\./),
    });
  });

  it('succeeds with no account when the plan has none', async () => {
    const fake = new FakePublishFunction({});
    const outcome = await machine.run({}, { invokeFunction: fake.invoke });
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: { runId: RUN_ID, period: PERIOD, accounts: [] } });
  });

  it('fails the execution with the function’s error when the run cannot be planned (invalid input)', async () => {
    // Prepare: the plan rejects the input, as the handler does with a bad field.
    const invokeFunction = async () => {
      throw Object.assign(new Error('period must be YYYY-MM (got "2026-13")'), { name: 'InvalidInputError' });
    };

    // Act
    const outcome = await machine.run({ period: '2026-13' }, { invokeFunction });

    // Assess: not retried, nothing published.
    expect(outcome.calls.map((c) => c.state)).toEqual(['Plan']);
    expect(outcome).toMatchObject({
      status: 'FAILED',
      error: 'InvalidInputError',
      cause: expect.stringContaining('period must be YYYY-MM'),
    });
  });
});
