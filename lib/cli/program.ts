import { Command, CommanderError, Option } from 'commander';
import { AccountError, ConfigurationError, InputValidationError, PublisherError, describeError } from '../errors.js';
import { CliContext, EXIT, type CliIo, type CliOverrides, type GlobalOptions } from './context.js';
import { registerBilling } from './commands/billing.js';
import { registerOperations } from './commands/operations.js';
import { registerPublish } from './commands/publish.js';
import { registerRuns } from './commands/runs.js';
import { registerUi } from './commands/ui.js';
import { addAllExamples, widthOf, wrap } from './help.js';
import { fitLines } from './terminal.js';

/** Kept equal to package.json's version (a test checks). */
export const VERSION = '0.1.0';

const HELP_AFTER = `
Settings (environment variables; the Lambda uses the same ones):
  ACCOUNTS_TABLE, MAPPINGS_TABLE, USAGE_TABLE, LEDGER_TABLE
                     the DynamoDB tables (required)
  EVENT_BUS_NAME     EventBridge bus for run events (optional; unset = no events)
  LOG_LEVEL          warn (the CLI's default), info, debug, ... ; --verbose = info
  AWS_REGION, AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
                     the usual AWS settings
  NO_COLOR           no colour (also --no-color)
  COLUMNS            the output's width when it is not a terminal
  The table names and the bus are outputs of the deployed stack: --stack NAME
  reads them from CloudFormation, so --stack and a profile are all it needs.

Examples:
  cwpub --stack ConnectwiseUsagePublisher --profile billing accounts list
  cwpub doctor --account acme
  cwpub publish --dry-run           every enabled account, last month, no writes
  cwpub publish --account acme --period 2026-10
  cwpub verify --account acme       does ConnectWise hold what was published?
  cwpub billing --client contoso --period 2026-10
  cwpub runs --account acme --limit 5
  cwpub mappings import clients.csv --dry-run

Exit status:
  0  done, nothing wrong
  1  done, but something failed or does not match (a client failed, ...)
  2  nothing was done: bad command line or input file, or not confirmed
  3  cwpub could not run: settings, credentials, tables or ConnectWise
     unreachable

Run without arguments (or a command group alone), cwpub prints this help and
exits 0.
`;

/** The root help's text after the options, each line kept within the help's width. */
function rootHelpAfter(context: { command: Command }): string {
  const width = widthOf(context.command);
  return HELP_AFTER.split('\n')
    .map((line) => wrap(line.trimStart(), width, line.slice(0, line.length - line.trimStart().length), '     '))
    .join('\n');
}

/**
 * Builds the `cwpub` command tree writing through `ctx` (tests walk it: every sub-command's help has an
 * example and fits the width). `setExit` collects the exit status the actions set.
 */
export function buildProgram(ctx: CliContext, setExit: (code: number) => void): Command {
  const io = ctx.io;
  const program = new Command('cwpub')
    .description('Publish monthly backup usage to ConnectWise PSA and operate the publisher')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--stack <name>', "read the table names and the bus from this CloudFormation stack's outputs")
    .option('--region <region>', "AWS region (default: AWS_REGION or the profile's region)")
    .option('--profile <name>', 'AWS profile (default: AWS_PROFILE)')
    .option('-v, --verbose', 'log progress (info level) on stderr')
    .option('--log-json', "log JSON lines (the Lambda's format) instead of readable lines")
    .addOption(new Option('--no-color', 'no colour (also NO_COLOR=1)'))
    .addHelpText('after', rootHelpAfter)
    .hook('preAction', (_root, action) => {
      ctx.globals = action.optsWithGlobals<GlobalOptions>();
    });
  registerPublish(program, ctx, setExit);
  registerRuns(program, ctx, setExit);
  registerBilling(program, ctx, setExit);
  registerOperations(program, ctx, setExit);
  registerUi(program, ctx, setExit);
  addAllExamples(program);
  const width = helpWidth(io);
  forEachCommand(program, (command) =>
    command
      .exitOverride()
      .configureOutput({
        writeOut: (text) => io.stdout.write(text),
        writeErr: (text) => io.stderr.write(text),
        // One prefix for every error, commander's included (it says `error:`).
        outputError: (text, write) => write(fitLines(text.replace(/^error: /, 'cwpub: '), ctx.errDisplay.width)),
      })
      .configureHelp({ helpWidth: width, showGlobalOptions: true })
      .showHelpAfterError('(run with --help for usage)')
      .showSuggestionAfterError(true),
  );
  return program;
}

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
  const program = buildProgram(ctx, setExit);
  try {
    // Bare `cwpub` (or a command group alone, `cwpub mappings`) asks what there is: help on stdout, exit 0,
    // as `gh` and `kubectl` do.
    const group = commandGroup(program, argv);
    if (group) {
      group.outputHelp();
      return EXIT.ok;
    }
    reportUnknownOptionsFirst(program, argv);
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return handleError(error, ctx);
  } finally {
    ctx.endProgress();
  }
}

/** Help's width: the terminal's, else 100 columns (the README's and the tests' width). */
function helpWidth(io: CliIo): number {
  return io.stdout.isTTY && io.stdout.columns ? io.stdout.columns : 100;
}

export function forEachCommand(command: Command, visit: (command: Command) => void): void {
  visit(command);
  for (const sub of command.commands) forEachCommand(sub, visit);
}

/** The command `argv` names when it is only command names leading to a group of sub-commands. */
function commandGroup(program: Command, argv: readonly string[]): Command | undefined {
  let command = program;
  for (const word of argv) {
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) return undefined;
    command = sub;
  }
  return command.commands.length > 0 ? command : undefined;
}

/**
 * commander checks required options before unknown ones, so `--acount x` was reported as `--account`
 * missing. When the command line holds an option the command does not know, its required options are
 * relaxed for this parse: commander then names the unknown option, with its "Did you mean" suggestion.
 */
function reportUnknownOptionsFirst(program: Command, argv: readonly string[]): void {
  let command = program;
  for (const word of argv) {
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub) command = sub;
  }
  const known = new Set(['--help', '-h']);
  for (let c: Command | null = command; c; c = c.parent) {
    for (const option of c.options) {
      if (option.long) known.add(option.long);
      if (option.short) known.add(option.short);
    }
  }
  const flags = argv.filter((a) => a.startsWith('--') && a !== '--').map((a) => a.split('=')[0]!);
  if (flags.some((flag) => !known.has(flag))) for (const option of command.options) option.mandatory = false;
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
