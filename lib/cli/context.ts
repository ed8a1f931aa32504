import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { checkConfig, type ConfigProblem, type RuntimeConfig } from '../config.js';
import { ENVIRONMENT } from '../contract.js';
import { ConfigurationError, describeError, InputValidationError } from '../errors.js';
import { createLineLogger, createLogger } from '../logger.js';
import { ProgressBoard, type Progress } from './progress.js';
import type { InspectionFactory, PublisherDeps } from '../publisher/ports/index.js';
import {
  connectWiseFactory,
  createAwsClients,
  createPublisherDeps,
  createRepositories,
  type AwsClients,
  type Repositories,
} from '../runtime.js';
import {
  credentialSources,
  CREDENTIALS_HELP,
  describeSetupProblems,
  REGION_HELP,
  type AwsSelection,
} from './environment.js';
import { readStackSettings } from './stack-outputs.js';
import { displayFor, fitLines, type Display, type OutStream } from './terminal.js';

/** The publisher's adapters, with a ConnectWise connection that doctor and verify can inspect too. */
export type CliDeps = PublisherDeps & { readonly connectWise: InspectionFactory };

/** What tests (and only tests) replace: the adapters, and the AWS clients. */
export type CliOverrides = Partial<CliDeps> & { readonly awsClients?: AwsClients };

/** Where the CLI reads and writes: stdout for results (tables or --json), stderr for logs, prompts and messages. */
export interface CliIo {
  readonly stdin?: (NodeJS.ReadableStream & { isTTY?: boolean }) | undefined;
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly env: NodeJS.ProcessEnv;
}

/** The options every command takes (they come before or after the command name). */
export interface GlobalOptions extends AwsSelection {
  readonly verbose?: boolean;
  readonly logJson?: boolean;
  /** False with --no-color. */
  readonly color?: boolean;
}

/** Exit statuses shared by every command. */
export const EXIT = {
  ok: 0,
  /** The command ran and found or hit a problem (a client failed, a mismatch, a missing setup piece). */
  problems: 1,
  /** Nothing was done: bad command line or input file, or a change that was not confirmed. */
  usage: 2,
  /** The command could not run at all (settings, tables, credentials). */
  unavailable: 3,
} as const;

/**
 * Lazily built runtime for a command: settings and AWS clients are checked and created only when a
 * command needs them, so `--help` and input validation work without any environment.
 */
export class CliContext {
  globals: GlobalOptions = {};
  private aws: Promise<{ config: RuntimeConfig; clients: AwsClients }> | undefined;
  private cachedLogger: Logger | undefined;
  private board: ProgressBoard | undefined;

  constructor(
    readonly io: CliIo,
    private readonly overrides: CliOverrides = {},
  ) {}

  /** stdout's width and colour. */
  get display(): Display {
    return displayFor(this.io.stdout, this.io.env, { noColor: this.globals.color === false });
  }

  /** stderr's (messages, logs). */
  get errDisplay(): Display {
    return displayFor(this.io.stderr, this.io.env, { noColor: this.globals.color === false });
  }

  /**
   * Logs go to stderr so stdout stays machine-readable: one readable line per record, warnings and
   * errors only unless --verbose or LOG_LEVEL asks for more; --log-json gives the Lambda's JSON lines.
   */
  get logger(): Logger {
    if (this.cachedLogger) return this.cachedLogger;
    const configured = this.io.env.LOG_LEVEL?.trim().toLowerCase();
    const level = this.globals.verbose
      ? configured === 'debug' || configured === 'trace'
        ? configured
        : 'info'
      : configured || 'warn';
    const write = (line: string) => (this.board ? this.board.log(line) : this.io.stderr.write(line));
    const { c, color } = this.errDisplay;
    this.cachedLogger = this.globals.logJson
      ? createLogger(level, { write } as unknown as Parameters<typeof createLogger>[1])
      : createLineLogger(level, write, (word, text) =>
          !color
            ? text
            : word === 'warning'
              ? c.yellow(text)
              : word === 'error' || word === 'fatal'
                ? c.red(text)
                : c.dim(text),
        );
    return this.cachedLogger;
  }

  /** The progress display for this command (bars on a terminal unless --json); logs print above it. */
  progressBoard(json: boolean | undefined): ProgressBoard {
    this.board?.stop();
    this.board = new ProgressBoard(this.io.stderr, !json && this.io.stderr.isTTY === true);
    return this.board;
  }

  progress(json: boolean | undefined): Progress {
    return this.progressBoard(json).port();
  }

  /** Clears any bars before the result is printed. */
  endProgress(): void {
    this.board?.stop();
  }

  /** Settings and AWS clients, checked once: every missing or invalid setting is reported in one message. */
  settings(): Promise<{ config: RuntimeConfig; clients: AwsClients }> {
    this.aws ??= this.prepareAws();
    return this.aws;
  }

