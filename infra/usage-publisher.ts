import { Annotations, ArnFormat, Duration, RemovalPolicy, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ScheduleTargetBaseProps } from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LOCK_FILE, PROJECT_ROOT, PUBLISH_BUNDLING, PUBLISH_ENTRY } from './bundling.js';
import { checkMonthlySchedule } from './schedule.js';

/** pino's levels (LOG_LEVEL). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The monthly schedule when none is configured: the 1st at 06:00. */
export const DEFAULT_SCHEDULE = 'cron(0 6 1 * ? *)';
export const DEFAULT_SCHEDULE_TIMEZONE = 'UTC';

/** Source and detail types of the events on the bus (DESIGN.md, "Run summary and events"). */
export const EVENT_SOURCE = 'connectwise-usage-publisher';
export const REPUBLISH_DETAIL_TYPE = 'Republish Requested';
export const FAILED_DETAIL_TYPE = 'Usage Publish Failed';

/**
 * The DynamoDB actions the function uses on each table, and nothing else:
 * - Accounts: `get` (GetItem) for one account, `list` (Scan) for "every enabled account";
 * - Mappings: `listByAccount` (Query on the partition key);
 * - Usage: `listByPeriod` (Query on the partition key, `usageKey` begins with the period);
 * - Ledger: `list` (Query) and `record` (UpdateItem today; GetItem, PutItem and BatchWriteItem are
 *   granted too because the Ledger's shape is the function's own and may change; no Scan, no DeleteItem).
 */
export const TABLE_ACTIONS = {
  accounts: ['dynamodb:GetItem', 'dynamodb:Scan'],
  mappings: ['dynamodb:Query'],
  usage: ['dynamodb:Query'],
  ledger: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
} as const;

/** The Ledger's TTL attribute: numeric epoch seconds. */
export const LEDGER_TTL_ATTRIBUTE = 'expiresAt';

export interface UsagePublisherProps {
  /**
   * Name prefix of the Secrets Manager secrets holding ConnectWise credentials. The function
   * may read (`secretsmanager:GetSecretValue`) only secrets whose name starts with it, so every
   * Accounts item's `secretId` must name such a secret. End it with `/` so it is a namespace:
   * `cwpub` would also match `cwpub-database-password`.
   */
  readonly secretNamePrefix: string;

  /**
   * ARN of the customer managed KMS key that encrypts those secrets, if not the AWS managed key
   * `aws/secretsmanager`. The function then gets `kms:Decrypt` on this key, only via Secrets Manager.
   *
   * @default - the secrets use `aws/secretsmanager`, which needs no grant
   */
  readonly secretsKmsKeyArn?: string;

  /**
   * When the monthly publish runs: an EventBridge Scheduler cron expression, evaluated in
   * `scheduleTimezone`. Each run publishes the calendar month before the run's UTC date.
   *
   * @default 'cron(0 6 1 * ? *)' (the 1st of each month at 06:00)
   */
  readonly schedule?: string;

  /**
   * IANA time zone of `schedule`.
   *
   * @default 'UTC'
   */
  readonly scheduleTimezone?: string;

  /**
   * Whether the monthly schedule is enabled (disable it to publish only on demand).
   *
   * @default true
   */
  readonly scheduleEnabled?: boolean;

  /**
   * Email address subscribed to the alarm topic. The address must confirm the subscription.
   *
   * @default - no subscription; subscribe to the topic (stack output `AlarmTopicArn`) yourself
   */
  readonly alarmEmail?: string;

  /**
   * The function's LOG_LEVEL (pino).
   *
   * @default 'info'
   */
  readonly logLevel?: LogLevel;

  /**
   * How long the function's logs are kept.
   *
   * @default logs.RetentionDays.THIRTEEN_MONTHS - a monthly job: keeps the same month of last
   * year for comparison, and the volume (one run a month) costs next to nothing
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Memory of the function, in MB.
   *
   * @default 512 - the run is I/O-bound (DynamoDB, ConnectWise) and needs far less memory, but
   * Lambda allots CPU in proportion to memory, and loading the bundle at cold start and parsing
   * ConnectWise's 1000-item pages are CPU work that takes half as long as at 256 MB, for a job
   * that runs a few minutes a month
   */
  readonly memorySize?: number;

  /**
   * Timeout of the function.
   *
   * @default Duration.minutes(15) - one invocation publishes every enabled account, and
   * ConnectWise rate limits are honoured by waiting (Retry-After, jittered backoff); a run cut
   * short leaves accounts half published until the retry, so the run gets Lambda's maximum.
   * Billing is for the time used, not the timeout; the duration alarm warns well before it
   */
  readonly timeout?: Duration;

