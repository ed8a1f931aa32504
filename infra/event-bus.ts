import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * The product's custom bus: `Republish Requested` in, `Usage Published` / `Usage Publish Failed` out.
 * Contract v3 "Who may trigger a run": only the stack's own AWS account may put events on it. The
 * resource policy allows the account and denies every principal of another account, so a later
 * cross-account grant (a console click, another stack) cannot open it by accident.
 */
export function createEventBus(scope: Construct): events.EventBus {
  const bus = new events.EventBus(scope, 'EventBus', {
    description: 'connectwise-usage-publisher: Republish Requested in; Usage Published / Usage Publish Failed out',
  });
  const account = Stack.of(bus).account;
  bus.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OwnAccountOnly',
      effect: iam.Effect.ALLOW,
      principals: [new iam.AccountRootPrincipal()],
      actions: ['events:PutEvents'],
      resources: [bus.eventBusArn],
    }),
  );
  bus.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyOtherAccounts',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['events:PutEvents'],
      resources: [bus.eventBusArn],
      conditions: { StringNotEquals: { 'aws:PrincipalAccount': account } },
    }),
  );
  return bus;
}
