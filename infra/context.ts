import { Duration } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import type { LogLevel } from '../lib/contract.js';
import type { UsagePublisherProps } from './publisher-config.js';

/**
 * The CDK context keys the app reads (defaults in cdk.json; override with `-c key=value`).
 * Values given with `-c` arrive as strings, values in cdk.json as JSON: both are accepted.
 */
export const CONTEXT_KEYS = {
  stackName: 'stackName',
  secretNamePrefix: 'secretNamePrefix',
  secretsKmsKeyArn: 'secretsKmsKeyArn',
  schedule: 'schedule',
  scheduleTimezone: 'scheduleTimezone',
  scheduleEnabled: 'scheduleEnabled',
  alarmEmail: 'alarmEmail',
  logLevel: 'logLevel',
  logRetentionDays: 'logRetentionDays',
  memorySize: 'memorySize',
  timeoutSeconds: 'timeoutSeconds',
  maxParallelAccounts: 'maxParallelAccounts',
  /** Deprecated and ignored (a synth-time warning when set): the per-account run lock replaced it. */
  serializeRuns: 'serializeRuns',
} as const;

export const DEFAULT_STACK_NAME = 'ConnectwiseUsagePublisher';

export interface AppSettings {
  readonly stackName: string;
  readonly publisher: UsagePublisherProps;
}

type Raw = unknown;

function text(node: Node, key: string): string | undefined {
  const value: Raw = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`context "${key}" must be a string (got ${JSON.stringify(value)})`);
  return value.trim() === '' ? undefined : value.trim();
}

function flag(node: Node, key: string): boolean | undefined {
  const value: Raw = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`context "${key}" must be true or false (got ${JSON.stringify(value)})`);
}

function wholeNumber(node: Node, key: string): number | undefined {
  const value: Raw = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  const parsed =
    typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(parsed))
    throw new Error(`context "${key}" must be a whole number (got ${JSON.stringify(value)})`);
  return parsed;
}

/** Reads the app's settings from CDK context; the construct validates the values themselves. */
export function settingsFromContext(node: Node): AppSettings {
  const secretNamePrefix = text(node, CONTEXT_KEYS.secretNamePrefix);
  if (secretNamePrefix === undefined) {
    throw new Error(
      `context "${CONTEXT_KEYS.secretNamePrefix}" is required: the Secrets Manager name ` +
        'prefix of the ConnectWise secrets, e.g. -c secretNamePrefix=connectwise-usage-publisher/',
    );
  }
  const optional = <K extends keyof UsagePublisherProps>(key: K, value: UsagePublisherProps[K] | undefined) =>
    (value === undefined ? {} : { [key]: value }) as Pick<UsagePublisherProps, K>;
  const timeoutSeconds = wholeNumber(node, CONTEXT_KEYS.timeoutSeconds);
  return {
    stackName: text(node, CONTEXT_KEYS.stackName) ?? DEFAULT_STACK_NAME,
    publisher: {
      secretNamePrefix,
      ...optional('secretsKmsKeyArn', text(node, CONTEXT_KEYS.secretsKmsKeyArn)),
      ...optional('schedule', text(node, CONTEXT_KEYS.schedule)),
      ...optional('scheduleTimezone', text(node, CONTEXT_KEYS.scheduleTimezone)),
      ...optional('scheduleEnabled', flag(node, CONTEXT_KEYS.scheduleEnabled)),
      ...optional('alarmEmail', text(node, CONTEXT_KEYS.alarmEmail)),
      ...optional('logLevel', text(node, CONTEXT_KEYS.logLevel) as LogLevel | undefined),
      ...optional('logRetention', wholeNumber(node, CONTEXT_KEYS.logRetentionDays)),
      ...optional('memorySize', wholeNumber(node, CONTEXT_KEYS.memorySize)),
      ...optional('timeout', timeoutSeconds === undefined ? undefined : Duration.seconds(timeoutSeconds)),
      ...optional('maxParallelAccounts', wholeNumber(node, CONTEXT_KEYS.maxParallelAccounts)),
      ...optional('serializeRuns', flag(node, CONTEXT_KEYS.serializeRuns)),
    },
  };
}
