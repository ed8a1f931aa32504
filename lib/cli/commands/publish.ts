import { InvalidArgumentError, Option, type Command } from 'commander';
import { CLIENT_STATUSES, CLIENT_STATUS_NAMES, HELD_RETIREMENT_PREFIX, type ClientStatus } from '../../contract.js';
import { runFailed, runPublish, type PublishRun } from '../../publisher/run-publish.js';
import { cliSwitches, RUN_OPTIONS, type RunOptions } from '../../records/run-options.js';
import type { AccountSummary, ClientResult, RunSummary } from '../../publisher/ports/index.js';
import { renderColumns, type Column } from '../columns.js';
import { EXIT, type CliContext } from '../context.js';
import {
  count,
  plural,
  foldNote,
  formatGb,
  listingOptions,
  statusesToList,
  wrapText,
  type ListingOptions,
} from '../listing.js';
import { addProse } from '../help.js';
import { keyArgument } from '../keys.js';
import type { Colors, Display } from '../terminal.js';

export interface PublishOptions extends ListingOptions, RunOptions {
  account?: string;
  period?: string;
  client: string[];
  json?: boolean;
  yes?: boolean;
  parallel: number;
}

/** What a run lists by default: failures and changes. Unchanged and skipped clients are counted. */
const LISTED: readonly ClientStatus[] = ['failed', 'retired', 'published', 'planned'];

/** The hook the core calls after planning an account and before any write, when retirements are planned. */
export type ConfirmRetirements = NonNullable<PublishRun['confirmRetirements']>;

export function registerPublish(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  const command = program
    .command('publish')
    .description('publish billable space to ConnectWise (the same run as the Lambda), then trigger the Management sync')
    .option(
      '--account <id>',
      'only this account (default: every enabled account, in parallel)',
      keyArgument('--account'),
    )
    .option('--period <YYYY-MM>', RUN_OPTIONS.period.help)
    .addOption(
      new Option('--client <id>', 'only this client (repeatable)')
        .argParser((value: string, previous: string[] = []) => [...previous, keyArgument('--client')(value)])
        .default([]),
    )
    .option('--json', 'print the run summary as JSON on stdout')
    .option('-y, --yes', 'do not ask before stopping billing for clients (for scripts)')
    .addOption(
      new Option('--parallel <n>', 'accounts published at once').default(4).argParser(positiveInt('--parallel', 32)),
    );
  // --dry-run, --allow-*, --rescan: one per run option the CLI may set (lib/records/run-options.ts).
  for (const { flag, help } of cliSwitches()) command.option(flag, help);
  for (const option of listingOptions(CLIENT_STATUS_NAMES)) command.addOption(option);
  addProse(
    command,
    `Without --dry-run, a run that would stop billing clients (retire their configurations) asks first on a
terminal; --yes answers for it. Without a terminal (cron, CI, a pipe) there is nobody to ask: the run
proceeds like the scheduled Lambda, and the mass-retirement guard still holds mass retirements.`,
  );
  command.action(async (options: PublishOptions) => {
    const listed = statusesToList(options, CLIENT_STATUS_NAMES, LISTED);
    const deps = await ctx.publisherDeps();
    const board = ctx.progressBoard(options.json);
    const refused: string[] = [];
    const summary = await runPublish(
      {
        accountId: options.account,
        period: options.period,
        clientIds: options.client.length ? options.client : undefined,
        ...Object.fromEntries(cliSwitches().map(({ name }) => [name, options[name]])),
        maxParallelAccounts: options.parallel,
        confirmRetirements: retirementPrompt(ctx, options, refused),
      },
      { ...deps, progress: (accountId: string) => board.port(accountId) },
    );
    ctx.endProgress();
    if (options.json) ctx.json(summary);
    else ctx.out(renderSummary(summary, ctx.display, listed, Boolean(options.all || options.status?.length)));
    for (const line of refused) ctx.err(line);
    setExit(runFailed(summary) ? EXIT.problems : EXIT.ok);
    if (refused.length > 0) setExit(EXIT.usage);
  });
}

/**
 * The terminal prompt before retirements: lists what would stop being billed and asks. Prompts of
 * accounts published in parallel are asked one after the other. --yes answers yes. Without a terminal
 * (cron, CI, a pipeline) there is nobody to ask: the run proceeds like the scheduled Lambda (the
 * contract's `cwpub publish` is the same run), the mass-retirement guard still holding mass retirements.
 */
