import { ENVIRONMENT, LOG_LEVELS } from './contract.js';
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

/** One missing or invalid setting, by the environment variable that holds it. */
export interface ConfigProblem {
  readonly variable: string;
  readonly problem: string;
}

export type ConfigCheck = { ok: true; config: RuntimeConfig } | { ok: false; problems: ConfigProblem[] };

const TABLE_VARIABLES = [
  ['accountsTable', ENVIRONMENT.accountsTable],
  ['mappingsTable', ENVIRONMENT.mappingsTable],
  ['usageTable', ENVIRONMENT.usageTable],
  ['ledgerTable', ENVIRONMENT.ledgerTable],
] as const;

/** Checks the whole environment and returns every problem at once, so one fix-up pass is enough. */
export function checkConfig(env: NodeJS.ProcessEnv = process.env): ConfigCheck {
  const problems: ConfigProblem[] = [];
  const logLevel = env.LOG_LEVEL?.trim().toLowerCase() || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push({
      variable: ENVIRONMENT.logLevel,
      problem: `must be one of ${LOG_LEVELS.join(', ')} (got "${env.LOG_LEVEL}")`,
    });
  }
  const tables: Partial<Record<(typeof TABLE_VARIABLES)[number][0], string>> = {};
  for (const [key, variable] of TABLE_VARIABLES) {
    const value = env[variable]?.trim();
    if (value) tables[key] = value;
    else problems.push({ variable, problem: 'is not set' });
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      accountsTable: tables.accountsTable!,
      mappingsTable: tables.mappingsTable!,
      usageTable: tables.usageTable!,
      ledgerTable: tables.ledgerTable!,
      eventBusName: env[ENVIRONMENT.eventBusName]?.trim() || undefined,
      logLevel,
    },
  };
}

export function describeConfigProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `environment variable ${p.variable} ${p.problem}`).join('; ');
}

/** The configuration, or a ConfigurationError naming every missing or invalid variable. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const checked = checkConfig(env);
  if (!checked.ok) throw new ConfigurationError(describeConfigProblems(checked.problems));
  return checked.config;
}
