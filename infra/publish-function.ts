import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENVIRONMENT } from '../lib/contract.js';
import { LOCK_FILE, PROJECT_ROOT, PUBLISH_BUNDLING, PUBLISH_ENTRY } from './bundling.js';
import type { PublisherConfig } from './publisher-config.js';

export interface PublishFunction {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
}

/**
 * The publish function (functions/publish, bundled by the local esbuild), its own log group and
 * its own role. What it may touch is added by the bind* helpers, each with the environment
 * variable that names it.
 */
export function createPublishFunction(
  scope: Construct,
  config: PublisherConfig,
  deadLetterQueue: sqs.IQueue,
): PublishFunction {
  const logGroup = new logs.LogGroup(scope, 'LogGroup', {
    retention: config.logRetention,
    removalPolicy: RemovalPolicy.RETAIN,
  });

  // An explicit role instead of AWSLambdaBasicExecutionRole: that managed policy allows
  // writing to every log group in the account; this one, only to the function's own.
  const role = new iam.Role(scope, 'FunctionRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'connectwise-usage-publisher publish function',
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );

  const fn = new NodejsFunction(scope, 'PublishFunction', {
    description: 'Publishes monthly backup usage to ConnectWise (state machine tasks, schedule start, direct invoke)',
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
    logGroup,
    tracing: lambda.Tracing.ACTIVE,
    environment: {
      [ENVIRONMENT.logLevel]: config.logLevel,
      NODE_OPTIONS: '--enable-source-maps',
    },
    // Asynchronous invocations (the schedule's start, `--invocation-type Event`): starting the
    // month's execution and publishing are idempotent, so Lambda's two retries are safe; what still fails goes to the dead-letter
    // queue as an on-failure destination record, which carries the request payload and the
    // error (a classic DeadLetterConfig carries only the payload).
    onFailure: new SendOnlyQueueDestination(deadLetterQueue),
    retryAttempts: 2,
    maxEventAge: Duration.hours(6),
  });
  Validations.of(fn).acknowledge({
    id: 'Serverless-LambdaDLQ',
    reason:
      'Asynchronous failures go to the dead-letter queue through an on-failure destination ' +
      '(EventInvokeConfig), which records the error as well as the payload; ' +
      'a DeadLetterConfig as well would deliver every failure twice.',
  });
  for (const id of ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion']) {
    Validations.of(fn).acknowledge({
      id,
      reason:
        'Node.js 22 is the runtime this project targets and tests ' +
        '(it is supported by Lambda into 2027); moving to a newer runtime is a deliberate, ' +
        'tested change, not a side effect of upgrading aws-cdk-lib.',
    });
  }
  acknowledgeOnPolicy(role, {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do ' +
      'not support resource-level permissions, so their resource must be *.',
  });
  return { fn, role, logGroup };
}

/**
 * An on-failure destination that grants only what Lambda uses to deliver to a queue: sqs:SendMessage.
 * CDK's SqsDestination grants `grantSendMessages` (GetQueueAttributes and GetQueueUrl too), which the
 * function never calls (contract v3: no unused grants).
 */
class SendOnlyQueueDestination implements lambda.IDestination {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(_scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
    return { destination: this.queue.queueArn };
  }
}

/** EVENT_BUS_NAME and events:PutEvents on that bus only. */
export function bindEventBus(fn: lambda.Function, bus: events.IEventBus): void {
  fn.addEnvironment(ENVIRONMENT.eventBusName, bus.eventBusName);
  bus.grantPutEventsTo(fn);
}

/**
 * secretsmanager:GetSecretValue on the secrets under the configured name prefix (the Accounts
 * items name the secret, so there is no variable to bind), and kms:Decrypt through Secrets
 * Manager when the secrets use a customer managed key.
 */
export function bindConnectWiseSecrets(
  role: iam.Role,
  config: Pick<PublisherConfig, 'secretNamePrefix' | 'secretsKmsKeyArn'>,
): void {
  const stack = Stack.of(role);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ReadConnectWiseSecrets',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [
        stack.formatArn({
          service: 'secretsmanager',
          resource: 'secret',
          // Secrets Manager appends "-" and six random characters to every secret's ARN.
          resourceName: `${config.secretNamePrefix}*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    }),
  );
  acknowledgeOnPolicy(role, {
    id:
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:' +
      `${config.secretNamePrefix}*]`,
    reason:
      'Only secrets under the operator-configured name prefix; ' +
      'the trailing * is required because Secrets Manager appends a random suffix to every secret ARN.',
  });
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
}

/** Acknowledges a finding on the role's default policy, where CDK puts the role's statements. */
export function acknowledgeOnPolicy(role: iam.Role, ...acknowledgements: Array<{ id: string; reason: string }>): void {
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (!policy) throw new Error(`${role.node.path} has no default policy to acknowledge findings on`);
  Validations.of(policy).acknowledge(...acknowledgements);
}
