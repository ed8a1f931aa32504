import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { DETAIL_TYPES, EVENT_SOURCE } from '../lib/contract.js';
import { ACCOUNT_COUNT_FIELDS, MAX_INVOCATIONS_PER_ACCOUNT, TASKS, WORKFLOW_ERRORS } from '../lib/workflow/protocol.js';

/**
 * The fan-out workflow (contract "Scale"): plan the run, then publish every account in its own
 * Lambda invocations, several accounts at once, each continuing in a new invocation until done.
 *
 * The protocol with functions/publish (task names, payloads, answers) is lib/workflow/protocol.ts:
 * `plan` fixes the run and its accounts; `publishAccount` is one invocation's share of an account,
 * answering `done: false` with the whole payload of the next invocation (`next`) until it is done.
 *
 * An account that throws (after retries), stops returning `next`, whose invocations stop making
 * progress (the function answers `stalled`), or is not done after MAX_INVOCATIONS_PER_ACCOUNT
 * invocations is finished by the function's `finishAccount` (its Usage Publish Failed event) and
 * counted as failed; the other accounts go on. The execution fails at the end, naming the
 * accounts, when any account failed in this way or returned an `error`; clients that failed
 * inside a finished account are the function's own Usage Publish Failed events, not an
 * execution failure.
 */

/** State names: the local test harness overrides tasks by name, and they show in the console. */
export const WORKFLOW_STATES = {
  plan: 'Plan',
  publishAccounts: 'PublishAccounts',
  publishAccount: 'PublishAccount',
  accountProgress: 'AccountProgress',
  accountPublished: 'AccountPublished',
  accountStopped: 'AccountStopped',
  continueAccount: 'ContinueAccount',
  invocationLimitReached: 'InvocationLimitReached',
  nextPayloadMissing: 'NextPayloadMissing',
  noProgress: 'NoProgress',
  finishFailedAccount: 'FinishFailedAccount',
  reportAccountFailure: 'ReportAccountFailure',
  accountFailed: 'AccountFailed',
  summarize: 'Summarize',
  anyAccountFailed: 'AnyAccountFailed',
  describeFailures: 'DescribeFailures',
  accountsFailed: 'AccountsFailed',
  published: 'Published',
} as const;

export { MAX_INVOCATIONS_PER_ACCOUNT };

/** `status` of an account in the execution's output. */
export const ACCOUNT_STATUS = { completed: 'completed', failed: 'failed' } as const;

/** Errors of the Lambda service itself (not of the function): retried with backoff. */
const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.TooManyRequestsException',
];

/**
 * An invocation that timed out (Lambda's `Sandbox.Timedout`, reported as `Lambda.Unknown` by older
 * runtimes, or the task's own `States.Timeout`): retried twice. Safe because a publish is
 * idempotent and each client's outcome is recorded as it is known, and an invocation that timed
 * out is no longer running (the task timeout is longer than the function's).
 */
const TIMEOUT_ERRORS = ['Sandbox.Timedout', 'Lambda.Unknown', sfn.Errors.TIMEOUT];

export interface PublishWorkflowProps {
  readonly fn: lambda.IFunction;
  readonly functionTimeout: Duration;
  readonly bus: events.IEventBus;
  readonly maxParallelAccounts: number;
}

/** Builds the workflow's states in `scope` and returns the start of the chain. */
export function publishWorkflow(scope: Construct, props: PublishWorkflowProps): sfn.IChainable {
  const invoke = invoker(scope, props);
  // The plan replaces the state (the default ResultPath, "$").
  const plan = invoke(S.plan, sfn.TaskInput.fromObject({ task: TASKS.plan, input: sfn.JsonPath.entirePayload }));
  const publishAccounts = new sfn.Map(scope, S.publishAccounts, {
    itemsPath: '$.accounts',
    itemSelector: {
      task: TASKS.publishAccount,
      runId: sfn.JsonPath.stringAt('$.runId'),
      period: sfn.JsonPath.stringAt('$.period'),
      request: sfn.JsonPath.objectAt('$.request'),
      accountId: sfn.JsonPath.stringAt('$$.Map.Item.Value.accountId'),
      invocation: 1,
    },
    maxConcurrency: props.maxParallelAccounts,
    resultPath: '$.accounts',
  });
  publishAccounts.itemProcessor(accountChain(scope, props, invoke));
  return plan.next(publishAccounts).next(runOutcome(scope));
}

const S = WORKFLOW_STATES;
type Invoke = (id: string, payload: sfn.TaskInput | undefined, resultPath?: string) => tasks.LambdaInvoke;

