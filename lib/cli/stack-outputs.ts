import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ENVIRONMENT } from '../contract.js';
import { ConfigurationError, describeError } from '../errors.js';

/**
 * The deployed stack's outputs that hold the CLI's settings (infra/publisher-stack.ts names them),
 * by the environment variable each one stands for.
 */
export const STACK_OUTPUTS = {
  AccountsTableName: ENVIRONMENT.accountsTable,
  MappingsTableName: ENVIRONMENT.mappingsTable,
  UsageTableName: ENVIRONMENT.usageTable,
  LedgerTableName: ENVIRONMENT.ledgerTable,
  EventBusName: ENVIRONMENT.eventBusName,
} as const;

/** Reads `--stack NAME`'s outputs as environment variables (ACCOUNTS_TABLE=…, EVENT_BUS_NAME=…). */
export async function readStackSettings(
  stackName: string,
  client: Pick<CloudFormationClient, 'send'>,
): Promise<Record<string, string>> {
  let outputs: { OutputKey?: string; OutputValue?: string }[];
  // Loaded only for --stack: every other command starts without the CloudFormation client.
  const { DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  try {
    const answer = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = answer.Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    const text = describeError(error);
    if (/does not exist/i.test(text)) {
      throw new ConfigurationError(
        `--stack ${stackName}: no such CloudFormation stack in this account and region (check --region / --profile)`,
      );
    }
    throw new ConfigurationError(`--stack ${stackName}: could not read the stack's outputs (${text})`, {
      cause: error,
    });
  }
  const settings: Record<string, string> = {};
  for (const [output, variable] of Object.entries(STACK_OUTPUTS)) {
    const value = outputs.find((o) => o.OutputKey === output)?.OutputValue;
    if (value) settings[variable] = value;
  }
  const missing = Object.entries(STACK_OUTPUTS)
    .filter(([output, variable]) => variable !== ENVIRONMENT.eventBusName && !settings[variable] && output)
    .map(([output]) => output);
  if (missing.length > 0) {
    throw new ConfigurationError(
      `--stack ${stackName}: the stack has no output${missing.length > 1 ? 's' : ''} ` +
        `${missing.join(', ')}; is it the publisher's stack (infra/publisher-stack.ts)?`,
    );
  }
  return settings;
}
