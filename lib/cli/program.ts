import { Command, CommanderError } from 'commander';
import { InputValidationError, PublisherError, AccountError, ConfigurationError } from '../errors.js';
import { CliContext, EXIT, type CliDeps, type CliIo } from './context.js';
import { registerOperations } from './commands/operations.js';
import { registerPublish } from './commands/publish.js';

export const VERSION = '0.1.0';

/**
 * Runs `cwpub` with `argv` (without node and script) and returns the exit status.
 * Everything is written through `io`, so tests run the real CLI in-process.
 */
export async function runCli(argv: readonly string[], io: CliIo, overrides: Partial<CliDeps> = {}): Promise<number> {
  const ctx = new CliContext(io, overrides);
  let exitCode: number = EXIT.ok;
  const setExit = (code: number) => {
    exitCode = Math.max(exitCode, code);
  };
  const program = new Command('cwpub')
    .description('Publish monthly backup usage to ConnectWise PSA and operate the publisher')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');
  registerPublish(program, ctx, setExit);
  registerOperations(program, ctx, setExit);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return handleError(error, ctx);
  }
}

function handleError(error: unknown, ctx: CliContext): number {
  if (error instanceof CommanderError) {
    // --help and --version end through here with exit code 0.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof InputValidationError || error instanceof AccountError) {
    ctx.err(`cwpub: ${error.message}`);
    return EXIT.usage;
  }
  if (error instanceof ConfigurationError || error instanceof PublisherError) {
    ctx.err(`cwpub: ${error.message}`);
    return EXIT.unavailable;
  }
  ctx.err(`cwpub: unexpected error: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT.unavailable;
}