/** A Lambda task on the publish function, with the retries every invocation gets. */
function invoker(scope: Construct, props: PublishWorkflowProps): Invoke {
  return (id, payload, resultPath) => {
    const task = new tasks.LambdaInvoke(scope, id, {
      lambdaFunction: props.fn,
      ...(payload ? { payload } : {}),
      // The state gets the function's return value, without the Invoke API's metadata.
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      ...(resultPath ? { resultPath } : {}),
      // Longer than the function's own timeout, so a timed-out invocation has ended before it is retried.
      taskTimeout: sfn.Timeout.duration(props.functionTimeout.plus(Duration.minutes(1))),
    });
    task.addRetry({
      errors: LAMBDA_SERVICE_ERRORS,
      interval: Duration.seconds(2),
      backoffRate: 2,
      maxAttempts: 8,
      maxDelay: Duration.minutes(1),
      jitterStrategy: sfn.JitterType.FULL,
    });
    task.addRetry({ errors: TIMEOUT_ERRORS, interval: Duration.seconds(30), backoffRate: 2, maxAttempts: 2 });
    return task;
  };
}

/** The account's counts in the execution's output: one per row of the status table (the protocol's projection). */
function accountCounts(): Record<string, string | number> {
  return {
    invocations: sfn.JsonPath.numberAt('$.invocation'),
    ...Object.fromEntries(ACCOUNT_COUNT_FIELDS.map((s) => [s, sfn.JsonPath.numberAt(`$.result.${s}`)])),
    sync: sfn.JsonPath.stringAt('$.result.sync'),
  };
}

/**
 * One account: invoke until done. The iteration's state is the publishAccount payload; the
 * function's answer goes to $.result. Done → published (or stopped by the function itself); not
 * done → the next invocation, unless the cap is reached, `next` is missing or the function says
 * the account stalled: then the account's failure path.
 */
