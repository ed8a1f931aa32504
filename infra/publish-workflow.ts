import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { DETAIL_TYPES, EVENT_SOURCE } from '../lib/contract.js';

/**
 * The fan-out workflow (contract "Scale"): plan the run, then publish every account in its own
 * Lambda invocations, several accounts at once, each continuing in a new invocation until done.
 *
 * The protocol with functions/publish (payloads are the function's input, results its output):
 * - `{ task: "plan", input }` → `{ runId, period, request, accounts: [{ accountId }] }`, where
 *   `input` is the execution's input (a Republish Requested event, a direct payload or
 *   `{ scheduledTime }`);
 * - `{ task: "publishAccount", runId, period, request, accountId, invocation }` →
 *   `{ accountId, done, invocation, published, unchanged, retired, skipped, failed, planned, sync,
 *   error?, next? }`; when `done` is false, `next` is the whole payload of the next invocation.
 *
 * An account that throws (after retries), stops returning `next`, or is not done after
 * MAX_INVOCATIONS_PER_ACCOUNT invocations is reported on the bus as Usage Publish Failed and
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
  finishFailedAccount: 'FinishFailedAccount',
  reportAccountFailure: 'ReportAccountFailure',
  accountFailed: 'AccountFailed',
  summarize: 'Summarize',
  anyAccountFailed: 'AnyAccountFailed',
  describeFailures: 'DescribeFailures',
  accountsFailed: 'AccountsFailed',
  published: 'Published',
} as const;

/** Invocations one account may take before it is failed: 40 × 15 minutes is ten hours of publishing. */
export const MAX_INVOCATIONS_PER_ACCOUNT = 40;

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
  const S = WORKFLOW_STATES;
  const invoke = (id: string, payload: sfn.TaskInput | undefined, resultPath?: string): tasks.LambdaInvoke => {
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

  // ---- Plan: which accounts, which period (fixed once for the whole run), which options ----------
  // The plan replaces the state (the default ResultPath, "$").
  const plan = invoke(S.plan, sfn.TaskInput.fromObject({ task: 'plan', input: sfn.JsonPath.entirePayload }));

  // ---- One account: invoke until done --------------------------------------------------------------
  // The iteration's state is the publishAccount payload; the function's answer goes to $.result.
  const publishAccount = invoke(S.publishAccount, undefined, '$.result');

  const counts = {
    invocations: sfn.JsonPath.numberAt('$.invocation'),
    published: sfn.JsonPath.numberAt('$.result.published'),
    unchanged: sfn.JsonPath.numberAt('$.result.unchanged'),
    retired: sfn.JsonPath.numberAt('$.result.retired'),
    skipped: sfn.JsonPath.numberAt('$.result.skipped'),
    failed: sfn.JsonPath.numberAt('$.result.failed'),
    planned: sfn.JsonPath.numberAt('$.result.planned'),
    sync: sfn.JsonPath.stringAt('$.result.sync'),
  };
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

  // The function's own last word on a failed account: it reports what earlier invocations did (a
  // client they retired included), triggers the sync for it, records the run and sends the account's
  // Usage Publish Failed event in the contract's shape, and frees the account. Should that fail too,
  // the bare event above is sent instead.
  const finishFailedAccount = invoke(
    S.finishFailedAccount,
    sfn.TaskInput.fromObject({
      task: 'finishAccount',
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

  publishAccount.addCatch(finishFailedAccount, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });

  const failWith = (id: string, error: string, cause: string): sfn.Chain =>
    new sfn.Pass(scope, id, {
      result: sfn.Result.fromObject({ Error: error, Cause: cause }),
      resultPath: '$.failure',
    }).next(finishFailedAccount);

  const accountProgress = new sfn.Choice(scope, S.accountProgress)
    .when(
      sfn.Condition.and(sfn.Condition.booleanEquals('$.result.done', true), sfn.Condition.isPresent('$.result.error')),
      accountStopped,
    )
    .when(sfn.Condition.booleanEquals('$.result.done', true), accountPublished)
    .when(
      sfn.Condition.numberGreaterThanEquals('$.invocation', MAX_INVOCATIONS_PER_ACCOUNT),
      failWith(
        S.invocationLimitReached,
        'InvocationLimitReached',
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
        'NextPayloadMissing',
        'The function answered done: false without the payload of the next invocation (next).',
      ),
    );

  const publishAccounts = new sfn.Map(scope, S.publishAccounts, {
    itemsPath: '$.accounts',
    itemSelector: {
      task: 'publishAccount',
      runId: sfn.JsonPath.stringAt('$.runId'),
      period: sfn.JsonPath.stringAt('$.period'),
      request: sfn.JsonPath.objectAt('$.request'),
      accountId: sfn.JsonPath.stringAt('$$.Map.Item.Value.accountId'),
      invocation: 1,
    },
    maxConcurrency: props.maxParallelAccounts,
    resultPath: '$.accounts',
  });
  publishAccounts.itemProcessor(publishAccount.next(accountProgress));

  // ---- The run's outcome -----------------------------------------------------------------------------
  // Whether an account failed is read from the accounts' JSON text, not with a JSONPath filter:
  // a filter that matches nothing (the usual case) is an empty list in Step Functions but an
  // error in other ASL implementations, such as the local one the tests run. Inside a JSON
  // string every quote is escaped, so `"status":"failed"` can only be an account's status.
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

  return plan
    .next(publishAccounts)
    .next(summarize)
    .next(
      new sfn.Choice(scope, S.anyAccountFailed)
        .when(
          sfn.Condition.stringMatches('$.accountsJson', `*"status":"${ACCOUNT_STATUS.failed}"*`),
          describeFailures.next(accountsFailed),
        )
        .otherwise(new sfn.Succeed(scope, S.published, { outputPath: '$.summary' })),
    );
}
