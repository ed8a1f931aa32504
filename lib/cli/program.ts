import { Command, CommanderError, Option } from 'commander';
import { AccountError, ConfigurationError, InputValidationError, PublisherError, describeError } from '../errors.js';
import { CliContext, EXIT, type CliIo, type CliOverrides, type GlobalOptions } from './context.js';
import { registerBilling } from './commands/billing.js';
import { registerOperations } from './commands/operations.js';
import { registerPublish } from './commands/publish.js';
import { registerRuns } from './commands/runs.js';
import { registerUi } from './commands/ui.js';

/** Kept equal to package.json's version (a test checks). */
export const VERSION = '0.1.0';

const HELP_AFTER = `
Settings (environment variables; the Lambda uses the same ones):
  ACCOUNTS_TABLE, MAPPINGS_TABLE, USAGE_TABLE, LEDGER_TABLE   the DynamoDB tables (required)
  EVENT_BUS_NAME     EventBridge bus for run events (optional; unset = no events)
  LOG_LEVEL          warn (the CLI's default), info, debug, ... ; --verbose = info
  AWS_REGION, AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY   the usual AWS settings
  NO_COLOR           no colour (also --no-color); COLUMNS sets the table width for pipes
  The table names and the bus are outputs of the deployed stack: --stack NAME reads them from
  CloudFormation, so --stack and a profile are all the settings cwpub needs.

Examples:
  cwpub --stack ConnectwiseUsagePublisher --profile billing accounts list
  cwpub doctor --account acme
  cwpub publish --dry-run                     every enabled account, last month, nothing written
  cwpub publish --account acme --period 2026-10
  cwpub verify --account acme                 does ConnectWise hold what was published (last month)?
  cwpub billing --client contoso --period 2026-10   what was billed, on which configuration, and when
  cwpub runs --account acme --limit 5
  cwpub mappings import clients.csv --dry-run

Exit status:
  0  done, nothing wrong
  1  done, but something failed or does not match (a client failed, verify found a mismatch, ...)
  2  nothing was done: bad command line or input file, or a change that was not confirmed
  3  cwpub could not run: settings, credentials, tables or ConnectWise unreachable
`;

/**
 * Runs `cwpub` with `argv` (without node and script) and returns the exit status.
 * Everything is written through `io`, so tests run the real CLI in-process.
 */
export async function runCli(argv: readonly string[], io: CliIo, overrides: CliOverrides = {}): Promise<number> {
  const ctx = new CliContext(io, overrides);
  let exitCode: number = EXIT.ok;
  const setExit = (code: number) => {
    exitCode = Math.max(exitCode, code);
  };
  const program = new Command('cwpub')
    .description('Publish monthly backup usage to ConnectWise PSA and operate the publisher')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--stack <name>', "read the table names and the bus from this CloudFormation stack's outputs")
    .option('--region <region>', "AWS region (default: AWS_REGION or the profile's region)")
    .option('--profile <name>', 'AWS profile (default: AWS_PROFILE)')
    .option('-v, --verbose', 'log progress (info level) on stderr')
    .option('--log-json', "log JSON lines (the Lambda's format) instead of readable lines")
    .addOption(new Option('--no-color', 'no colour (also NO_COLOR=1)'))
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .configureHelp({
      helpWidth: io.stdout.columns && io.stdout.isTTY ? io.stdout.columns : 100,
      showGlobalOptions: true,
    })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', HELP_AFTER)
    .hook('preAction', (_root, action) => {
      ctx.globals = action.optsWithGlobals<GlobalOptions>();
    });
  registerPublish(program, ctx, setExit);
  registerRuns(program, ctx, setExit);
  registerBilling(program, ctx, setExit);
  registerOperations(program, ctx, setExit);
  registerUi(program, ctx, setExit);

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return handleError(error, ctx);
  } finally {
    ctx.endProgress();
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
    ctx.err(error.message.startsWith('cwpub') ? error.message : `cwpub: ${error.message}`);
    return EXIT.unavailable;
  }
  ctx.err(`cwpub: unexpected error: ${describeError(error)}`);
  return EXIT.unavailable;
}
