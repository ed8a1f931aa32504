import { ArnFormat, Duration, RemovalPolicy, Stack, TimeZone, Token } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DETAIL_TYPES, ENVIRONMENT, REPUBLISH_SOURCE } from '../lib/contract.js';
import { acknowledgeOnPolicy } from './publish-function.js';
import type { PublisherConfig } from './publisher-config.js';
import { publishWorkflow } from './publish-workflow.js';
import { TASKS } from '../lib/workflow/protocol.js';

/**
 * The variable that gives the function the state machine it starts for the schedule.
 * (Not in lib/contract.ts's ENVIRONMENT: it is the deployment's, not an operator's, setting.)
 */
export const STATE_MACHINE_ARN_VARIABLE = ENVIRONMENT.stateMachineArn;

/** The schedule's payload: the function starts the execution itself, named after the month. */
export const SCHEDULED_START_TASK = TASKS.startScheduled;

export interface FanOut {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  readonly schedule: scheduler.Schedule;
  readonly republishRule: events.Rule;
}

/**
 * The state machine's name: fixed, from the stack's name, so its ARN is known before it exists.
 * The function needs that ARN (STATE_MACHINE_ARN, states:StartExecution) and the state machine
 * needs the function's; naming one side breaks the cycle without a custom resource.
 */
export function stateMachineName(stack: Stack): string {
  if (Token.isUnresolved(stack.stackName)) {
    throw new Error('the publisher needs a stack with a literal name: its state machine is named after the stack');
  }
  const name = `${stack.stackName}-publish`;
  if (name.length > 80) {
    throw new Error(
      `stack name "${stack.stackName}" is too long: the state machine "${name}" would exceed Step Functions' 80 characters`,
    );
  }
  return name;
}

/**
 * Fan-out on Step Functions: the state machine (publish-workflow.ts), the monthly schedule that
 * has the function start it, and the Republish Requested rule that starts it directly. Gives the
 * function STATE_MACHINE_ARN and states:StartExecution on exactly this state machine.
 */
export function createFanOut(
  scope: Construct,
  config: PublisherConfig,
  options: { fn: lambda.Function; bus: events.IEventBus; deadLetterQueue: sqs.IQueue },
): FanOut {
  const stack = Stack.of(scope);
  const name = stateMachineName(stack);
  const { fn } = options;

  const { stateMachine, logGroup } = createStateMachine(scope, config, name, options);

  // The function starts the monthly execution itself (named after the month, so a duplicate
  // delivery of the schedule cannot start a second run): its ARN from the fixed name.
  const stateMachineArn = stack.formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  fn.addEnvironment(STATE_MACHINE_ARN_VARIABLE, stateMachineArn);
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'StartScheduledRun',
      actions: ['states:StartExecution'],
      resources: [stateMachineArn],
    }),
  );

  // EventBridge Scheduler rather than a scheduled rule: it takes an IANA time zone (a rule's cron
  // is UTC only). The period is fixed from the scheduled time, not from when the run gets to it.
  const schedule = new scheduler.Schedule(scope, 'MonthlySchedule', {
    description: 'connectwise-usage-publisher: publish the previous month for every enabled account',
    schedule: scheduler.ScheduleExpression.expression(config.schedule, TimeZone.of(config.scheduleTimezone)),
    enabled: config.scheduleEnabled,
    timeWindow: scheduler.TimeWindow.off(),
    target: new InvokeFunctionOnly(fn, {
      input: scheduler.ScheduleTargetInput.fromObject({
        task: SCHEDULED_START_TASK,
        scheduledTime: scheduler.ContextAttribute.scheduledTime,
      }),
      deadLetterQueue: options.deadLetterQueue,
      retryAttempts: 10,
      maxEventAge: Duration.hours(6),
    }),
  });

  // Republish Requested: the event itself is the execution's input; the Plan task hands it to
  // the function, which validates it like any other input.
  const republishRule = new events.Rule(scope, 'RepublishRule', {
    description: `${DETAIL_TYPES.republish} events start the publish state machine`,
    eventBus: options.bus,
    eventPattern: { source: [REPUBLISH_SOURCE], detailType: [DETAIL_TYPES.republish] },
    targets: [
      new targets.SfnStateMachine(stateMachine, {
        deadLetterQueue: options.deadLetterQueue,
        retryAttempts: 4,
        maxEventAge: Duration.hours(6),
      }),
    ],
  });

  return { stateMachine, logGroup, schedule, republishRule };
}

/** The state machine (publish-workflow.ts) with its log group, tracing and the nag acknowledgements. */
function createStateMachine(
  scope: Construct,
  config: PublisherConfig,
  name: string,
  options: { fn: lambda.Function; bus: events.IEventBus },
): { stateMachine: sfn.StateMachine; logGroup: logs.LogGroup } {
  const { fn } = options;
  // The /aws/vendedlogs/ prefix keeps Step Functions' log delivery from growing the account's
  // CloudWatch Logs resource policy. The name is fixed, so the group goes with the stack: kept,
  // it would block re-creating a stack of the same name; the execution history (90 days in Step
  // Functions) and the function's own logs (retained) keep the record.
  const logGroup = new logs.LogGroup(scope, 'StateMachineLogGroup', {
    logGroupName: `/aws/vendedlogs/states/${name}`,
    retention: config.logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });

  const stateMachine = new sfn.StateMachine(scope, 'StateMachine', {
    stateMachineName: name,
    stateMachineType: sfn.StateMachineType.STANDARD,
    comment:
      'connectwise-usage-publisher: plan the run, then publish each account in its own Lambda invocations, in parallel',
    definitionBody: sfn.DefinitionBody.fromChainable(
      publishWorkflow(scope, {
        fn,
        functionTimeout: config.timeout,
        bus: options.bus,
        maxParallelAccounts: config.maxParallelAccounts,
      }),
    ),
    // 40 invocations of 15 minutes for the slowest account, plus waiting for a Map slot.
    timeout: Duration.hours(24),
    tracingEnabled: true,
    // Execution data is account ids, periods, counts and error names: no secrets.
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
  });
  const functionLogicalId = Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement);
  acknowledgeOnPolicy(
    stateMachine.role as iam.Role,
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Log delivery (logs:CreateLogDelivery and the other vended-log actions) and X-Ray ' +
        '(xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) ' +
        'support no resource-level permissions, so Step Functions logging and tracing need *.',
    },
    {
      id: `AwsSolutions-IAM5[Resource::<${functionLogicalId}.Arn>:*]`,
      reason:
        "CDK's LambdaInvoke task grants the publish function and its qualified ARNs (versions, aliases): " +
        "the same function's code, nothing else; the state machine invokes the unqualified function.",
    },
  );

  return { stateMachine, logGroup };
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
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.target.functionArn] }),
    );
  }
}