function accountChain(scope: Construct, props: PublishWorkflowProps, invoke: Invoke): sfn.IChainable {
  const publishAccount = invoke(S.publishAccount, undefined, '$.result');
  const counts = accountCounts();
  const accountPublished = new sfn.Pass(scope, S.accountPublished, {
    parameters: { accountId: sfn.JsonPath.stringAt('$.accountId'), status: ACCOUNT_STATUS.completed, ...counts },
  });
  // Done, but the function stopped the account itself (e.g. another run holds it) and has sent
  // the account's Usage Publish Failed event: failed for the execution, no second event.
  const accountStopped = new sfn.Pass(scope, S.accountStopped, {
    parameters: {
      accountId: sfn.JsonPath.stringAt('$.accountId'),
      status: ACCOUNT_STATUS.failed,
      error: sfn.JsonPath.stringAt('$.result.error'),
      ...counts,
    },
  });
  const finishFailedAccount = failurePath(scope, props, invoke);
  publishAccount.addCatch(finishFailedAccount, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
  const failWith = (id: string, error: string, cause: string): sfn.Chain =>
    new sfn.Pass(scope, id, {
      parameters: { Error: error, Cause: cause },
      resultPath: '$.failure',
    }).next(finishFailedAccount);
  const accountProgress = new sfn.Choice(scope, S.accountProgress)
    .when(
      sfn.Condition.and(sfn.Condition.booleanEquals('$.result.done', true), sfn.Condition.isPresent('$.result.error')),
      accountStopped,
    )
    .when(sfn.Condition.booleanEquals('$.result.done', true), accountPublished)
    // The function's own verdict: its invocations make no progress (it names why).
    .when(
      sfn.Condition.isPresent('$.result.stalled'),
      failWith(S.noProgress, WORKFLOW_ERRORS.noProgress, sfn.JsonPath.stringAt('$.result.stalled')),
    )
    .when(
      sfn.Condition.numberGreaterThanEquals('$.invocation', MAX_INVOCATIONS_PER_ACCOUNT),
      failWith(
        S.invocationLimitReached,
        WORKFLOW_ERRORS.invocationLimitReached,
        `The account was not done after ${MAX_INVOCATIONS_PER_ACCOUNT} invocations; ` +
          'what was published is kept, publish it again to continue.',
      ),
    )
    .when(
      sfn.Condition.isPresent('$.result.next'),
      new sfn.Pass(scope, S.continueAccount, { inputPath: '$.result.next' }).next(publishAccount),
    )
    .otherwise(
      failWith(
        S.nextPayloadMissing,
        WORKFLOW_ERRORS.nextPayloadMissing,
        'The function answered done: false without the payload of the next invocation (next).',
      ),
    );
  return publishAccount.next(accountProgress);
}

/**
 * A failed account ($.failure = { Error, Cause }): the function's own last word — it reports what
 * earlier invocations did (a client they retired included), triggers the sync for it, records the
 * run, sends the account's Usage Publish Failed event in the contract's shape and frees the account.
 * Should that fail too, a bare event from the state machine instead. Returns the path's first state.
 */
function failurePath(scope: Construct, props: PublishWorkflowProps, invoke: Invoke): tasks.LambdaInvoke {
  const accountFailed = new sfn.Pass(scope, S.accountFailed, {
    parameters: {
      accountId: sfn.JsonPath.stringAt('$.accountId'),
      status: ACCOUNT_STATUS.failed,
      invocations: sfn.JsonPath.numberAt('$.invocation'),
      error: sfn.JsonPath.stringAt('$.failure.Error'),
    },
  });
  // The failure as an event, like the function's own for a failed account: the alarm topic gets
  // it. Error and Cause are the function's error name and message (never a secret: the
  // function's errors are redacted before they leave it).
  const reportAccountFailure = new tasks.EventBridgePutEvents(scope, S.reportAccountFailure, {
    entries: [
      {
        eventBus: props.bus,
        source: EVENT_SOURCE,
        detailType: DETAIL_TYPES.failed,
        detail: sfn.TaskInput.fromObject({
          runId: sfn.JsonPath.stringAt('$.runId'),
          accountId: sfn.JsonPath.stringAt('$.accountId'),
          period: sfn.JsonPath.stringAt('$.period'),
          error: sfn.JsonPath.stringAt('$.failure.Error'),
          cause: sfn.JsonPath.stringAt('$.failure.Cause'),
        }),
      },
    ],
    resultPath: sfn.JsonPath.DISCARD,
  });
  reportAccountFailure.addRetry({
    errors: [sfn.Errors.TASKS_FAILED],
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 3,
  });
  // Not even the event could be sent: the account still counts as failed, so the execution fails.
  reportAccountFailure.addCatch(accountFailed, { errors: [sfn.Errors.ALL], resultPath: '$.reportError' });
  reportAccountFailure.next(accountFailed);

  const finishFailedAccount = invoke(
    S.finishFailedAccount,
    sfn.TaskInput.fromObject({
      task: TASKS.finishAccount,
      runId: sfn.JsonPath.stringAt('$.runId'),
      period: sfn.JsonPath.stringAt('$.period'),
      request: sfn.JsonPath.objectAt('$.request'),
      accountId: sfn.JsonPath.stringAt('$.accountId'),
      invocation: sfn.JsonPath.numberAt('$.invocation'),
      error: sfn.JsonPath.stringAt('$.failure.Error'),
      cause: sfn.JsonPath.stringAt('$.failure.Cause'),
    }),
    sfn.JsonPath.DISCARD,
  );
  finishFailedAccount.addCatch(reportAccountFailure, { errors: [sfn.Errors.ALL], resultPath: '$.finishError' });
  finishFailedAccount.next(accountFailed);
  return finishFailedAccount;
}

/**
 * The run's outcome. Whether an account failed is read from the accounts' JSON text, not with a
 * JSONPath filter: a filter that matches nothing (the usual case) is an empty list in Step
 * Functions but an error in other ASL implementations, such as the local one the tests run.
 * Inside a JSON string every quote is escaped, so `"status":"failed"` can only be an account's status.
 */
function runOutcome(scope: Construct): sfn.IChainable {
  const summarize = new sfn.Pass(scope, S.summarize, {
    parameters: {
      summary: {
        runId: sfn.JsonPath.stringAt('$.runId'),
        period: sfn.JsonPath.stringAt('$.period'),
        accounts: sfn.JsonPath.listAt('$.accounts'),
      },
      accountsJson: sfn.JsonPath.jsonToString(sfn.JsonPath.listAt('$.accounts')),
    },
  });
  // Only reached when some account failed, so the filter below matches at least one.
  const describeFailures = new sfn.Pass(scope, S.describeFailures, {
    parameters: {
      cause: sfn.JsonPath.format(
        'Accounts that could not be published: {}. Each has a Usage Publish Failed event; ' +
          'the PublishAccounts state output has the details.',
        sfn.JsonPath.jsonToString(
          sfn.JsonPath.listAt(`$.summary.accounts[?(@.status == '${ACCOUNT_STATUS.failed}')].accountId`),
        ),
      ),
    },
    resultPath: '$.failure',
  });
  const accountsFailed = new sfn.Fail(scope, S.accountsFailed, {
    error: 'AccountsFailed',
    causePath: '$.failure.cause',
  });
  return summarize.next(
    new sfn.Choice(scope, S.anyAccountFailed)
      .when(
        sfn.Condition.stringMatches('$.accountsJson', `*"status":"${ACCOUNT_STATUS.failed}"*`),
        describeFailures.next(accountsFailed),
      )
      .otherwise(new sfn.Succeed(scope, S.published, { outputPath: '$.summary' })),
  );
}
