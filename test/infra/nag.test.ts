import { App, Stack, Validations } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { PolicyViolation } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { addNagChecks, nagPacks } from '../../infra/nag.js';
import { CDK_JSON_CONTEXT, buildStack, synthesize } from './helpers.js';

/** Every finding of the AwsSolutions and Serverless packs, errors and warnings alike, as readable lines. */
function findings(scope: IConstruct): string[] {
  return nagPacks()
    .flatMap((pack) => pack.validateScope(scope).violations)
    .flatMap((violation: PolicyViolation) =>
      violation.violatingResources.map(
        (resource) => `${violation.ruleName} (${violation.severity}) at ${resource.constructPath ?? '?'}`,
      ),
    );
}

/** Every acknowledgement in the tree: rule id, where, and the reason given. */
function acknowledgements(scope: IConstruct): Array<{ id: string; path: string; reason: string }> {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          id,
          path: construct.node.path,
          reason,
        })),
      ),
  );
}

describe('cdk-nag: AwsSolutions and Serverless packs', () => {
  // One app for the default configuration, built exactly as infra/app.ts builds it.
  let app: App;
  let functionLogicalId: string;

  beforeAll(() => {
    app = new App({ context: CDK_JSON_CONTEXT });
    const stack = buildStack(app);
    functionLogicalId = stack.getLogicalId(stack.publisher.publishFunction.node.defaultChild as CfnElement);
    addNagChecks(app);
  });

  it('runs inside the app: synthesis with the packs registered as validation plugins succeeds', () => {
    // CDK throws ValidationFailed on any error-level finding.
    expect(() => app.synth()).not.toThrow();
  });

  it('finds nothing unacknowledged in the stack as cdk.json configures it', () => {
    expect(findings(app)).toEqual([]);
  });

  it('finds nothing unacknowledged with every optional resource on (email subscription, secrets key, custom prefix) and the most parallel accounts', () => {
    const { app: custom } = synthesize({
      alarmEmail: 'ops@example.com',
      secretsKmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      secretNamePrefix: 'msp/cwpub/',
      maxParallelAccounts: '40',
    });
    expect(findings(custom)).toEqual([]);
  });

  it('acknowledges only these findings, each with a written reason', () => {
    const acks = acknowledgements(app);
    for (const ack of acks) expect(ack.reason.length).toBeGreaterThanOrEqual(60);
    expect(acks.map((a) => `${a.id.replace(/^[A-Za-z]+::/, '')} @ ${a.path}`).sort()).toEqual(
      [
        'AwsSolutions-SQS3 @ ConnectwiseUsagePublisher/Publisher/DeadLetterQueue',
        'Serverless-SQSRedrivePolicy @ ConnectwiseUsagePublisher/Publisher/DeadLetterQueue',
        'Serverless-LambdaDLQ @ ConnectwiseUsagePublisher/Publisher/PublishFunction',
        'AwsSolutions-L1 @ ConnectwiseUsagePublisher/Publisher/PublishFunction',
        'Serverless-LambdaLatestVersion @ ConnectwiseUsagePublisher/Publisher/PublishFunction',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:connectwise-usage-publisher/*] @ ConnectwiseUsagePublisher/Publisher/FunctionRole/DefaultPolicy',
        'AwsSolutions-IAM5[Resource::*] @ ConnectwiseUsagePublisher/Publisher/FunctionRole/DefaultPolicy',
        'AwsSolutions-IAM5[Action::kms:GenerateDataKey*] @ ConnectwiseUsagePublisher/Publisher/PublishFailedRule',
        'AwsSolutions-IAM5[Resource::*] @ ConnectwiseUsagePublisher/Publisher/StateMachine/Role/DefaultPolicy',
        `AwsSolutions-IAM5[Resource::<${functionLogicalId}.Arn>:*] @ ConnectwiseUsagePublisher/Publisher/StateMachine/Role/DefaultPolicy`,
      ].sort(),
    );
  });

  it('would fail on a finding: an unencrypted queue without TLS enforcement is reported', () => {
    // Proves the assertion above can fail: the packs run and report.
    const app = new App();
    new sqs.Queue(new Stack(app, 'Bad'), 'Queue');
    expect(findings(app)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^AwsSolutions-SQS4 \(error\) at Bad\/Queue/)]),
    );
  });
});
