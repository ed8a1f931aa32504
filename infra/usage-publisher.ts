import { Annotations, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { createAlarms, notifyPublishFailures } from './alarms.js';
import { createEventBus } from './event-bus.js';
import { createFanOut, stateMachineName } from './fan-out.js';
import { createAlarmTopic, createDeadLetterQueue } from './notifications.js';
import { bindConnectWiseSecrets, bindEventBus, createPublishFunction } from './publish-function.js';
import { validateProps } from './publisher-config.js';
import type { UsagePublisherProps } from './publisher-config.js';
import { bindTables, createTables } from './tables.js';

export type { LogLevel } from '../lib/contract.js';
export { DEFAULT_MAX_PARALLEL_ACCOUNTS, DEFAULT_SCHEDULE, DEFAULT_SCHEDULE_TIMEZONE } from './publisher-config.js';
export type { UsagePublisherProps } from './publisher-config.js';
export { TABLE_ACTIONS } from './tables.js';

/**
 * The publisher's resources: tables, function, the fan-out state machine and its triggers,
 * failure handling and alarms. Each
 * helper creates its resources and gives the function what it needs of them (grant and
 * environment variable together), so this constructor is the list of parts.
 */
export class UsagePublisher extends Construct {
  public readonly accountsTable: dynamodb.Table;
  public readonly mappingsTable: dynamodb.Table;
  public readonly usageTable: dynamodb.Table;
  public readonly ledgerTable: dynamodb.Table;
  public readonly publishFunction: NodejsFunction;
  public readonly logGroup: logs.LogGroup;
  /** Where asynchronous invocations, rule targets and the schedule put what they could not deliver. */
  public readonly deadLetterQueue: sqs.Queue;
  public readonly eventBus: events.EventBus;
  public readonly republishRule: events.Rule;
  public readonly publishFailedRule: events.Rule;
  public readonly schedule: scheduler.Schedule;
  /** Publishes a run's accounts in parallel, each in its own Lambda invocations (publish-workflow.ts). */
  public readonly stateMachine: sfn.StateMachine;
  public readonly stateMachineLogGroup: logs.LogGroup;
  public readonly alarmTopic: sns.Topic;
  public readonly alarmTopicKey: kms.Key;
  public readonly errorsAlarm: cloudwatch.Alarm;
  public readonly throttlesAlarm: cloudwatch.Alarm;
  public readonly deadLetterQueueAlarm: cloudwatch.Alarm;
  public readonly durationAlarm: cloudwatch.Alarm;
  public readonly failedExecutionsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: UsagePublisherProps) {
    super(scope, id);
    const config = validateProps(props);
    stateMachineName(Stack.of(this)); // fails now, before any bundling, if the stack's name cannot name it

    const tables = createTables(this);
    ({
      accounts: this.accountsTable,
      mappings: this.mappingsTable,
      usage: this.usageTable,
      ledger: this.ledgerTable,
    } = tables);
    this.deadLetterQueue = createDeadLetterQueue(this);
    ({ topic: this.alarmTopic, key: this.alarmTopicKey } = createAlarmTopic(this, {
      email: config.alarmEmail,
      deadLetterQueue: this.deadLetterQueue,
    }));
    this.eventBus = createEventBus(this);

    const { fn, role, logGroup } = createPublishFunction(this, config, this.deadLetterQueue);
    this.publishFunction = fn;
    this.logGroup = logGroup;
    bindTables(fn, tables);
    bindEventBus(fn, this.eventBus);
    bindConnectWiseSecrets(role, config);

    const fanOut = createFanOut(this, config, { fn, bus: this.eventBus, deadLetterQueue: this.deadLetterQueue });
    ({
      stateMachine: this.stateMachine,
      logGroup: this.stateMachineLogGroup,
      schedule: this.schedule,
      republishRule: this.republishRule,
    } = fanOut);

    this.publishFailedRule = notifyPublishFailures(this, {
      bus: this.eventBus,
      topic: this.alarmTopic,
      deadLetterQueue: this.deadLetterQueue,
    });
    const alarms = createAlarms(this, {
      fn,
      timeout: config.timeout,
      deadLetterQueue: this.deadLetterQueue,
      stateMachine: this.stateMachine,
      topic: this.alarmTopic,
    });
    this.errorsAlarm = alarms.errors;
    this.throttlesAlarm = alarms.throttles;
    this.deadLetterQueueAlarm = alarms.deadLetterQueue;
    this.durationAlarm = alarms.duration;
    this.failedExecutionsAlarm = alarms.failedExecutions;

    if (!config.secretNamePrefix.endsWith('/')) {
      Annotations.of(this).addWarningV2(
        'connectwise-usage-publisher:secretNamePrefix',
        `secretNamePrefix "${config.secretNamePrefix}" does not end with "/": the function may read every secret whose name starts with it`,
      );
    }
    if (config.serializeRunsGiven) {
      Annotations.of(this).addWarningV2(
        'connectwise-usage-publisher:serializeRuns',
        'serializeRuns is no longer used and is ignored: each account has its own run lock, ' +
          'and accounts are published in parallel (maxParallelAccounts). Remove it from cdk.json or -c.',
      );
    }
  }
}