  /**
   * Whether at most one publish runs at a time (reserved concurrency 1). Two overlapping runs
   * for the same account could each create the Backup Stats configuration they did not find;
   * with this on, an overlapping asynchronous request waits in Lambda's queue and is retried,
   * and a synchronous `aws lambda invoke` gets a throttling error. Turn it off only in an
   * account whose concurrency quota cannot spare a reservation (new accounts with a quota of 10).
   *
   * @default true
   */
  readonly serializeRuns?: boolean;
}

/** The publisher's resources: tables, function, triggers, failure handling and alarms. */
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
  public readonly alarmTopic: sns.Topic;
  public readonly alarmTopicKey: kms.Key;
  public readonly errorsAlarm: cloudwatch.Alarm;
  public readonly throttlesAlarm: cloudwatch.Alarm;
  public readonly deadLetterQueueAlarm: cloudwatch.Alarm;
  public readonly durationAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: UsagePublisherProps) {
    super(scope, id);
    const config = validateProps(props);
    const stack = Stack.of(this);

    // ---- Data ---------------------------------------------------------------------------
    const table = (name: string, partitionKey: string, sortKey: string | undefined, keep: boolean): dynamodb.Table =>
      new dynamodb.Table(this, name, {
        partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
        ...(sortKey ? { sortKey: { name: sortKey, type: dynamodb.AttributeType.STRING } } : {}),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        // KMS with the AWS managed key (aws/dynamodb): key use is visible in CloudTrail, and
        // the function needs no KMS grant (the key policy allows use through DynamoDB).
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        removalPolicy: keep ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        deletionProtection: keep,
        ...(keep ? {} : { timeToLiveAttribute: LEDGER_TTL_ATTRIBUTE }),
      });
    // Accounts, Mappings and Usage are the operator's data: kept when the stack is deleted and
    // protected against deletion. The Ledger is the function's own record of what it published,
    // expiring by TTL; ConnectWise itself holds the published values (`cwpub verify`), so it is
    // deleted with the stack rather than orphaned.
    this.accountsTable = table('AccountsTable', 'accountId', undefined, true);
    this.mappingsTable = table('MappingsTable', 'accountId', 'clientId', true);
    this.usageTable = table('UsageTable', 'accountId', 'usageKey', true);
    this.ledgerTable = table('LedgerTable', 'runKey', 'clientId', false);

    // ---- Failure handling -----------------------------------------------------------------
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself the dead-letter queue: failed asynchronous invocations, undeliverable rule targets, schedule invocations and alarm emails end here.',
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason:
          'This queue is itself the dead-letter queue and has no consumer that could fail; a redrive queue behind it would only hold the same messages.',
      },
    );

    this.alarmTopicKey = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the connectwise-usage-publisher alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch alarms publish to the encrypted topic as a service principal, which the key
    // policy of the AWS managed key aws/sns cannot allow: the topic has its own key.
    this.alarmTopicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'connectwise-usage-publisher alarms',
      masterKey: this.alarmTopicKey,
      enforceSSL: true,
    });
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
    if (config.alarmEmail) {
      this.alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail, { deadLetterQueue: this.deadLetterQueue }));
    }

    // ---- The function ---------------------------------------------------------------------
    this.eventBus = new events.EventBus(this, 'EventBus', {
      description: 'connectwise-usage-publisher: Republish Requested in; Usage Published / Usage Publish Failed out',
    });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: config.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // An explicit role instead of AWSLambdaBasicExecutionRole: that managed policy allows
    // writing to every log group in the account; this one, only to the function's own.
    const role = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'connectwise-usage-publisher publish function',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.publishFunction = new NodejsFunction(this, 'PublishFunction', {
      description: 'Publishes monthly backup usage to ConnectWise (schedule, Republish Requested, direct invoke)',
      entry: PUBLISH_ENTRY,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: LOCK_FILE,
      bundling: PUBLISH_BUNDLING,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: config.memorySize,
      timeout: config.timeout,
      role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      ...(config.serializeRuns ? { reservedConcurrentExecutions: 1 } : {}),
      environment: {
        ACCOUNTS_TABLE: this.accountsTable.tableName,
        MAPPINGS_TABLE: this.mappingsTable.tableName,
        USAGE_TABLE: this.usageTable.tableName,
        LEDGER_TABLE: this.ledgerTable.tableName,
        EVENT_BUS_NAME: this.eventBus.eventBusName,
        LOG_LEVEL: config.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
      // Asynchronous invocations (schedule, Republish Requested, `--invocation-type Event`):
      // a publish is idempotent, so Lambda's two retries are safe; what still fails goes to the
      // dead-letter queue as an on-failure destination record, which carries the request
      // payload and the error (a classic DeadLetterConfig carries only the payload).
      onFailure: new SqsDestination(this.deadLetterQueue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
    Validations.of(this.publishFunction).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Asynchronous failures go to the dead-letter queue through an on-failure destination (EventInvokeConfig), which records the error as well as the payload; a DeadLetterConfig as well would deliver every failure twice.',
    });
    for (const id of ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion']) {
      Validations.of(this.publishFunction).acknowledge({
        id,
        reason:
          'Node.js 22 is the runtime this project targets and tests (it is supported by Lambda into 2027); moving to a newer runtime is a deliberate, tested change, not a side effect of upgrading aws-cdk-lib.',
      });
    }

    // ---- Least privilege ------------------------------------------------------------------
    this.accountsTable.grant(this.publishFunction, ...TABLE_ACTIONS.accounts);
    this.mappingsTable.grant(this.publishFunction, ...TABLE_ACTIONS.mappings);
    this.usageTable.grant(this.publishFunction, ...TABLE_ACTIONS.usage);
    this.ledgerTable.grant(this.publishFunction, ...TABLE_ACTIONS.ledger);
    this.eventBus.grantPutEventsTo(this.publishFunction);
    const secretsArn = stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      // Secrets Manager appends "-" and six random characters to every secret's ARN.
      resourceName: `${config.secretNamePrefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadConnectWiseSecrets',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretsArn],
      }),
    );
    if (config.secretsKmsKeyArn) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptConnectWiseSecrets',
          actions: ['kms:Decrypt'],
          resources: [config.secretsKmsKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
        }),
      );
    }
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      Validations.of(policy).acknowledge(
        {
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${config.secretNamePrefix}*]`,
          reason:
            'Only secrets under the operator-configured name prefix; the trailing * is required because Secrets Manager appends a random suffix to every secret ARN.',
        },
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions, so their resource must be *.',
        },
      );
    }

    // ---- Triggers -------------------------------------------------------------------------
    // EventBridge Scheduler rather than a scheduled rule: it takes an IANA time zone (a rule's
    // cron is UTC only). It invokes the function asynchronously with a fixed payload; `{}` is
    // the contract's direct invocation with every field absent: every enabled account, the
    // month before the run.
    this.schedule = new scheduler.Schedule(this, 'MonthlySchedule', {
      description: 'connectwise-usage-publisher: publish the previous month for every enabled account',
      schedule: scheduler.ScheduleExpression.expression(config.schedule, TimeZone.of(config.scheduleTimezone)),
      enabled: config.scheduleEnabled,
      timeWindow: scheduler.TimeWindow.off(),
      target: new InvokeFunctionOnly(this.publishFunction, {
        input: scheduler.ScheduleTargetInput.fromObject({}),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 10,
        maxEventAge: Duration.hours(6),
      }),
    });

    this.republishRule = new events.Rule(this, 'RepublishRule', {
      description: 'Republish Requested events invoke the publish function',
      eventBus: this.eventBus,
      eventPattern: { detailType: [REPUBLISH_DETAIL_TYPE] },
      targets: [
        new targets.LambdaFunction(this.publishFunction, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 4,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });

    // ---- Alarms ---------------------------------------------------------------------------
    // A failed publish is a discrete event carrying what failed, so the rule sends the event
    // itself (account, period, counts, the failed clients and their reasons) to the topic; an
    // alarm on the rule's metric would say only "something failed" and flip back to OK minutes
    // later. If the notification cannot be delivered it lands in the dead-letter queue, which
    // has its own alarm.
    this.publishFailedRule = new events.Rule(this, 'PublishFailedRule', {
      description: 'Usage Publish Failed events notify the alarm topic',
      eventBus: this.eventBus,
      eventPattern: { source: [EVENT_SOURCE], detailType: [FAILED_DETAIL_TYPE] },
      targets: [
        new targets.SnsTopic(this.alarmTopic, {
          deadLetterQueue: this.deadLetterQueue,
          // A role of this rule's own publishes, rather than a topic policy open to the whole
          // EventBridge service principal.
          authorizeUsingRole: true,
          message: events.RuleTargetInput.fromObject({
            notification: `connectwise-usage-publisher: ${FAILED_DETAIL_TYPE}`,
            accountId: events.EventField.fromPath('$.detail.accountId'),
            period: events.EventField.fromPath('$.detail.period'),
            runId: events.EventField.fromPath('$.detail.runId'),
            failed: events.EventField.fromPath('$.detail.failed'),
            published: events.EventField.fromPath('$.detail.published'),
            unchanged: events.EventField.fromPath('$.detail.unchanged'),
            skipped: events.EventField.fromPath('$.detail.skipped'),
            sync: events.EventField.fromPath('$.detail.sync'),
            results: events.EventField.fromPath('$.detail.results'),
            whatToDo: 'See "Usage Publish Failed" in the operating guide (docs/operating.md).',
          }),
        }),
      ],
    });

    Validations.of(this.publishFailedRule).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        "The rule's role publishes to the encrypted alarm topic, which needs kms:GenerateDataKey* (as granted by Topic.grantPublish) on the topic's own key only.",
    });

    const alarmAction = new SnsAction(this.alarmTopic);
    const alarm = (id: string, metric: cloudwatch.IMetric, description: string, threshold = 1): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // The function runs once a month: no data is the normal state, not a problem.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(alarmAction);
      return created;
    };
    const fiveMinutes = Duration.minutes(5);
    this.errorsAlarm = alarm(
      'ErrorsAlarm',
      this.publishFunction.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      'The publish function threw: invalid input or a run that could not proceed (table, secret or network). See the operating guide.',
    );
    this.throttlesAlarm = alarm(
      'ThrottlesAlarm',
      this.publishFunction.metricThrottles({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
      'A publish was throttled: another run was in progress or the account is out of concurrency. See the operating guide.',
    );
    this.deadLetterQueueAlarm = alarm(
      'DeadLetterQueueAlarm',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }),
      'Something could not be delivered or failed after its retries: a publish request, a schedule invocation or a notification. See the operating guide.',
    );
    this.durationAlarm = alarm(
      'DurationAlarm',
      this.publishFunction.metricDuration({ period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }),
      'A publish took more than 80% of the function timeout; it will soon time out. See the operating guide.',
      Math.floor(config.timeout.toMilliseconds() * 0.8),
    );

    if (!config.secretNamePrefix.endsWith('/')) {
      Annotations.of(this).addWarningV2(
        'connectwise-usage-publisher:secretNamePrefix',
        `secretNamePrefix "${config.secretNamePrefix}" does not end with "/": the function may read every secret whose name starts with it`,
      );
    }
  }
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

