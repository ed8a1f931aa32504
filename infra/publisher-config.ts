import { Duration } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { LOG_LEVELS } from '../lib/contract.js';
import type { LogLevel } from '../lib/contract.js';
import { checkMonthlySchedule } from './schedule-check.js';

/** The monthly schedule when none is configured: the 1st at 06:00. */
export const DEFAULT_SCHEDULE = 'cron(0 6 1 * ? *)';
export const DEFAULT_SCHEDULE_TIMEZONE = 'UTC';

/** Accounts published at once by the state machine's Map, unless configured. */
export const DEFAULT_MAX_PARALLEL_ACCOUNTS = 10;
/**
 * Upper bound of `maxParallelAccounts`: an inline Map runs at most 40 iterations at once, and
 * each holds one of the account's Lambda concurrency (1000 by default, 10 in new accounts).
 */
export const MAX_PARALLEL_ACCOUNTS_LIMIT = 40;

export interface UsagePublisherProps {
  /**
   * Name prefix of the Secrets Manager secrets holding ConnectWise credentials. The function
   * may read (`secretsmanager:GetSecretValue`) only secrets whose name starts with it, so every
   * Accounts item's `secretId` must name such a secret. End it with `/` so it is a namespace:
   * `cwpub` would also match `cwpub-database-password`.
   */
  readonly secretNamePrefix: string;

  /**
   * ARN of the customer managed KMS key that encrypts those secrets, if not the AWS managed key
   * `aws/secretsmanager`. The function then gets `kms:Decrypt` on this key, only via Secrets Manager.
   *
   * @default - the secrets use `aws/secretsmanager`, which needs no grant
   */
  readonly secretsKmsKeyArn?: string;

  /**
   * When the monthly publish runs: an EventBridge Scheduler cron expression, evaluated in
   * `scheduleTimezone`. Each run publishes the calendar month before the run's UTC date.
   *
   * @default 'cron(0 6 1 * ? *)' (the 1st of each month at 06:00)
   */
  readonly schedule?: string;

  /**
   * IANA time zone of `schedule`.
   *
   * @default 'UTC'
   */
  readonly scheduleTimezone?: string;

  /**
   * Whether the monthly schedule is enabled (disable it to publish only on demand).
   *
   * @default true
   */
  readonly scheduleEnabled?: boolean;

  /**
   * Email address subscribed to the alarm topic. The address must confirm the subscription.
   *
   * @default - no subscription; subscribe to the topic (stack output `AlarmTopicArn`) yourself
   */
  readonly alarmEmail?: string;

  /**
   * The function's LOG_LEVEL (pino).
   *
   * @default 'info'
   */
  readonly logLevel?: LogLevel;

  /**
   * How long the function's and the state machine's logs are kept.
   *
   * @default logs.RetentionDays.THIRTEEN_MONTHS - a monthly job: keeps the same month of last
   * year for comparison, and the volume (one run a month) costs next to nothing
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Memory of the function, in MB.
   *
   * @default 512 - the run is I/O-bound (DynamoDB, ConnectWise) and needs far less memory, but
   * Lambda allots CPU in proportion to memory, and loading the bundle at cold start and parsing
   * ConnectWise's 1000-item pages are CPU work that takes half as long as at 256 MB, for a job
   * that runs a few minutes a month
   */
  readonly memorySize?: number;

  /**
   * Timeout of the function.
   *
   * @default Duration.minutes(15) - an invocation publishes one account, or as much of it as
   * fits before the timeout, and the state machine invokes again for the rest; longer
   * invocations need fewer continuations. Billing is for the time used, not the timeout
   */
  readonly timeout?: Duration;

  /**
   * How many accounts the state machine publishes at once (the Map state's MaxConcurrency), 1 to 40.
   * Each account runs in its own Lambda invocations, so this is also the function's peak
   * concurrency during a run; accounts are separate ConnectWise sites with their own rate limits.
   *
   * @default 10
   */
  readonly maxParallelAccounts?: number;