  private async prepareAws(): Promise<{ config: RuntimeConfig; clients: AwsClients }> {
    // The SDK warns on every process about Node versions it will drop in the future; the operator
    // can do nothing about it in the middle of a command (the project's engines field says Node 20).
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const { region, profile, stack } = this.globals;
    const env = this.io.env;
    const problems: ConfigProblem[] = [];
    const fromEnv = checkConfig(env);
    const tableProblems = fromEnv.ok ? [] : fromEnv.problems;
    // With --stack, the table names come from the stack: only a bad LOG_LEVEL still counts.
    problems.push(...(stack ? tableProblems.filter((p) => p.variable === ENVIRONMENT.logLevel) : tableProblems));

    const clients = this.overrides.awsClients ?? createAwsClients({ region, profile });
    try {
      await clients.dynamodb.config.region();
    } catch {
      problems.push({ variable: 'AWS region', problem: `is not set: ${REGION_HELP}` });
    }
    const sources = credentialSources(env, this.globals);
    if (sources.length === 0 && problems.length > 0) {
      // Probing the EC2 instance role takes seconds; with other settings missing it is not worth it.
      problems.push({
        variable: 'AWS credentials',
        problem: `none found in the environment, a profile or ~/.aws: ${CREDENTIALS_HELP}`,
      });
    } else {
      try {
        await clients.dynamodb.config.credentials();
      } catch (error) {
        problems.push({
          variable: 'AWS credentials',
          problem: sources.length
            ? `could not be loaded from ${sources.join(', ')} (${describeError(error)}): ${CREDENTIALS_HELP}`
            : `none found: ${CREDENTIALS_HELP}`,
        });
      }
    }
    if (problems.length > 0) throw new ConfigurationError(describeSetupProblems(problems, this.globals));

    let settingsEnv = env;
    if (stack) {
      // Loaded only for --stack: every other command starts without it.
      const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
      const cloudFormation = new CloudFormationClient({
        ...(region ? { region } : {}),
        ...(profile ? { profile } : {}),
      });
      try {
        settingsEnv = { ...env, ...(await readStackSettings(stack, cloudFormation)) };
      } finally {
        cloudFormation.destroy();
      }
    }
    const checked = checkConfig(settingsEnv);
    if (!checked.ok) throw new ConfigurationError(describeSetupProblems(checked.problems, this.globals));
    return { config: checked.config, clients };
  }

  async repositories(): Promise<Repositories> {
    const { config, clients } = await this.settings();
    return createRepositories(config, clients);
  }

  async publisherDeps(): Promise<CliDeps> {
    const { config, clients } = await this.settings();
    const connectWise = this.overrides.connectWise ?? connectWiseFactory(this.logger);
    return { ...createPublisherDeps(config, clients, this.logger, this.overrides), connectWise };
  }

  now(): Date {
    return this.overrides.clock?.() ?? new Date();
  }

  /**
   * A result for stdout. On a terminal (or with COLUMNS) every line is kept within the width: tables
   * fit themselves, and any longer line (a heading naming a long path, a message) wraps. CSV goes
   * through `data` and JSON through `json`: never wrapped.
   */
  out(text: string): void {
    this.endProgress();
    const fitted = fitLines(text, this.display.width);
    this.io.stdout.write(fitted.endsWith('\n') ? fitted : `${fitted}\n`);
  }

  /** Data for stdout (CSV), written as it is: never wrapped. */
  data(text: string): void {
    this.endProgress();
    this.io.stdout.write(text);
  }

  /** A message for stderr, wrapped to its width like `out`. */
  err(text: string): void {
    this.endProgress();
    const fitted = fitLines(text, this.errDisplay.width);
    this.io.stderr.write(fitted.endsWith('\n') ? fitted : `${fitted}\n`);
  }

  json(value: unknown): void {
    this.endProgress();
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** True when a person can be asked: stdin and stderr are a terminal. */
  get interactive(): boolean {
    return this.io.stdin?.isTTY === true && this.io.stderr.isTTY === true;
  }

  /**
   * Asks before a destructive or billing-changing step. `--yes` answers for scripts; without a
   * terminal to ask on and without --yes, the command is refused (exit 2) with what to do.
   */
  async confirm(question: string, options: { yes?: boolean | undefined; refusal: string }): Promise<void> {
    if (options.yes) return;
    if (!this.interactive) {
      throw new InputValidationError(
        `${options.refusal}: there is no terminal to confirm on; re-run with --yes to go ahead`,
        { field: '--yes' },
      );
    }
    if (!(await this.ask(question))) {
      throw new InputValidationError('not confirmed; nothing was changed', { field: '--yes' });
    }
  }

  /**
   * Asks a yes/no question on the terminal (stderr); anything but y/yes is no, so is Ctrl-D. The
   * terminal stays in its normal (cooked) mode: it echoes and edits the line, and Ctrl-C stops cwpub
   * before anything is written.
   */
  async ask(question: string): Promise<boolean> {
    this.endProgress();
    const stdin = this.io.stdin;
    if (!stdin) return false;
    const { c, color } = this.errDisplay;
    // The question wraps like any message; the answer is typed after [y/N] on its last line.
    const lines = fitLines(`${question} [y/N]`, this.errDisplay.width).split('\n');
    const asked = lines.map((line) => (color ? c.bold(line) : line)).join('\n');
    this.io.stderr.write(`${asked} `);
    const rl = createInterface({ input: stdin, terminal: false });
    return new Promise<boolean>((resolve) => {
      let answered = false;
      const finish = (yes: boolean) => {
        if (answered) return;
        answered = true;
        rl.close();
        resolve(yes);
      };
      rl.once('line', (answer) => finish(/^\s*y(es)?\s*$/i.test(answer)));
      rl.once('close', () => {
        if (answered) return;
        this.io.stderr.write('\n');
        finish(false);
      });
    });
  }
}