export function retirementPrompt(
  ctx: CliContext,
  options: { yes?: boolean; json?: boolean },
  refused: string[],
): ConfirmRetirements {
  let queue: Promise<unknown> = Promise.resolve();
  return async ({ accountId, period, retirements }) => {
    if (options.yes || !ctx.interactive) return true;
    const ask = queue.then(async () => {
      const display = ctx.errDisplay;
      const rows = [...retirements].sort((a, b) => a.clientId.localeCompare(b.clientId));
      ctx.err(
        `\nAccount ${accountId}, ${period}: this run would STOP billing ${count(rows.length)} client(s):\n` +
          renderColumns(
            [
              { header: 'CLIENT', value: (r: ClientResult) => r.clientId, fit: 'middle' },
              { header: 'MANAGED ID', value: (r) => r.managedId, fit: 'middle' },
              { header: 'WHY', value: (r) => reasonText(r.reason ?? ''), fit: 'wrap' },
            ],
            rows.slice(0, 50),
            display,
          ) +
          (rows.length > 50 ? `\n… and ${count(rows.length - 50)} more (see --dry-run --status planned)` : ''),
      );
      const yes = await ctx.ask(`Stop billing ${count(rows.length)} client(s) of account ${accountId}?`);
      if (!yes)
        refused.push(
          `cwpub: account ${accountId}: not published (stopping billing was not confirmed); nothing was written for it.`,
        );
      return yes;
    });
    queue = ask.catch(() => undefined);
    return ask;
  };
}

/** What a client's outcome says, in words (CLIENT_STATUSES.words, and the planned action). */
export function outcomeWords(r: ClientResult): string {
  // With an included allowance the billed GB differs from the usage: say both (contract v3).
  const usage = r.usageGb !== undefined && r.usageGb !== r.billableSpaceGb ? ` (usage ${formatGb(r.usageGb)} GB)` : '';
  const gb = r.billableSpaceGb === undefined ? '' : ` ${formatGb(r.billableSpaceGb)} GB${usage}`;
  const reason = r.reason ? `: ${reasonText(r.reason)}` : '';
  const retired = r.retiredConfigurationIds?.length
    ? ` (configuration${r.retiredConfigurationIds.length > 1 ? 's' : ''} ${r.retiredConfigurationIds.join(', ')})`
    : '';
  if (isHeld(r)) return `${CLIENT_STATUSES.failed.words}: retirement held (see the account's message)`;
  switch (r.status) {
    case 'planned':
      return r.action === 'retire'
        ? `would STOP billing${reason}${retired}`
        : // The core's reason already names the configurations a move or a duplicate would retire.
          `would publish${gb}${reason || (retired ? `; would stop billing${retired}` : '')}`;
    case 'published':
      return `${CLIENT_STATUSES.published.words}${gb}${reason || (retired ? `; billing stopped on the old${retired}` : '')}`;
    case 'unchanged':
      return `${CLIENT_STATUSES.unchanged.words}${gb ? ` (${gb.trim()})` : ''}`;
    case 'retired':
      return `${CLIENT_STATUSES.retired.words}${reason}${retired}`;
    default:
      return `${CLIENT_STATUSES[r.status]?.words ?? r.status}${reason}`;
  }
}

/** The core's reasons may already start with what the outcome words say ("billing stopped: …"). */
export function reasonText(reason: string): string {
  return reason.replace(/^(billing stopped|would stop billing|stopped billing)\s*(\(retired\))?\s*:\s*/i, '');
}

export function styleStatus(status: string, text: string, c: Colors, action?: string): string {
  switch (status) {
    case 'failed':
      return c.red(c.bold(text));
    case 'retired':
      return c.magenta(text);
    case 'published':
      return c.green(text);
    case 'planned':
      return action === 'retire' ? c.magenta(text) : c.cyan(text);
    case 'unchanged':
    case 'skipped':
      return c.dim(text);
    default:
      return text;
  }
}

const ORDER = (r: ClientResult): number => CLIENT_STATUSES[r.status]?.eventOrder * 10 + (r.action === 'retire' ? 0 : 1);

/** A client whose retirement the mass-retirement guard held: said once per account, then folded. */
export function isHeld(r: ClientResult): boolean {
  return r.status === 'failed' && (r.reason?.startsWith(HELD_RETIREMENT_PREFIX) ?? false);
}

/**
 * The account's one message about held retirements (the guard's reason is the same for every held
 * client: at 2,000 clients it would otherwise be thousands of lines).
 */
function heldMessage(results: readonly ClientResult[]): string | undefined {
  const held = results.filter(isHeld);
  if (held.length === 0) return undefined;
  const why = held[0]!
    .reason!.slice(HELD_RETIREMENT_PREFIX.length)
    .trim()
    .replace(/ for this client\b/, '');
  return `Retirement held for ${plural(held.length, 'client')}: ${why}`;
}

/**
 * Counts first (failures first), then the listed clients: failures, then what changed. Clients whose
 * retirement was held are one message per account and counted, listed only with `listHeld` (--all,
 * --status).
 */