  /**
   * No longer used: "one run per account at a time" is the function's own per-account run lock
   * (contract v2), and accounts are published in parallel. Setting it only adds a synth-time warning.
   *
   * @deprecated remove it from cdk.json and `-c`
   */
  readonly serializeRuns?: boolean;
}

/** The props after validation, defaults filled in. */
export interface PublisherConfig {
  readonly secretNamePrefix: string;
  readonly secretsKmsKeyArn: string | undefined;
  readonly schedule: string;
  readonly scheduleTimezone: string;
  readonly scheduleEnabled: boolean;
  readonly alarmEmail: string | undefined;
  readonly logLevel: LogLevel;
  readonly logRetention: logs.RetentionDays;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly maxParallelAccounts: number;
  /** The deprecated `serializeRuns` was set (and is ignored). */
  readonly serializeRunsGiven: boolean;
}

const SECRET_NAME_PREFIX = /^[A-Za-z0-9/_+=.@-]{1,256}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** Validates the props before any resource exists, with messages that name the prop, and fills in the defaults. */
export function validateProps(props: UsagePublisherProps): PublisherConfig {
  if (!SECRET_NAME_PREFIX.test(props.secretNamePrefix)) {
    throw new Error(
      `secretNamePrefix must be 1-256 characters from A-Z a-z 0-9 / _ + = . @ - (no wildcards) (got "${props.secretNamePrefix}")`,
    );
  }
  if (props.secretsKmsKeyArn !== undefined && !KMS_KEY_ARN.test(props.secretsKmsKeyArn)) {
    throw new Error(
      `secretsKmsKeyArn must be a KMS key ARN, arn:aws:kms:<region>:<account>:key/<id> (got "${props.secretsKmsKeyArn}")`,
    );
  }
  const schedule = props.schedule ?? DEFAULT_SCHEDULE;
  const scheduleTimezone = props.scheduleTimezone ?? DEFAULT_SCHEDULE_TIMEZONE;
  checkMonthlySchedule(schedule, scheduleTimezone);
  if (props.alarmEmail !== undefined && !EMAIL.test(props.alarmEmail)) {
    throw new Error(`alarmEmail must be an email address (got "${props.alarmEmail}")`);
  }
  const logLevel = props.logLevel ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new Error(`logLevel must be one of ${LOG_LEVELS.join(', ')} (got "${String(logLevel)}")`);
  }
  const logRetention = props.logRetention ?? logs.RetentionDays.THIRTEEN_MONTHS;
  if (!Object.values(logs.RetentionDays).includes(logRetention)) {
    throw new Error(
      `logRetention must be one of CloudWatch Logs' retention periods in days (got ${String(logRetention)})`,
    );
  }
  const memorySize = props.memorySize ?? 512;
  if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10240) {
    throw new Error(`memorySize must be a whole number of MB from 128 to 10240 (got ${memorySize})`);
  }
  const timeout = props.timeout ?? Duration.minutes(15);
  const timeoutSeconds = timeout.toSeconds();
  if (timeoutSeconds < 30 || timeoutSeconds > 900) {
    throw new Error(`timeout must be from 30 seconds to 15 minutes (got ${timeoutSeconds} seconds)`);
  }
  const maxParallelAccounts = props.maxParallelAccounts ?? DEFAULT_MAX_PARALLEL_ACCOUNTS;
  if (
    !Number.isInteger(maxParallelAccounts) ||
    maxParallelAccounts < 1 ||
    maxParallelAccounts > MAX_PARALLEL_ACCOUNTS_LIMIT
  ) {
    throw new Error(
      `maxParallelAccounts must be a whole number from 1 to ${MAX_PARALLEL_ACCOUNTS_LIMIT} (got ${maxParallelAccounts})`,
    );
  }
  return {
    secretNamePrefix: props.secretNamePrefix,
    secretsKmsKeyArn: props.secretsKmsKeyArn,
    schedule,
    scheduleTimezone,
    scheduleEnabled: props.scheduleEnabled ?? true,
    alarmEmail: props.alarmEmail,
    logLevel,
    logRetention,
    memorySize,
    timeout,
    maxParallelAccounts,
    serializeRunsGiven: props.serializeRuns !== undefined,
  };
}
