import { CfnOutput, Stack, Tags } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { UsagePublisher } from './usage-publisher.js';
import type { UsagePublisherProps } from './usage-publisher.js';

export interface PublisherStackProps extends StackProps {
  /** The publisher's settings (from CDK context in infra/app.ts). */
  readonly publisher: UsagePublisherProps;
}

/**
 * The deployable stack: the publisher and the outputs operators need (table names for the
 * DynamoDB console and `cwpub`, the bus for `aws events put-events`, the function for
 * `aws lambda invoke`, the state machine for the runs). Environment-agnostic, so `cdk synth` needs no AWS credentials.
 */
export class PublisherStack extends Stack {
  public readonly publisher: UsagePublisher;

  constructor(scope: Construct, id: string, props: PublisherStackProps) {
    super(scope, id, {
      description: 'connectwise-usage-publisher: publishes monthly backup usage to ConnectWise PSA',
      ...props,
    });
    this.publisher = new UsagePublisher(this, 'Publisher', props.publisher);
    Tags.of(this).add('project', 'connectwise-usage-publisher');

    const output = (id: string, value: string, description: string): CfnOutput =>
      new CfnOutput(this, id, { value, description });
    output(
      'AccountsTableName',
      this.publisher.accountsTable.tableName,
      'ACCOUNTS_TABLE: one item per ConnectWise site',
    );
    output(
      'MappingsTableName',
      this.publisher.mappingsTable.tableName,
      'MAPPINGS_TABLE: client to Managed ID mappings',
    );
    output('UsageTableName', this.publisher.usageTable.tableName, 'USAGE_TABLE: monthly billable space per client');
    output('LedgerTableName', this.publisher.ledgerTable.tableName, 'LEDGER_TABLE: what was published');
    output('EventBusName', this.publisher.eventBus.eventBusName, 'EVENT_BUS_NAME: put Republish Requested events here');
    output('PublishFunctionName', this.publisher.publishFunction.functionName, 'aws lambda invoke --function-name');
    output('LogGroupName', this.publisher.logGroup.logGroupName, "The function's logs (aws logs tail)");
    output(
      'DeadLetterQueueUrl',
      this.publisher.deadLetterQueue.queueUrl,
      'Failed asynchronous invocations and undeliverable events',
    );
    output('AlarmTopicArn', this.publisher.alarmTopic.topicArn, 'Alarms and Usage Publish Failed notifications');
    output(
      'ScheduleName',
      this.publisher.schedule.scheduleName,
      'EventBridge Scheduler schedule of the monthly publish',
    );
    output(
      'StateMachineArn',
      this.publisher.stateMachine.stateMachineArn,
      'Publish runs: aws stepfunctions list-executions / start-execution',
    );
  }
}
