import { ConfigurationError } from './errors.js';

/** The contract's environment, read once (at cold start for the Lambda) and validated. */
export interface RuntimeConfig {
  readonly accountsTable: string;
  readonly mappingsTable: string;
  readonly usageTable: string;
  readonly ledgerTable: string;
  /** Unset: no events are sent. */
  readonly eventBusName: string | undefined;
  readonly logLevel: string;
}

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigurationError(`environment variable ${name} is not set`);
  return value;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const logLevel = env.LOG_LEVEL?.trim().toLowerCase() || 'info';
  if (!LEVELS.has(logLevel)) {
    throw new ConfigurationError(`LOG_LEVEL must be one of ${[...LEVELS].join(', ')} (got "${env.LOG_LEVEL}")`);
  }
  return {
    accountsTable: required(env, 'ACCOUNTS_TABLE'),
    mappingsTable: required(env, 'MAPPINGS_TABLE'),
    usageTable: required(env, 'USAGE_TABLE'),
    ledgerTable: required(env, 'LEDGER_TABLE'),
    eventBusName: env.EVENT_BUS_NAME?.trim() || undefined,
    logLevel,
  };
}