interface Config {
  readonly secretNamePrefix: string;
  readonly secretsKmsKeyArn: string | undefined;
  readonly schedule: string;
  readonly scheduleTimezone: string;
  readonly scheduleEnabled: boolean;
  readonly alarmEmail: string | undefined;
  readonly logLevel: LogLevel;
  readonly logRetention: logs.RetentionDays;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly serializeRuns: boolean;
}

const SECRET_NAME_PREFIX = /^[A-Za-z0-9/_+=.@-]{1,256}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** Validates the props first, with messages that name the prop, and fills in the defaults. */
function validateProps(props: UsagePublisherProps): Config {
  if (!SECRET_NAME_PREFIX.test(props.secretNamePrefix)) {
    throw new Error(
      `secretNamePrefix must be 1-256 characters from A-Z a-z 0-9 / _ + = . @ - (no wildcards) (got "${props.secretNamePrefix}")`,
    );
  }
  if (props.secretsKmsKeyArn !== undefined && !KMS_KEY_ARN.test(props.secretsKmsKeyArn)) {
    throw new Error(`secretsKmsKeyArn must be a KMS key ARN, arn:aws:kms:<region>:<account>:key/<id> (got "${props.secretsKmsKeyArn}")`);
  }
  const schedule = props.schedule ?? DEFAULT_SCHEDULE;
  const scheduleTimezone = props.scheduleTimezone ?? DEFAULT_SCHEDULE_TIMEZONE;
  checkMonthlySchedule(schedule, scheduleTimezone);
  if (props.alarmEmail !== undefined && !EMAIL.test(props.alarmEmail)) {
    throw new Error(`alarmEmail must be an email address (got "${props.alarmEmail}")`);
  }
  const logLevel = props.logLevel ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new Error(`logLevel must be one of ${LOG_LEVELS.join(', ')} (got "${String(logLevel)}")`);
  }
  const logRetention = props.logRetention ?? logs.RetentionDays.THIRTEEN_MONTHS;
  if (!Object.values(logs.RetentionDays).includes(logRetention)) {
    throw new Error(`logRetention must be one of CloudWatch Logs' retention periods in days (got ${String(logRetention)})`);
  }
  const memorySize = props.memorySize ?? 512;
  if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10240) {
    throw new Error(`memorySize must be a whole number of MB from 128 to 10240 (got ${memorySize})`);
  }
  const timeout = props.timeout ?? Duration.minutes(15);
  const timeoutSeconds = timeout.toSeconds();
  if (timeoutSeconds < 30 || timeoutSeconds > 900) {
    throw new Error(`timeout must be from 30 seconds to 15 minutes (got ${timeoutSeconds} seconds)`);
  }
  return {
    secretNamePrefix: props.secretNamePrefix,
    secretsKmsKeyArn: props.secretsKmsKeyArn,
    schedule,
    scheduleTimezone,
    scheduleEnabled: props.scheduleEnabled ?? true,
    alarmEmail: props.alarmEmail,
    logLevel,
    logRetention,
    memorySize,
    timeout,
    serializeRuns: props.serializeRuns ?? true,
  };
}
