import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** The cdk-nag packs the app must pass with no unacknowledged finding. */
export function nagPacks(scope?: IConstruct): [AwsSolutionsChecks, ServerlessChecks] {
  return [new AwsSolutionsChecks(scope, { verbose: true }), new ServerlessChecks(scope, { verbose: true })];
}

/**
 * Runs the packs as CDK validation plugins: `cdk synth` and `cdk deploy` fail on any error-level
 * finding, and print warnings. Acknowledgements (`Validations.of(x).acknowledge`) sit next to the
 * resources they excuse, each with its reason. test/infra/nag.test.ts also fails on warnings.
 */
export function addNagChecks(app: IConstruct): void {
  Validations.of(app).addPlugins(...nagPacks(app));
}
