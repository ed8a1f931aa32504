import { Duration, TimeZone } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DETAIL_TYPES } from '../lib/contract.js';
import type { PublisherConfig } from './publisher-config.js';

export interface Triggers {
  readonly schedule: scheduler.Schedule;
  readonly republishRule: events.Rule;
}

/**
 * The monthly schedule and the Republish Requested rule, both invoking the function.
 * EventBridge Scheduler rather than a scheduled rule: it takes an IANA time zone (a rule's cron
 * is UTC only). It invokes the function asynchronously with a fixed payload; `{}` is the
 * contract's direct invocation with every field absent: every enabled account, the month before
 * the run.
 */
export function createTriggers(
  scope: Construct,
  config: PublisherConfig,
  options: { fn: lambda.IFunction; bus: events.IEventBus; deadLetterQueue: sqs.IQueue },
): Triggers {
  const schedule = new scheduler.Schedule(scope, 'MonthlySchedule', {
    description: 'connectwise-usage-publisher: publish the previous month for every enabled account',
    schedule: scheduler.ScheduleExpression.expression(config.schedule, TimeZone.of(config.scheduleTimezone)),
    enabled: config.scheduleEnabled,
    timeWindow: scheduler.TimeWindow.off(),
    target: new InvokeFunctionOnly(options.fn, {
      input: scheduler.ScheduleTargetInput.fromObject({}),
      deadLetterQueue: options.deadLetterQueue,
      retryAttempts: 10,
      maxEventAge: Duration.hours(6),
    }),
  });

  const republishRule = new events.Rule(scope, 'RepublishRule', {
    description: `${DETAIL_TYPES.republish} events invoke the publish function`,
    eventBus: options.bus,
    eventPattern: { detailType: [DETAIL_TYPES.republish] },
    targets: [
      new targets.LambdaFunction(options.fn, {
        deadLetterQueue: options.deadLetterQueue,
        retryAttempts: 4,
        maxEventAge: Duration.hours(6),
      }),
    ],
  });
  return { schedule, republishRule };
}

/**
 * EventBridge Scheduler's Lambda target, with the schedule's role allowed to invoke this one
 * function only. `LambdaInvoke` grants `lambda:InvokeFunction` on the function and on
 * `<function ARN>:*` (every version and alias); the schedule invokes the unqualified function.
 */
class InvokeFunctionOnly extends LambdaInvoke {
  private readonly target: lambda.IFunction;

  constructor(target: lambda.IFunction, props: ScheduleTargetBaseProps) {
    super(target, props);
    this.target = target;
  }

  protected override addTargetActionToRole(role: iam.IRole): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.target.functionArn] }));
  }
}