export function renderSummary(
  summary: RunSummary,
  display: Display,
  listed: ReadonlySet<string> = new Set(LISTED),
  listHeld = false,
): string {
  const { c } = display;
  const lines = [
    wrapText(
      `Run ${summary.runId} · period ${summary.period}${summary.dryRun ? ' · DRY RUN: nothing was written' : ''}`,
      display,
    ),
  ];
  if (summary.accounts.length === 0) lines.push('No enabled accounts.');
  const columns: Column<ClientResult>[] = [
    { header: 'CLIENT', value: (r) => r.clientId, fit: 'middle', minWidth: 12 },
    { header: 'MANAGED ID', value: (r) => r.managedId, fit: 'middle', minWidth: 12 },
    { header: 'COMPANY', value: (r) => r.companyIdentifier, fit: 'truncate', minWidth: 10 },
    {
      header: 'OUTCOME',
      value: outcomeWords,
      fit: 'wrap',
      minWidth: 24,
      style: (text, r) => styleStatus(r.status, text, c, r.action),
    },
  ];
  for (const account of summary.accounts) {
    lines.push('', wrapText(accountHeading(account, summary.dryRun, display), display));
    if (account.error)
      lines.push(wrapText(display.color ? c.red(`error: ${account.error}`) : `error: ${account.error}`, display));
    const held = heldMessage(account.results);
    if (held) lines.push(wrapText(display.color ? c.red(held) : held, display));
    const shown = account.results
      .filter((r) => listed.has(r.status) && (listHeld || !isHeld(r)))
      .sort((a, b) => ORDER(a) - ORDER(b) || a.clientId.localeCompare(b.clientId));
    if (shown.length > 0) lines.push(renderColumns(columns, shown, display));
    const foldedHeld = listHeld || !listed.has('failed') ? 0 : account.results.filter(isHeld).length;
    const hidden = [
      ...(foldedHeld ? [{ status: 'failed', count: foldedHeld, words: 'held retirements' }] : []),
      ...[...CLIENT_STATUS_NAMES]
        .sort((a, b) => CLIENT_STATUSES[a].eventOrder - CLIENT_STATUSES[b].eventOrder)
        .filter((s) => !listed.has(s))
        .map((status) => ({
          status,
          count: account.results.filter((r) => r.status === status).length,
          words: status === 'skipped' ? skippedWords(account.results) : CLIENT_STATUSES[status].words,
        })),
    ];
    const note = foldNote(hidden);
    if (note) lines.push(wrapText(display.color ? c.dim(note) : note, display));
  }
  if (summary.accounts.length > 1) {
    const failed = summary.accounts.filter((a) => a.failed > 0 || a.sync === 'failed' || a.error !== undefined).length;
    lines.push(
      '',
      `${count(summary.accounts.length)} accounts: ` +
        `${count(summary.accounts.length - failed)} without failures, ${count(failed)} with failures`,
    );
  }
  return lines.join('\n');
}

function accountHeading(account: AccountSummary, dryRun: boolean, display: Display): string {
  const { c, color } = display;
  const paint = (n: number, text: string, style: (s: string) => string) => (color && n > 0 ? style(text) : text);
  const parts: string[] = [];
  const add = (
    n: number,
    status: ClientStatus,
    style: (s: string) => string,
    words: string = CLIENT_STATUSES[status].words,
  ) => {
    if (n > 0 || status === 'failed') parts.push(paint(n, `${count(n)} ${words}`, style));
  };
  add(account.failed, 'failed', (s) => c.red(c.bold(s)));
  if (dryRun) {
    const retire = account.results.filter((r) => r.status === 'planned' && r.action === 'retire').length;
    add(account.planned - retire, 'planned', c.cyan, 'would publish');
    add(retire, 'planned', c.magenta, 'would STOP billing');
  } else {
    add(account.retired ?? 0, 'retired', c.magenta);
    add(account.published, 'published', c.green);
  }
  add(account.unchanged, 'unchanged', (s) => s);
  add(account.skipped, 'skipped', (s) => s);
  const sync = account.sync === 'not-needed' ? 'not needed' : account.sync;
  const syncText = `sync ${sync}${account.syncReason ? ` (${account.syncReason})` : ''}`;
  const heading = `Account ${account.accountId}: ${parts.join(', ')} · ${account.sync === 'failed' && color ? c.red(syncText) : syncText}`;
  return color ? heading.replace(`Account ${account.accountId}`, c.bold(`Account ${account.accountId}`)) : heading;
}

/** "skipped (4,990 no usage for the period, 10 mapping disabled)": the reasons, most common first. */
function skippedWords(results: readonly ClientResult[]): string {
  const reasons = new Map<string, number>();
  for (const r of results)
    if (r.status === 'skipped') reasons.set(r.reason ?? 'no reason', (reasons.get(r.reason ?? 'no reason') ?? 0) + 1);
  const top = [...reasons].sort((a, b) => b[1] - a[1]);
  if (top.length === 0) return 'skipped';
  const shown = top.slice(0, 3).map(([reason, n]) => `${count(n)} ${reason}`);
  if (top.length > 3) shown.push(`${count(top.slice(3).reduce((s, [, n]) => s + n, 0))} other`);
  return `skipped (${shown.join('; ')})`;
}

function positiveInt(flag: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max)
      throw new InvalidArgumentError(`${flag} must be a whole number from 1 to ${max}`);
    return n;
  };
}
