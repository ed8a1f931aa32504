import { Annotations, Capture, Match } from 'aws-cdk-lib/assertions';
import type { Template } from 'aws-cdk-lib/assertions';
import { MAX_INVOCATIONS_PER_ACCOUNT, WORKFLOW_STATES as S } from '../../infra/publish-workflow.js';
import { TABLE_ACTIONS } from '../../infra/usage-publisher.js';
import type { PublisherStack } from '../../infra/publisher-stack.js';
import {
  actionsOf,
  capturingConsoleError,
  logicalIdOf,
  policyStatements,
  resourcesOf,
  stateMachineDefinition,
  synthesize,
} from './helpers.js';

const TABLE = 'AWS::DynamoDB::Table';
const KEYS = {
  accounts: [{ AttributeName: 'accountId', KeyType: 'HASH' }],
  mappings: [
    { AttributeName: 'accountId', KeyType: 'HASH' },
    { AttributeName: 'clientId', KeyType: 'RANGE' },
  ],
  usage: [
    { AttributeName: 'accountId', KeyType: 'HASH' },
    { AttributeName: 'usageKey', KeyType: 'RANGE' },
  ],
  ledger: [
    { AttributeName: 'runKey', KeyType: 'HASH' },
    { AttributeName: 'clientId', KeyType: 'RANGE' },
  ],
} as const;
type TableName = keyof typeof KEYS;
const TABLE_NAMES = Object.keys(KEYS) as TableName[];

const getAtt = (logicalId: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [logicalId, attribute] });

/** Every setting given, as an operator would with -c: one synthesis for all the "from context" checks. */
const CUSTOM_CONTEXT = {
  memorySize: '1024',
  timeoutSeconds: '300',
  logLevel: 'debug',
  logRetentionDays: '30',
  schedule: 'cron(30 7 2 * ? *)',
  scheduleTimezone: 'America/New_York',
  scheduleEnabled: 'false',
  alarmEmail: 'ops@example.com',
  secretNamePrefix: 'msp/cwpub/',
  secretsKmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  maxParallelAccounts: '3',
  stackName: 'CwpubStaging',
  serializeRuns: 'true',
};

