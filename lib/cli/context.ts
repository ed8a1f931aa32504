import type { pino} from 'pino';
import { type Logger } from 'pino';
import { readConfig, type RuntimeConfig } from '../config.js';
import { createLogger } from '../logger.js';
import type { InspectionFactory, PublisherDeps } from '../publisher/ports.js';
import {
  connectWiseFactory,
  createAwsClients,
  createPublisherDeps,
  createRepositories,
  type AwsClients,
  type Repositories,
} from '../runtime.js';

/** The publisher's adapters, with a ConnectWise connection that doctor and verify can inspect too. */
export type CliDeps = PublisherDeps & { readonly connectWise: InspectionFactory };

/** Where the CLI writes: stdout for results (tables or --json), stderr for logs and messages. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

/** Exit statuses shared by every command. */
export const EXIT = {
  ok: 0,
  /** The command ran and found or hit a problem (a client failed, a mismatch, a missing setup piece). */
  problems: 1,
  /** Bad command line or input file. */
  usage: 2,
  /** The command could not run at all (configuration, tables, credentials). */
  unavailable: 3,
} as const;

/**
 * Lazily built runtime for a command: configuration and AWS clients are created only when a command
 * needs them, so `--help` and input validation work without any environment.
 */
export class CliContext {
  private cachedConfig: RuntimeConfig | undefined;
  private cachedClients: AwsClients | undefined;
  private cachedLogger: Logger | undefined;

  constructor(
    readonly io: CliIo,
    private readonly overrides: Partial<CliDeps> = {},
  ) {}

  get config(): RuntimeConfig {
    this.cachedConfig ??= readConfig(this.io.env);
    return this.cachedConfig;
  }

  get clients(): AwsClients {
    this.cachedClients ??= createAwsClients();
    return this.cachedClients;
  }

  /** Logs go to stderr so stdout stays machine-readable. */
  get logger(): Logger {
    this.cachedLogger ??= createLogger(this.config.logLevel, {
      write: (line: string) => {
        this.io.stderr.write(line);
      },
    } as pino.DestinationStream);
    return this.cachedLogger;
  }

  repositories(): Repositories {
    return createRepositories(this.config, this.clients);
  }

  publisherDeps(): CliDeps {
    const connectWise = this.overrides.connectWise ?? connectWiseFactory(this.logger);
    return { ...createPublisherDeps(this.config, this.clients, this.logger, this.overrides), connectWise };
  }

  now(): Date {
    return this.overrides.clock?.() ?? new Date();
  }

  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  err(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  json(value: unknown): void {
    this.out(JSON.stringify(value, null, 2));
  }
}
