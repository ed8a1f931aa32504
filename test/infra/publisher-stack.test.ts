import { Annotations, Capture, Match } from 'aws-cdk-lib/assertions';
import type { Template } from 'aws-cdk-lib/assertions';
import { TABLE_ACTIONS } from '../../infra/usage-publisher.js';
import type { PublisherStack } from '../../infra/publisher-stack.js';
import { actionsOf, capturingConsoleError, logicalIdOf, policyStatements, resourcesOf, synthesize } from './helpers.js';

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

describe('Stack: PublisherStack', () => {
  let template: Template;
  let defaultStack: PublisherStack;
  let ids: Record<TableName | 'function' | 'queue' | 'bus' | 'topic' | 'logGroup', string>;

  beforeAll(() => {
    // Prepare: the app as cdk.json configures it.
    ({ template, stack: defaultStack } = synthesize());
    ids = {
      accounts: logicalIdOf(template, TABLE, { KeySchema: KEYS.accounts }),
      mappings: logicalIdOf(template, TABLE, { KeySchema: KEYS.mappings }),
      usage: logicalIdOf(template, TABLE, { KeySchema: KEYS.usage }),
      ledger: logicalIdOf(template, TABLE, { KeySchema: KEYS.ledger }),
      function: logicalIdOf(template, 'AWS::Lambda::Function'),
      queue: logicalIdOf(template, 'AWS::SQS::Queue'),
      bus: logicalIdOf(template, 'AWS::Events::EventBus'),
      topic: logicalIdOf(template, 'AWS::SNS::Topic'),
      logGroup: logicalIdOf(template, 'AWS::Logs::LogGroup'),
    };
  });

  describe('Data: the four tables', () => {
    it('creates exactly the contract tables, keys typed as strings', () => {
      template.resourceCountIs(TABLE, 4);
      for (const name of TABLE_NAMES) {
        const attributes = KEYS[name].map((key) => ({ AttributeName: key.AttributeName, AttributeType: 'S' }));
        template.hasResourceProperties(TABLE, { KeySchema: KEYS[name], AttributeDefinitions: Match.arrayWith(attributes) });
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

    it('retains Accounts, Mappings and Usage when the stack is deleted, and protects them from deletion', () => {
      for (const name of ['accounts', 'mappings', 'usage'] as const) {
        template.hasResource(TABLE, {
          Properties: Match.objectLike({ KeySchema: KEYS[name], DeletionProtectionEnabled: true }),
          DeletionPolicy: 'Retain',
          UpdateReplacePolicy: 'Retain',
        });
      }
    });

    it('expires Ledger rows on the numeric expiresAt attribute and deletes the Ledger with the stack', () => {
      template.hasResource(TABLE, {
        Properties: Match.objectLike({
          KeySchema: KEYS.ledger,
          TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        }),
        DeletionPolicy: 'Delete',
      });
      // Only the Ledger expires rows.
      expect(Object.keys(template.findResources(TABLE, { Properties: { TimeToLiveSpecification: Match.anyValue() } }))).toEqual([
        ids.ledger,
      ]);
    });
  });

  describe('Function: publish', () => {
    it('runs Node.js 22 on arm64 with the chosen memory and timeout, X-Ray tracing and at most one run at a time', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 512,
        Timeout: 900,
        TracingConfig: { Mode: 'Active' },
        ReservedConcurrentExecutions: 1,
      });
    });

    it("sets the contract's environment variables to this stack's tables and bus, and enables source maps", () => {
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
          },
        },
      });
    });

    it('logs to its own log group, kept 400 days', () => {
      template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: ids.logGroup } } });
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 400 });
    });

    it('takes memory, timeout, log level and log retention from context', () => {
      // Prepare / Act
      const { template: custom } = synthesize({ memorySize: '1024', timeoutSeconds: '300', logLevel: 'debug', logRetentionDays: '30' });
      // Assess
      custom.hasResourceProperties('AWS::Lambda::Function', {
        MemorySize: 1024,
        Timeout: 300,
        Environment: { Variables: Match.objectLike({ LOG_LEVEL: 'debug' }) },
      });
      custom.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
      custom.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Duration', Threshold: 240_000 });
    });

    it('drops the concurrency reservation when serializeRuns is false', () => {
      const { template: custom } = synthesize({ serializeRuns: 'false' });
      custom.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: Match.absent() });
    });
  });

  describe('Triggers', () => {
    it('runs a monthly EventBridge Scheduler schedule, the 1st at 06:00 UTC by default, with the direct-invocation payload {}', () => {
      template.resourceCountIs('AWS::Scheduler::Schedule', 1);
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 6 1 * ? *)',
        ScheduleExpressionTimezone: 'UTC',
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: getAtt(ids.function),
          Input: '{}',
          DeadLetterConfig: { Arn: getAtt(ids.queue) },
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 21600 },
          RoleArn: Match.anyValue(),
        },
      });
    });

    it('takes the schedule, its time zone and its state from context', () => {
      const { template: custom } = synthesize({
        schedule: 'cron(30 7 2 * ? *)',
        scheduleTimezone: 'America/New_York',
        scheduleEnabled: 'false',
      });
      custom.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(30 7 2 * ? *)',
        ScheduleExpressionTimezone: 'America/New_York',
        State: 'DISABLED',
      });
    });

    it("lets the schedule's role invoke the function only (not its versions or aliases) and write to the dead-letter queue", () => {
      const role = new Capture();
      template.hasResourceProperties('AWS::Scheduler::Schedule', { Target: Match.objectLike({ RoleArn: { 'Fn::GetAtt': [role, 'Arn'] } }) });
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

    it('creates a custom event bus whose Republish Requested rule invokes the function, failures to the dead-letter queue', () => {
      template.resourceCountIs('AWS::Events::EventBus', 1);
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: ids.bus },
        EventPattern: { 'detail-type': ['Republish Requested'] },
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: getAtt(ids.function),
            DeadLetterConfig: { Arn: getAtt(ids.queue) },
            RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 21600 },
          }),
        ],
      });
      const rule = logicalIdOf(template, 'AWS::Events::Rule', { EventPattern: { 'detail-type': ['Republish Requested'] } });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: getAtt(ids.function),
        Principal: 'events.amazonaws.com',
        SourceArn: getAtt(rule),
      });
    });

    it('gives no other service permission to invoke the function', () => {
      const permissions = Object.values(template.findResources('AWS::Lambda::Permission'));
      expect(permissions).toHaveLength(1);
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
      template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
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
    const alarm = (metricName: string, namespace: string, dimension: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
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
        alarm('Errors', 'AWS/Lambda', { Name: 'FunctionName', Value: { Ref: ids.function } }, { Statistic: 'Sum', Threshold: 1, Period: 300 }),
      );
    });

    it('alarms on any throttle', () => {
      template.hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        alarm('Throttles', 'AWS/Lambda', { Name: 'FunctionName', Value: { Ref: ids.function } }, { Statistic: 'Sum', Threshold: 1 }),
      );
    });

    it('alarms as soon as the dead-letter queue holds a message', () => {
      template.hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        alarm('ApproximateNumberOfMessagesVisible', 'AWS/SQS', { Name: 'QueueName', Value: getAtt(ids.queue, 'QueueName') }, {
          Statistic: 'Maximum',
          Threshold: 1,
        }),
      );
    });

    it('alarms when a run takes more than 80% of the timeout', () => {
      template.hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        alarm('Duration', 'AWS/Lambda', { Name: 'FunctionName', Value: { Ref: ids.function } }, { Statistic: 'Maximum', Threshold: 720_000 }),
      );
    });

    it('has exactly these four alarms, all notifying the topic', () => {
      template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
      template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: ids.topic }] });
    });

    it("sends every Usage Publish Failed event from the function to the topic, with the event's details", () => {
      const input = new Capture();
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: { Ref: ids.bus },
        EventPattern: { source: ['connectwise-usage-publisher'], 'detail-type': ['Usage Publish Failed'] },
        Targets: [
          Match.objectLike({
            Arn: { Ref: ids.topic },
            DeadLetterConfig: { Arn: getAtt(ids.queue) },
            RoleArn: Match.anyValue(),
            InputTransformer: { InputPathsMap: Match.objectLike({ 'detail-accountId': '$.detail.accountId' }), InputTemplate: input },
          }),
        ],
      });
      for (const field of ['accountId', 'period', 'runId', 'failed', 'sync', 'results']) {
        expect(input.asString()).toContain(`"${field}":<detail-${field}>`);
      }
    });

    it('encrypts the topic with a rotated key that CloudWatch alarms may use, and refuses plain HTTP', () => {
      const key = logicalIdOf(template, 'AWS::KMS::Key');
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: getAtt(key) });
      template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
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
        (policy) => (policy as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }).Properties.PolicyDocument.Statement,
      );
      expect(statements.filter((s) => JSON.stringify(s.Principal).includes('events.amazonaws.com'))).toEqual([]);
    });

    it('subscribes no email address unless alarmEmail is set', () => {
      template.resourceCountIs('AWS::SNS::Subscription', 0);
    });

    it('subscribes alarmEmail, with undeliverable notifications going to the dead-letter queue', () => {
      const { template: custom } = synthesize({ alarmEmail: 'ops@example.com' });
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
      const policy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role.asString() }] } }));
      expect(policy).toHaveLength(1);
      functionStatements = (policy[0] as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }).Properties
        .PolicyDocument.Statement;
    });

    it.each(TABLE_NAMES)('grants the %s table exactly the actions the function uses, on the table itself only', (name) => {
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
    });

    it('never grants table-wide writes or deletes on the operator tables, nor any dynamodb:* action', () => {
      const dynamoActions = functionStatements.flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'));
      expect(dynamoActions).not.toContain('dynamodb:*');
      expect(dynamoActions).not.toContain('dynamodb:DeleteItem');
      for (const name of ['accounts', 'mappings', 'usage'] as const) {
        const actions = functionStatements.filter((s) => JSON.stringify(s.Resource).includes(`"${ids[name]}"`)).flatMap(actionsOf);
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
      const { template: custom } = synthesize({ secretNamePrefix: 'msp/cwpub/' });
      expect(JSON.stringify(policyStatements(custom).filter((s) => s.Sid === 'ReadConnectWiseSecrets'))).toContain(':secret:msp/cwpub/*');
    });

    it('warns at synth time when the secret-name prefix does not end with "/"', () => {
      // CDK prints the warning (annotationsInValidationReport) as it synthesizes: keep it out of the test output.
      const [annotations, printed] = capturingConsoleError(() => Annotations.fromStack(synthesize({ secretNamePrefix: 'cwpub' }).stack));
      annotations.hasWarning('*', Match.stringLikeRegexp('secretNamePrefix "cwpub" does not end with "/"'));
      expect(printed.join('\n')).toContain('secretNamePrefix "cwpub" does not end with "/"');
      Annotations.fromStack(defaultStack).hasNoWarning('*', Match.stringLikeRegexp('secretNamePrefix'));
    });

    it('allows kms:Decrypt of a customer managed secrets key only through Secrets Manager, when one is configured', () => {
      const keyArn = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
      expect(statements.some((s) => actionsOf(s).includes('kms:Decrypt') && s.Sid === 'DecryptConnectWiseSecrets')).toBe(false);
      const { template: custom } = synthesize({ secretsKmsKeyArn: keyArn });
      custom.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Sid: 'DecryptConnectWiseSecrets',
              Effect: 'Allow',
              Action: 'kms:Decrypt',
              Resource: keyArn,
              Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
            },
          ]),
        },
      });
    });

    it('allows events:PutEvents only on the custom bus', () => {
      const putEvents = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('events:')));
      expect(putEvents).toEqual([{ Action: 'events:PutEvents', Effect: 'Allow', Resource: getAtt(ids.bus) }]);
    });

    it('writes logs only to its own log group, without the AWSLambdaBasicExecutionRole managed policy', () => {
      const logs = functionStatements.filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
      expect(logs).toEqual([expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: getAtt(ids.logGroup) })]);
      template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    });

    it('uses a "*" resource only for the X-Ray actions, which have no resource-level permissions', () => {
      const starred = statements.filter((s) => resourcesOf(s).includes('*'));
      expect(starred.flatMap(actionsOf).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    });

    it('grants no wildcard action anywhere except kms:GenerateDataKey* for publishing to the encrypted topic', () => {
      const wildcards = statements.flatMap(actionsOf).filter((a) => a.includes('*'));
      expect([...new Set(wildcards)]).toEqual(['kms:GenerateDataKey*']);
    });
  });

  describe('Outputs', () => {
    it('outputs what operators need: tables, bus, function, logs, queue, topic and schedule', () => {
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
        ].sort(),
      );
      template.hasOutput('EventBusName', { Value: { Ref: ids.bus } });
      template.hasOutput('PublishFunctionName', { Value: { Ref: ids.function } });
    });
  });
});