describe('Stack: PublisherStack', () => {
  let template: Template;
  let defaultStack: PublisherStack;
  let custom: Template;
  let customPrinted: string[];
  let ids: Record<TableName | 'function' | 'queue' | 'bus' | 'topic' | 'logGroup' | 'stateMachine', string>;

  beforeAll(() => {
    // Prepare: the app as cdk.json configures it, and with every setting given.
    ({ template, stack: defaultStack } = synthesize());
    // The deprecated serializeRuns makes CDK print a warning as it synthesizes: captured, and checked below.
    [{ template: custom }, customPrinted] = capturingConsoleError(() => synthesize(CUSTOM_CONTEXT));
    ids = {
      accounts: logicalIdOf(template, TABLE, { KeySchema: KEYS.accounts }),
      mappings: logicalIdOf(template, TABLE, { KeySchema: KEYS.mappings }),
      usage: logicalIdOf(template, TABLE, { KeySchema: KEYS.usage }),
      ledger: logicalIdOf(template, TABLE, { KeySchema: KEYS.ledger }),
      function: logicalIdOf(template, 'AWS::Lambda::Function'),
      queue: logicalIdOf(template, 'AWS::SQS::Queue'),
      bus: logicalIdOf(template, 'AWS::Events::EventBus'),
      topic: logicalIdOf(template, 'AWS::SNS::Topic'),
      logGroup: logicalIdOf(template, 'AWS::Logs::LogGroup', { LogGroupName: Match.absent() }),
      stateMachine: logicalIdOf(template, 'AWS::StepFunctions::StateMachine'),
    };
  });

  describe('Data: the four tables', () => {
    it('creates exactly the contract tables, keys typed as strings', () => {
      template.resourceCountIs(TABLE, 4);
      for (const name of TABLE_NAMES) {
        const attributes = KEYS[name].map((key) => ({ AttributeName: key.AttributeName, AttributeType: 'S' }));
        template.hasResourceProperties(TABLE, {
          KeySchema: KEYS[name],
          AttributeDefinitions: Match.arrayWith(attributes),
        });
      }
    });

    it('bills every table on demand, with point-in-time recovery and KMS encryption', () => {
      template.allResourcesProperties(TABLE, {
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        // SSEEnabled: KMS with the AWS managed key aws/dynamodb (not the default AWS owned key).
        SSESpecification: { SSEEnabled: true, SSEType: Match.absent(), KMSMasterKeyId: Match.absent() },
      });
    });

    it('retains every table when the stack is deleted, and protects them from deletion', () => {
      for (const name of TABLE_NAMES) {
        template.hasResource(TABLE, {
          Properties: Match.objectLike({ KeySchema: KEYS[name], DeletionProtectionEnabled: true }),
          DeletionPolicy: 'Retain',
          UpdateReplacePolicy: 'Retain',
        });
      }
    });

    it('expires Ledger rows on the numeric expiresAt attribute and keeps the Ledger with the stack', () => {
      template.hasResource(TABLE, {
        Properties: Match.objectLike({
          KeySchema: KEYS.ledger,
          TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        }),
        DeletionPolicy: 'Retain',
      });
      // Only the Ledger expires rows.
      expect(
        Object.keys(template.findResources(TABLE, { Properties: { TimeToLiveSpecification: Match.anyValue() } })),
      ).toEqual([ids.ledger]);
    });
  });

  describe('Function: publish', () => {
    it('runs Node.js 22 on arm64 with the chosen memory and timeout and X-Ray tracing, with no concurrency reservation (accounts run in parallel)', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 512,
        Timeout: 900,
        TracingConfig: { Mode: 'Active' },
        ReservedConcurrentExecutions: Match.absent(),
      });
    });

    it("sets the contract's environment variables to this stack's tables and bus, the state machine's ARN, and enables source maps", () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: {
            ACCOUNTS_TABLE: { Ref: ids.accounts },
            MAPPINGS_TABLE: { Ref: ids.mappings },
            USAGE_TABLE: { Ref: ids.usage },
            LEDGER_TABLE: { Ref: ids.ledger },
            EVENT_BUS_NAME: { Ref: ids.bus },
            LOG_LEVEL: 'info',
            NODE_OPTIONS: '--enable-source-maps',
            STATE_MACHINE_ARN: Match.anyValue(),
          },
        },
      });
    });

    it('logs to its own log group, kept 400 days', () => {
      template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: ids.logGroup } } });
      template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.absent(), RetentionInDays: 400 });
    });

    it('takes memory, timeout, log level and log retention from context', () => {
      custom.hasResourceProperties('AWS::Lambda::Function', {
        MemorySize: 1024,
        Timeout: 300,
        Environment: { Variables: Match.objectLike({ LOG_LEVEL: 'debug' }) },
      });
      custom.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.absent(), RetentionInDays: 30 });
      custom.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Duration', Threshold: 285_000 });
    });

    it('ignores the deprecated serializeRuns, with a synth-time warning saying to remove it', () => {
      custom.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: Match.absent() });
      expect(customPrinted.join('\n')).toMatch(
        /serializeRuns is no longer used and is ignored: .* Remove it from cdk\.json or -c\./,
      );
      Annotations.fromStack(defaultStack).hasNoWarning('*', Match.stringLikeRegexp('serializeRuns'));
    });
  });

  describe('Triggers', () => {
    it('runs a monthly EventBridge Scheduler schedule, the 1st at 06:00 UTC by default, that has the function start the run with the scheduled time', () => {
      template.resourceCountIs('AWS::Scheduler::Schedule', 1);
      const input = new Capture();
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 6 1 * ? *)',
        ScheduleExpressionTimezone: 'UTC',
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: getAtt(ids.function),
          Input: input,
          DeadLetterConfig: { Arn: getAtt(ids.queue) },
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 21600 },
          RoleArn: Match.anyValue(),
        },
      });
      // Scheduler substitutes its context attribute with the invocation's scheduled time (ISO 8601, UTC).
      expect(JSON.parse(input.asString())).toEqual({
        task: 'startScheduled',
        scheduledTime: '<aws.scheduler.scheduled-time>',
      });
    });

    it('takes the schedule, its time zone and its state from context', () => {
      custom.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(30 7 2 * ? *)',
        ScheduleExpressionTimezone: 'America/New_York',
        State: 'DISABLED',
      });
    });

    it("lets the schedule's role invoke the function only (not its versions or aliases) and write to the dead-letter queue", () => {
      const role = new Capture();
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        Target: Match.objectLike({ RoleArn: { 'Fn::GetAtt': [role, 'Arn'] } }),
      });
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Principal: { Service: 'scheduler.amazonaws.com' },
              Condition: { StringEquals: Match.objectLike({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }) },
            }),
          ],
        },
      });
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: role.asString() }],
        PolicyDocument: {
          Statement: [
            { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: getAtt(ids.function) },
            { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: getAtt(ids.queue) },
          ],
        },
      });
    });

    it('creates a custom event bus whose Republish Requested rule starts the state machine with the event, failures to the dead-letter queue', () => {
      template.resourceCountIs('AWS::Events::EventBus', 1);
      const role = new Capture();
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: ids.bus },
        EventPattern: { source: ['connectwise-usage-publisher.ops'], 'detail-type': ['Republish Requested'] },
        State: 'ENABLED',
        Targets: [
          {
            Id: Match.anyValue(),
            // No Input/InputPath/InputTransformer: the execution's input is the event itself.
            Arn: { Ref: ids.stateMachine },
            RoleArn: { 'Fn::GetAtt': [role, 'Arn'] },
            DeadLetterConfig: { Arn: getAtt(ids.queue) },
            RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 21600 },
          },
        ],
      });
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: role.asString() }],
        PolicyDocument: {
          Statement: [{ Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: ids.stateMachine } }],
        },
      });
    });

    it('gives no service a resource-based permission to invoke the function (the schedule and the state machine use roles)', () => {
      template.resourceCountIs('AWS::Lambda::Permission', 0);
    });
  });

  describe('Fan-out: the publish state machine', () => {
    let definition: Record<string, unknown>;
    type State = Record<string, unknown>;
    const state = (name: string): State => {
      const top = (definition.States as Record<string, State>)[name];
      if (top) return top;
      const map = (definition.States as Record<string, State>)[S.publishAccounts] as {
        ItemProcessor: { States: Record<string, State> };
      };
      const inner = map.ItemProcessor.States[name];
      if (!inner) throw new Error(`no state ${name}`);
      return inner;
    };

    beforeAll(() => {
      definition = stateMachineDefinition(template);
    });

    it('is a Standard state machine named after the stack, logging everything and traced with X-Ray', () => {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: 'ConnectwiseUsagePublisher-publish',
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: {
          Level: 'ALL',
          IncludeExecutionData: true,
          Destinations: [
            {
              CloudWatchLogsLogGroup: {
                LogGroupArn: getAtt(logicalIdOf(template, 'AWS::Logs::LogGroup', { LogGroupName: Match.anyValue() })),
              },
            },
          ],
        },
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: '/aws/vendedlogs/states/ConnectwiseUsagePublisher-publish',
        RetentionInDays: 400,
      });
      custom.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: 'CwpubStaging-publish' });
    });

    it('plans with the execution input, then maps over the planned accounts at most maxParallelAccounts at once (10 by default)', () => {
      expect(definition.StartAt).toBe(S.plan);
      expect(state(S.plan)).toMatchObject({
        Type: 'Task',
        Resource: `\${${ids.function}.Arn}`,
        Parameters: { task: 'plan', 'input.$': '$' },
        Next: S.publishAccounts,
      });
      expect(state(S.publishAccounts)).toMatchObject({
        Type: 'Map',
        ItemsPath: '$.accounts',
        MaxConcurrency: 10,
        ItemSelector: {
          task: 'publishAccount',
          'runId.$': '$.runId',
          'period.$': '$.period',
          'request.$': '$.request',
          'accountId.$': '$$.Map.Item.Value.accountId',
          invocation: 1,
        },
        ItemProcessor: { StartAt: S.publishAccount },
      });
      expect(JSON.stringify(stateMachineDefinition(custom))).toContain('"MaxConcurrency":3');
    });

    it('invokes the function for the account and loops with its next payload while it is not done, up to the invocation limit', () => {
      expect(state(S.publishAccount)).toMatchObject({
        Type: 'Task',
        Resource: `\${${ids.function}.Arn}`,
        ResultPath: '$.result',
        Next: S.accountProgress,
      });
      expect(state(S.publishAccount).Parameters).toBeUndefined(); // the iteration's state is the payload
      const choices = state(S.accountProgress).Choices as Array<Record<string, unknown>>;
      expect(choices).toEqual([
        {
          And: [
            { Variable: '$.result.done', BooleanEquals: true },
            { Variable: '$.result.error', IsPresent: true },
          ],
          Next: S.accountStopped,
        },
        { Variable: '$.result.done', BooleanEquals: true, Next: S.accountPublished },
        { Variable: '$.result.stalled', IsPresent: true, Next: S.noProgress },
        {
          Variable: '$.invocation',
          NumericGreaterThanEquals: MAX_INVOCATIONS_PER_ACCOUNT,
          Next: S.invocationLimitReached,
        },
        { Variable: '$.result.next', IsPresent: true, Next: S.continueAccount },
      ]);
      expect(state(S.accountProgress).Default).toBe(S.nextPayloadMissing);
      expect(state(S.continueAccount)).toEqual({ Type: 'Pass', InputPath: '$.result.next', Next: S.publishAccount });
      expect(state(S.accountPublished)).toMatchObject({ Type: 'Pass', End: true, Parameters: { status: 'completed' } });
      expect(state(S.invocationLimitReached)).toMatchObject({ ResultPath: '$.failure', Next: S.finishFailedAccount });
      // An account whose invocations stopped making progress fails with the function's reason, before the cap.
      expect(state(S.noProgress)).toMatchObject({
        Parameters: { Error: 'NoProgress', 'Cause.$': '$.result.stalled' },
        ResultPath: '$.failure',
        Next: S.finishFailedAccount,
      });
    });

    it('retries Lambda service errors with jittered backoff, and timeouts twice, on both Lambda tasks', () => {
      for (const name of [S.plan, S.publishAccount]) {
        expect(state(name).Retry).toEqual([
          {
            ErrorEquals: [
              'Lambda.ServiceException',
              'Lambda.AWSLambdaException',
              'Lambda.SdkClientException',
              'Lambda.ClientExecutionTimeoutException',
              'Lambda.TooManyRequestsException',
            ],
            IntervalSeconds: 2,
            MaxAttempts: 8,
            BackoffRate: 2,
            MaxDelaySeconds: 60,
            JitterStrategy: 'FULL',
          },
          {
            ErrorEquals: ['Sandbox.Timedout', 'Lambda.Unknown', 'States.Timeout'],
            IntervalSeconds: 30,
            MaxAttempts: 2,
            BackoffRate: 2,
          },
        ]);
        // Longer than the function's own timeout, so a timed-out invocation has ended before its retry.
        expect(state(name).TimeoutSeconds).toBe(960);
      }
    });

    it('catches any error of an account and lets the function finish it (report, sync, run record, event), the same payload keys as publishAccount', () => {
      expect(state(S.publishAccount).Catch).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: S.finishFailedAccount },
      ]);
      expect(state(S.finishFailedAccount)).toMatchObject({
        Type: 'Task',
        // payloadResponseOnly: the parameters are the function's payload.
        Parameters: {
          task: 'finishAccount',
          'runId.$': '$.runId',
          'period.$': '$.period',
          'request.$': '$.request',
          'accountId.$': '$.accountId',
          'invocation.$': '$.invocation',
          'error.$': '$.failure.Error',
          'cause.$': '$.failure.Cause',
        },
        ResultPath: null,
        Next: S.accountFailed,
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.finishError', Next: S.reportAccountFailure }],
      });
    });

    it('falls back, when the function cannot finish the account, to a bare Usage Publish Failed on the bus, and ends that account', () => {
      expect(state(S.reportAccountFailure)).toMatchObject({
        Type: 'Task',
        Resource: 'arn:${AWS::Partition}:states:::events:putEvents',
        Parameters: {
          Entries: [
            {
              Source: 'connectwise-usage-publisher',
              DetailType: 'Usage Publish Failed',
              EventBusName: `\${${ids.bus}.Arn}`,
              Detail: {
                'runId.$': '$.runId',
                'accountId.$': '$.accountId',
                'period.$': '$.period',
                'error.$': '$.failure.Error',
                'cause.$': '$.failure.Cause',
              },
            },
          ],
        },
        ResultPath: null,
        Next: S.accountFailed,
      });
      expect(state(S.accountFailed)).toMatchObject({
        Type: 'Pass',
        End: true,
        Parameters: { status: 'failed', 'error.$': '$.failure.Error' },
      });
    });

    it('fails the execution at the end, naming the accounts, when any account failed; otherwise succeeds with the run summary', () => {
      expect(state(S.summarize).Next).toBe(S.anyAccountFailed);
      expect(state(S.anyAccountFailed)).toEqual({
        Type: 'Choice',
        Choices: [{ Variable: '$.accountsJson', StringMatches: '*"status":"failed"*', Next: S.describeFailures }],
        Default: S.published,
      });
      expect(state(S.accountsFailed)).toEqual({ Type: 'Fail', Error: 'AccountsFailed', CausePath: '$.failure.cause' });
      expect(state(S.published)).toEqual({ Type: 'Succeed', OutputPath: '$.summary' });
    });

    it('lets the state machine invoke the publish function and put events on the bus, and nothing else but its logs and traces', () => {
      const role = new Capture();
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', { RoleArn: { 'Fn::GetAtt': [role, 'Arn'] } });
      const statements = Object.values(
        template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role.asString() }] } }),
      ).flatMap(
        (policy) =>
          (policy as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }).Properties
            .PolicyDocument.Statement,
      );
      expect(statements.filter((st) => !resourcesOf(st).includes('*'))).toEqual([
        {
          Action: 'lambda:InvokeFunction',
          Effect: 'Allow',
          Resource: [getAtt(ids.function), { 'Fn::Join': ['', [getAtt(ids.function), ':*']] }],
        },
        { Action: 'events:PutEvents', Effect: 'Allow', Resource: getAtt(ids.bus) },
      ]);
      const starred = statements.filter((st) => resourcesOf(st).includes('*')).flatMap(actionsOf);
      expect(starred.every((a) => /^(logs:[A-Za-z]+|xray:[A-Za-z]+)$/.test(a))).toBe(true);
    });

    it('gives the function STATE_MACHINE_ARN and states:StartExecution on exactly that state machine', () => {
      const arn = new Capture();
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ STATE_MACHINE_ARN: arn }) },
      });
      // The ARN is formatted from the fixed name (no reference to the state machine: no dependency cycle).
      expect(arn.asObject()).toEqual({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':states:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':stateMachine:ConnectwiseUsagePublisher-publish',
          ],
        ],
      });
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: 'ConnectwiseUsagePublisher-publish',
      });
      const start = policyStatements(template).filter(
        (st) => actionsOf(st).some((a) => a.startsWith('states:')) && st.Sid === 'StartScheduledRun',
      );
      expect(start).toEqual([
        { Sid: 'StartScheduledRun', Action: 'states:StartExecution', Effect: 'Allow', Resource: arn.asObject() },
      ]);
    });
  });

  describe('Failure handling', () => {
    it('sends asynchronous invocations that fail after two retries to the dead-letter queue (on-failure destination)', () => {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: ids.function },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 21600,
        DestinationConfig: { OnFailure: { Destination: getAtt(ids.queue) } },
      });
    });

    it('encrypts the dead-letter queue, keeps messages 14 days and refuses plain HTTP', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: ids.queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });
  });

  describe('Alarms and notifications', () => {
    const alarm = (
      metricName: string,
      namespace: string,
      dimension: Record<string, unknown>,
      extra: Record<string, unknown> = {},
    ) => ({
      MetricName: metricName,
      Namespace: namespace,
      Dimensions: [dimension],
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: ids.topic }],
      ...extra,
    });

    it('alarms on any function error', () => {
      template.hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        alarm(
          'Errors',
          'AWS/Lambda',
          { Name: 'FunctionName', Value: { Ref: ids.function } },
          { Statistic: 'Sum', Threshold: 1, Period: 300 },
        ),
      );
    });

    it('alarms on any throttle', () => {
      template.hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        alarm(
          'Throttles',
          'AWS/Lambda',
          { Name: 'FunctionName', Value: { Ref: ids.function } },
          { Statistic: 'Sum', Threshold: 1 },
        ),
      );
    });

    it('alarms as soon as the dead-letter queue holds a message', () => {
      template.hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        alarm(
          'ApproximateNumberOfMessagesVisible',
          'AWS/SQS',
          { Name: 'QueueName', Value: getAtt(ids.queue, 'QueueName') },
          {
            Statistic: 'Maximum',
            Threshold: 1,
          },
        ),
      );
    });

    it('alarms when an invocation runs past 95% of the timeout (it should have stopped to continue)', () => {
      template.hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        alarm(
          'Duration',
          'AWS/Lambda',
          { Name: 'FunctionName', Value: { Ref: ids.function } },
          { Statistic: 'Maximum', Threshold: 855_000 },
        ),
      );
    });

    it('alarms as soon as a publish run fails or times out (the execution names the failed accounts)', () => {
      const metrics = new Capture();
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Metrics: metrics,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: ids.topic }],
      });
      const queries = metrics.asArray() as Array<{
        Id: string;
        Expression?: string;
        MetricStat?: { Metric: Record<string, unknown>; Stat: string };
      }>;
      expect(queries.find((q) => q.Expression)?.Expression).toBe('FILL(failed, 0) + FILL(timedOut, 0)');
      const stateMachineDimension = [{ Name: 'StateMachineArn', Value: { Ref: ids.stateMachine } }];
      expect(queries.filter((q) => q.MetricStat).map((q) => ({ id: q.Id, ...q.MetricStat }))).toEqual([
        {
          id: 'failed',
          Metric: { Namespace: 'AWS/States', MetricName: 'ExecutionsFailed', Dimensions: stateMachineDimension },
          Period: 300,
          Stat: 'Sum',
        },
        {
          id: 'timedOut',
          Metric: { Namespace: 'AWS/States', MetricName: 'ExecutionsTimedOut', Dimensions: stateMachineDimension },
          Period: 300,
          Stat: 'Sum',
        },
      ]);
    });

    it('has these alarms only, each notifying the topic', () => {
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Array<{
        Properties: Record<string, unknown>;
      }>;
      const watched = alarms
        .map((a) => String(a.Properties.MetricName ?? 'ExecutionsFailed+ExecutionsTimedOut'))
        .sort();
      expect(watched).toEqual([
        'ApproximateNumberOfMessagesVisible',
        'Duration',
        'Errors',
        'ExecutionsFailed+ExecutionsTimedOut',
        'Throttles',
      ]);
      template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: ids.topic }] });
    });

    it("sends every Usage Publish Failed event (the function's or the state machine's) to the topic, with the event's detail", () => {
      const input = new Capture();
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: ids.bus },
        EventPattern: { source: ['connectwise-usage-publisher'], 'detail-type': ['Usage Publish Failed'] },
        Targets: [
          Match.objectLike({
            Arn: { Ref: ids.topic },
            DeadLetterConfig: { Arn: getAtt(ids.queue) },
            RoleArn: Match.anyValue(),
            InputTransformer: {
              InputPathsMap: Match.objectLike({ 'detail-accountId': '$.detail.accountId' }),
              InputTemplate: input,
            },
          }),
        ],
      });
      for (const field of ['accountId', 'period', 'runId']) {
        expect(input.asString()).toContain(`"${field}":<detail-${field}>`);
      }
      // The whole detail: counts and results from the function, error and cause from the state machine.
      expect(input.asString()).toContain('"detail":<detail>');
    });

    it('encrypts the topic with a rotated key that CloudWatch alarms may use, and refuses plain HTTP', () => {
      const key = logicalIdOf(template, 'AWS::KMS::Key');
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: getAtt(key) });
      template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
            }),
          ]),
        },
      });
    });

    it('does not open the topic to the whole EventBridge service', () => {
      const statements = Object.values(template.findResources('AWS::SNS::TopicPolicy')).flatMap(
        (policy) =>
          (policy as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }).Properties
            .PolicyDocument.Statement,
      );
      expect(statements.filter((s) => JSON.stringify(s.Principal).includes('events.amazonaws.com'))).toEqual([]);
    });

    it('subscribes no email address unless alarmEmail is set', () => {
      template.resourceCountIs('AWS::SNS::Subscription', 0);
    });

    it('subscribes alarmEmail, with undeliverable notifications going to the dead-letter queue', () => {
      const topic = logicalIdOf(custom, 'AWS::SNS::Topic');
      const queue = logicalIdOf(custom, 'AWS::SQS::Queue');
      custom.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'ops@example.com',
        TopicArn: { Ref: topic },
        RedrivePolicy: { deadLetterTargetArn: getAtt(queue) },
      });
    });
  });

  describe('Security: least privilege', () => {
    let statements: Array<Record<string, unknown>>;
    let functionStatements: Array<Record<string, unknown>>;

    beforeAll(() => {
      statements = policyStatements(template);
      const role = new Capture();
      template.hasResourceProperties('AWS::Lambda::Function', { Role: { 'Fn::GetAtt': [role, 'Arn'] } });
      const policy = Object.values(
        template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role.asString() }] } }),
      );
      expect(policy).toHaveLength(1);
      functionStatements = (
        policy[0] as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }
      ).Properties.PolicyDocument.Statement;
    });

    it.each(TABLE_NAMES)(
      'grants the %s table exactly the actions the function uses, on the table itself only',
      (name) => {
        // Statements may be merged (@aws-cdk/aws-iam:minimizePolicies): look at every one naming the table.
        const onTable = functionStatements.filter((s) => JSON.stringify(s.Resource).includes(`"${ids[name]}"`));
        expect(onTable.length).toBeGreaterThan(0);
        for (const statement of onTable) {
          expect(statement.Effect).toBe('Allow');
          expect(statement.Condition).toBeUndefined();
          // The table's ARN exactly: no "<arn>/index/*" or "<arn>*" variants.
          const mine = resourcesOf(statement).filter((r) => JSON.stringify(r).includes(`"${ids[name]}"`));
          expect(mine).toEqual([getAtt(ids[name])]);
        }
        expect([...new Set(onTable.flatMap(actionsOf))].sort()).toEqual([...TABLE_ACTIONS[name]].sort());
      },
    );

    it('never grants table-wide writes or deletes on the operator tables, nor any dynamodb:* action', () => {
      const dynamoActions = functionStatements.flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'));
      expect(dynamoActions).not.toContain('dynamodb:*');
      expect(dynamoActions).not.toContain('dynamodb:DeleteItem');
      for (const name of ['accounts', 'mappings', 'usage'] as const) {
        const actions = functionStatements
          .filter((s) => JSON.stringify(s.Resource).includes(`"${ids[name]}"`))
          .flatMap(actionsOf);
        expect(actions.filter((a) => /Put|Update|Write|Delete/.test(a))).toEqual([]);
      }
    });

    it('allows GetSecretValue only on secrets under the configured name prefix', () => {
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Sid: 'ReadConnectWiseSecrets',
              Effect: 'Allow',
              Action: 'secretsmanager:GetSecretValue',
              Resource: {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':secretsmanager:',
                    { Ref: 'AWS::Region' },
                    ':',
                    { Ref: 'AWS::AccountId' },
                    ':secret:connectwise-usage-publisher/*',
                  ],
                ],
              },
            },
          ]),
        },
      });
    });

    it('never allows a Secrets Manager action on "*", nor any action but GetSecretValue', () => {
      const secrets = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
      expect(secrets.length).toBeGreaterThan(0);
      for (const statement of secrets) {
        expect(actionsOf(statement)).toEqual(['secretsmanager:GetSecretValue']);
        expect(resourcesOf(statement)).not.toContain('*');
        expect(JSON.stringify(statement.Resource)).toMatch(/:secret:connectwise-usage-publisher\/\*"/);
      }
    });

    it('uses the secret-name prefix from context', () => {
      expect(JSON.stringify(policyStatements(custom).filter((s) => s.Sid === 'ReadConnectWiseSecrets'))).toContain(
        ':secret:msp/cwpub/*',
      );
    });

    it('warns at synth time when the secret-name prefix does not end with "/"', () => {
      // CDK prints the warning (annotationsInValidationReport) as it synthesizes: keep it out of the test output.
      const [annotations, printed] = capturingConsoleError(() =>
        Annotations.fromStack(synthesize({ secretNamePrefix: 'cwpub' }).stack),
      );
      annotations.hasWarning('*', Match.stringLikeRegexp('secretNamePrefix "cwpub" does not end with "/"'));
      expect(printed.join('\n')).toContain('secretNamePrefix "cwpub" does not end with "/"');
      Annotations.fromStack(defaultStack).hasNoWarning('*', Match.stringLikeRegexp('secretNamePrefix'));
    });

    it('allows kms:Decrypt of a customer managed secrets key only through Secrets Manager, when one is configured', () => {
      const keyArn = CUSTOM_CONTEXT.secretsKmsKeyArn;
      expect(
        statements.some((s) => actionsOf(s).includes('kms:Decrypt') && s.Sid === 'DecryptConnectWiseSecrets'),
      ).toBe(false);
      custom.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Sid: 'DecryptConnectWiseSecrets',
              Effect: 'Allow',
              Action: 'kms:Decrypt',
              Resource: keyArn,
              Condition: {
                StringEquals: {
                  'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
                },
              },
            },
          ]),
        },
      });
    });

    it('allows events:PutEvents only on the custom bus (the function and the state machine)', () => {
      const putEvents = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('events:')));
      expect(putEvents.length).toBeGreaterThan(0);
      for (const statement of putEvents)
        expect(statement).toEqual({ Action: 'events:PutEvents', Effect: 'Allow', Resource: getAtt(ids.bus) });
      expect(functionStatements).toContainEqual({
        Action: 'events:PutEvents',
        Effect: 'Allow',
        Resource: getAtt(ids.bus),
      });
    });

    it('writes logs only to its own log group, without the AWSLambdaBasicExecutionRole managed policy', () => {
      const logs = functionStatements.filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
      expect(logs).toEqual([
        expect.objectContaining({
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: getAtt(ids.logGroup),
        }),
      ]);
      template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    });

    it('uses a "*" resource only for X-Ray and Step Functions log delivery, which have no resource-level permissions', () => {
      const starred = statements.filter((s) => resourcesOf(s).includes('*'));
      expect([...new Set(starred.flatMap(actionsOf))].sort()).toEqual([
        'logs:CreateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:DescribeLogGroups',
        'logs:DescribeResourcePolicies',
        'logs:GetLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:UpdateLogDelivery',
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
      // The function itself: X-Ray only.
      expect(
        functionStatements
          .filter((s) => resourcesOf(s).includes('*'))
          .flatMap(actionsOf)
          .sort(),
      ).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    });

    it('grants no wildcard action anywhere except kms:GenerateDataKey* for publishing to the encrypted topic', () => {
      const wildcards = statements.flatMap(actionsOf).filter((a) => a.includes('*'));
      expect([...new Set(wildcards)]).toEqual(['kms:GenerateDataKey*']);
    });
  });

  describe('Outputs', () => {
    it('outputs what operators need: tables, bus, function, logs, queue, topic, schedule and state machine', () => {
      const outputs = Object.keys(template.findOutputs('*'));
      expect(outputs.sort()).toEqual(
        [
          'AccountsTableName',
          'MappingsTableName',
          'UsageTableName',
          'LedgerTableName',
          'EventBusName',
          'PublishFunctionName',
          'LogGroupName',
          'DeadLetterQueueUrl',
          'AlarmTopicArn',
          'ScheduleName',
          'StateMachineArn',
        ].sort(),
      );
      template.hasOutput('StateMachineArn', { Value: { Ref: ids.stateMachine } });
      template.hasOutput('EventBusName', { Value: { Ref: ids.bus } });
      template.hasOutput('PublishFunctionName', { Value: { Ref: ids.function } });
    });
  });
});
