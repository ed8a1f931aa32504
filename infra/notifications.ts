import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * Where asynchronous invocations, rule targets, the schedule and alarm emails put what they could
 * not deliver: one encrypted queue, kept 14 days.
 */
export function createDeadLetterQueue(scope: Construct): sqs.Queue {
  const queue = new sqs.Queue(scope, 'DeadLetterQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge(
    {
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue: failed asynchronous invocations, ' +
        'undeliverable rule targets, schedule invocations and alarm emails end here.',
    },
    {
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        'This queue is itself the dead-letter queue and has no consumer that could fail; ' +
        'a redrive queue behind it would only hold the same messages.',
    },
  );
  return queue;
}

export interface AlarmTopic {
  readonly topic: sns.Topic;
  readonly key: kms.Key;
}

/**
 * The topic alarms and failure notifications go to, encrypted with a key of its own: CloudWatch
 * alarms publish to an encrypted topic as a service principal, which the key policy of the AWS
 * managed key aws/sns cannot allow. Only this account's alarms may publish.
 */
export function createAlarmTopic(
  scope: Construct,
  options: { email: string | undefined; deadLetterQueue: sqs.IQueue },
): AlarmTopic {
  const stack = Stack.of(scope);
  const key = new kms.Key(scope, 'AlarmTopicKey', {
    description: 'Encrypts the connectwise-usage-publisher alarm topic',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.DESTROY,
    pendingWindow: Duration.days(7),
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToUseTheKey',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }),
  );
  const topic = new sns.Topic(scope, 'AlarmTopic', {
    displayName: 'connectwise-usage-publisher alarms',
    masterKey: key,
    enforceSSL: true,
  });
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsOfThisAccount',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': stack.formatArn({
            service: 'cloudwatch',
            resource: 'alarm',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }),
  );
  if (options.email) {
    topic.addSubscription(new EmailSubscription(options.email, { deadLetterQueue: options.deadLetterQueue }));
  }
  return { topic, key };
}
