import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { DETAIL_TYPES, EVENT_SOURCE } from '../lib/contract.js';

export interface PublisherAlarms {
  readonly errors: cloudwatch.Alarm;
  readonly throttles: cloudwatch.Alarm;
  readonly deadLetterQueue: cloudwatch.Alarm;
  readonly duration: cloudwatch.Alarm;
  readonly failedExecutions: cloudwatch.Alarm;
}

export interface AlarmSubjects {
  readonly fn: lambda.Function;
  readonly timeout: Duration;
  readonly deadLetterQueue: sqs.Queue;
  readonly stateMachine: sfn.StateMachine;
  readonly topic: sns.ITopic;
}

/**
 * One alarm per way the publish can go wrong without telling anyone itself, each notifying the
 * topic. The function runs a few times a month: no data is the normal state, not a problem.
 */
export function createAlarms(scope: Construct, subjects: AlarmSubjects): PublisherAlarms {
  const action = new SnsAction(subjects.topic);
  const alarm = (id: string, metric: cloudwatch.IMetric, description: string, threshold = 1): cloudwatch.Alarm => {
    const created = new cloudwatch.Alarm(scope, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    created.addAlarmAction(action);
    return created;
  };
  const fiveMinutes = Duration.minutes(5);
  const { fn } = subjects;
  return {
    errors: alarm(
      'ErrorsAlarm',
      fn.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      'The publish function threw: invalid input or a run that could not proceed (table, secret or network). See the operating guide.',
    ),
    throttles: alarm(
      'ThrottlesAlarm',
      fn.metricThrottles({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      'A publish invocation was throttled: the AWS account is out of Lambda concurrency ' +
        '(the state machine retries; lower maxParallelAccounts if it persists). See the operating guide.',
    ),
    deadLetterQueue: alarm(
      'DeadLetterQueueAlarm',
      subjects.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: fiveMinutes,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      'Something could not be delivered or failed after its retries: ' +
        'a publish request, a schedule invocation or a notification. See the operating guide.',
    ),
    duration: alarm(
      'DurationAlarm',
      fn.metricDuration({ period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }),
      // An invocation stops starting clients at its timeout − min(60 s, 20 %) and continues in the next
      // one, so long invocations are normal; only one that ran past that point is worth an alarm.
      'A publish invocation ran past 95% of the function timeout: it did not stop in time to continue ' +
        'in the next invocation and may be cut off. See the operating guide.',
      Math.floor(subjects.timeout.toMilliseconds() * 0.95),
    ),
    failedExecutions: alarm(
      'FailedExecutionsAlarm',
      new cloudwatch.MathExpression({
        expression: 'FILL(failed, 0) + FILL(timedOut, 0)',
        usingMetrics: {
          failed: subjects.stateMachine.metricFailed({ statistic: cloudwatch.Stats.SUM }),
          timedOut: subjects.stateMachine.metricTimedOut({ statistic: cloudwatch.Stats.SUM }),
        },
        period: fiveMinutes,
        label: 'Failed or timed-out publish runs',
      }),
      'A publish run (state machine execution) failed or timed out: ' +
        'an account could not be published, or the run could not be planned. ' +
        "The execution's error names the accounts. See the operating guide.",
    ),
  };
}

/**
 * A failed publish is a discrete event carrying what failed, so this rule sends the event itself
 * (account, period, run and the event's detail) to the topic; an alarm on the rule's metric would
 * say only "something failed" and flip back to OK minutes later. A notification that cannot be
 * delivered lands in the dead-letter queue, which has its own alarm.
 */
export function notifyPublishFailures(
  scope: Construct,
  options: { bus: events.IEventBus; topic: sns.ITopic; deadLetterQueue: sqs.IQueue },
): events.Rule {
  const rule = new events.Rule(scope, 'PublishFailedRule', {
    description: `${DETAIL_TYPES.failed} events notify the alarm topic`,
    eventBus: options.bus,
    eventPattern: { source: [EVENT_SOURCE], detailType: [DETAIL_TYPES.failed] },
    targets: [
      new targets.SnsTopic(options.topic, {
        deadLetterQueue: options.deadLetterQueue,
        // A role of this rule's own publishes, rather than a topic policy open to the whole
        // EventBridge service principal.
        authorizeUsingRole: true,
        message: events.RuleTargetInput.fromObject({
          notification: `connectwise-usage-publisher: ${DETAIL_TYPES.failed}`,
          accountId: events.EventField.fromPath('$.detail.accountId'),
          period: events.EventField.fromPath('$.detail.period'),
          runId: events.EventField.fromPath('$.detail.runId'),
          // The whole detail rather than its fields one by one: the function's events carry counts
          // and results, the state machine's (an account that could not finish) error and cause.
          detail: events.EventField.fromPath('$.detail'),
          whatToDo: `See "${DETAIL_TYPES.failed}" in the operating guide (docs/operating.md).`,
        }),
      }),
    ],
  });
  Validations.of(rule).acknowledge({
    id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    reason:
      "The rule's role publishes to the encrypted alarm topic, which needs kms:GenerateDataKey* " +
      "(as granted by Topic.grantPublish) on the topic's own key only.",
  });
  return rule;
}
