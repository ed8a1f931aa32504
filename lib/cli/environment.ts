import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { ENVIRONMENT } from '../contract.js';
import type { ConfigProblem } from '../config.js';
import { STACK_OUTPUTS } from './stack-outputs.js';

/**
 * Where the CLI's settings come from, checked before the first AWS call so that a missing piece is
 * one clear message listing every problem, instead of the SDK's `Region is missing` and, seconds
 * later, `Could not load credentials from any providers`.
 */

/** The global options that choose the AWS account, region and stack. */
export interface AwsSelection {
  readonly region?: string | undefined;
  readonly profile?: string | undefined;
  readonly stack?: string | undefined;
}

/**
 * The credential sources the SDK's default chain would find without the network: environment keys,
 * a named profile, the shared files, container and web-identity credentials. Empty = only the EC2
 * instance role is left, which needs a metadata request to find out.
 */
export function credentialSources(
  env: NodeJS.ProcessEnv,
  selection: AwsSelection,
  exists: (file: string) => boolean = existsSync,
): string[] {
  const sources: string[] = [];
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) sources.push('AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY');
  const profile = selection.profile ?? env.AWS_PROFILE;
  if (profile) sources.push(`profile ${profile}`);
  const home = env.HOME || homedir();
  const files = [
    env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials'),
    env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config'),
  ];
  for (const file of files) if (exists(file)) sources.push(file);
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI)
    sources.push('container credentials');
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) sources.push('AWS_WEB_IDENTITY_TOKEN_FILE');
  return sources;
}

export const REGION_HELP =
  'pass --region, set AWS_REGION, or use a profile that has a region (--profile / AWS_PROFILE)';
export const CREDENTIALS_HELP =
  'sign in with `aws sso login --profile NAME` and pass --profile NAME ' +
  '(or set AWS_PROFILE), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';

/** The one message for everything missing: what, and where each value comes from. */
export function describeSetupProblems(problems: readonly ConfigProblem[], selection: AwsSelection): string {
  const width = Math.max(...problems.map((p) => p.variable.length));
  const settings = problems.length === 1 ? 'one setting is' : `${problems.length} settings are`;
  const lines = [`cwpub cannot reach the publisher's AWS resources; ${settings} missing or invalid:`];
  for (const p of problems) lines.push(`  ${p.variable.padEnd(width)}  ${p.problem}`);
  const tables = problems.filter((p) => (Object.values(STACK_OUTPUTS) as string[]).includes(p.variable));
  if (tables.length > 0 && !selection.stack) {
    const pairs = Object.entries(STACK_OUTPUTS)
      .filter(([, variable]) => variable !== ENVIRONMENT.eventBusName)
      .map(([output, variable]) => `${variable}=${output}`)
      .join(', ');
    lines.push(
      '',
      'The table names are outputs of the deployed stack. Either pass --stack STACK_NAME (cwpub reads them itself),',
      `or export them (${pairs}; EVENT_BUS_NAME=EventBusName, optional):`,
      '  aws cloudformation describe-stacks --stack-name STACK_NAME --query "Stacks[0].Outputs"',
    );
  }
  return lines.join('\n');
}
