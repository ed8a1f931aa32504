import { InvalidArgumentError, type Command } from 'commander';
import stringWidth from 'string-width';
import { RUN_STATUS_NAMES } from '../../contract.js';
import { InputValidationError } from '../../errors.js';
import type { AccountsRepository, HistoryEntry, PublisherDeps, RunRecord } from '../../publisher/ports/index.js';
import { renderColumns, type Column } from '../columns.js';
import { EXIT, type CliContext } from '../context.js';
import { count, formatGb, toCsv, wrapText } from '../listing.js';
import { historyWords } from './billing.js';
import { accountOption } from './ops-common.js';
import { parsePeriod } from '../../period.js';

interface RunsOptions {
  account?: string;
  period?: string;
  limit: number;
  run?: string;
  json?: boolean;
  csv?: boolean;
}

/** `cwpub runs`: the recent publish runs from the Ledger, per account and period, newest first. */
export function registerRuns(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  program
    .command('runs')
    .description('list recent publish runs (from the Ledger): when, which month, what each did, and whether it failed')
    .addOption(accountOption('only this account (default: every account)'))
    .option('--period <YYYY-MM>', 'only runs for this month (default: any month)')
    .option('--limit <n>', 'runs per account', wholeNumber('--limit', 1000), 10)
    .option('--run <id>', 'list the clients this run changed or failed, as it recorded them (needs --account)')
    .option('--json', 'print the runs as JSON on stdout')
    .option('--csv', 'print the runs as CSV on stdout')
    .action(async (options: RunsOptions) => {
      if (options.csv && options.json) {
        throw new InputValidationError('--csv and --json cannot be used together: choose one', { field: '--csv' });
      }
      const period =
        options.period === undefined
          ? undefined
          : parsePeriod(options.period, ctx.now(), '--period', { allowOpenPeriod: true }).key;
      const deps = await ctx.publisherDeps();
      if (options.run !== undefined) {
        await showRun(ctx, deps, { ...options, run: options.run }, period);
        setExit(EXIT.ok);
        return;
      }
      const accountIds = options.account ? [options.account] : await allAccountIds(deps.accounts);
      const lists = await Promise.all(
        accountIds.map((id) => deps.ledger.listRuns(id, { ...(period ? { period } : {}), limit: options.limit })),
      );
      const runs = lists
        .flat()
        .sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.accountId.localeCompare(b.accountId));
      if (options.json) ctx.json({ runs });
      else if (options.csv) ctx.data(toCsv(CSV_HEADER, runs.map(csvRow)));
      else ctx.out(renderRuns(runs, ctx, { accounts: accountIds.length, period }));
      setExit(EXIT.ok);
    });
}

/** `cwpub runs --run ID`: one run's changed and failed clients, from the month's append-only history. */
async function showRun(
  ctx: CliContext,
  deps: Pick<PublisherDeps, 'ledger'>,
  options: RunsOptions & { run: string },
  period: string | undefined,
): Promise<void> {
  if (!options.account) throw new InputValidationError("--run needs --account (the run's account)", { field: '--run' });
  const recorded = await deps.ledger.listRuns(options.account, { ...(period ? { period } : {}), limit: 1000 });
  // The start of a run id will do (a narrow table shows ids cut in the middle), when it names one run.
  const matching = recorded.filter((r) => r.runId === options.run || r.runId.startsWith(options.run));
  const exact = matching.find((r) => r.runId === options.run);
  if (!exact && matching.length > 1) {
    throw new InputValidationError(
      `--run ${options.run} names ${matching.length} runs (${matching.map((r) => r.runId).join(', ')}): give more of the id`,
      { field: '--run' },
    );
  }
  const record = exact ?? matching[0];
  const runId = record?.runId ?? options.run;
  const month = period ?? record?.period;
  if (month === undefined) {
    throw new InputValidationError(
      `no run ${options.run} recorded for account ${options.account}; give --period when its record has expired`,
      { field: '--run' },
    );
  }
  const entries = (await deps.ledger.listHistory?.(options.account, month, { runId })) ?? [];
  if (options.json) ctx.json({ run: record ?? { accountId: options.account, period: month, runId }, clients: entries });
  else if (options.csv) ctx.data(toCsv(HISTORY_CSV_HEADER, entries.map(historyCsvRow)));
  else ctx.out(renderRunClients(entries, record, ctx, { accountId: options.account, period: month, runId }));
}

const HISTORY_CSV_HEADER = [
  'at',
  'accountId',
  'period',
  'runId',
  'clientId',
  'managedId',
  'status',
  'reason',
  'usageGb',
  'billableSpaceGb',
  'companyId',
  'companyIdentifier',
  'companyName',
  'configurationId',
  'retiredConfigurationIds',
];
const historyCsvRow = (h: HistoryEntry) => [
  h.at,
  h.accountId,
  h.period,
  h.runId,
  h.clientId,
  h.managedId,
  h.status,
  h.reason,
  h.usageGb,
  h.billableSpaceGb,
  h.companyId,
  h.companyIdentifier,
  h.companyName,
  h.configurationId,
  (h.retiredConfigurationIds ?? []).join(' '),
];

function renderRunClients(
  entries: readonly HistoryEntry[],
  record: RunRecord | undefined,
  ctx: CliContext,
  run: { accountId: string; period: string; runId: string },
): string {
  const display = ctx.display;
  const failed = entries.filter((e) => e.status === 'failed').length;
  const when = record ? ` (started ${shortTime(record.startedAt)} UTC)` : '';
  const head = wrapText(
    `Run ${run.runId}${when}, account ${run.accountId}, ${run.period}: ` +
      `${count(entries.length - failed)} client(s) changed, ${count(failed)} failed`,
    display,
  );
  if (entries.length === 0) {
    return `${head}\n${wrapText('Nothing recorded: the run changed and failed no client (or it was a dry run).', display)}`;
  }
  const columns: Column<HistoryEntry>[] = [
    { header: 'CLIENT', value: (h) => h.clientId, fit: 'middle', minWidth: 10 },
    { header: 'COMPANY', value: (h) => h.companyName ?? h.companyIdentifier, fit: 'truncate', minWidth: 10 },
    { header: 'GB', value: (h) => formatGb(h.billableSpaceGb), align: 'right' },
    { header: 'CONFIGURATION', value: (h) => h.configurationId, align: 'right' },
    { header: 'WHAT HAPPENED', value: historyWords, fit: 'wrap', minWidth: 20 },
  ];
  return `${head}\n${renderColumns(columns, entries, display)}`;
}

export async function allAccountIds(accounts: AccountsRepository): Promise<string[]> {
  const { items, invalid } = await accounts.list();
  return [...items.map((a) => a.accountId), ...invalid.map((i) => i.key.accountId ?? '').filter(Boolean)].sort();
}

const CSV_HEADER = [
  'startedAt',
  'finishedAt',
  'accountId',
  'period',
  'runId',
  'outcome',
  'published',
  'unchanged',
  'retired',
  'skipped',
  'failed',
  'sync',
  'invocations',
  'error',
];
const csvRow = (r: RunRecord) => [
  r.startedAt,
  r.finishedAt,
  r.accountId,
  r.period,
  r.runId,
  r.outcome,
  r.published,
  r.unchanged,
  r.retired,
  r.skipped,
  r.failed,
  r.sync,
  r.invocations,
  r.error,
];

function renderRuns(
  runs: readonly RunRecord[],
  ctx: CliContext,
  scope: { accounts: number; period: string | undefined },
): string {
  const display = ctx.display;
  const failed = runs.filter((r) => r.outcome === 'failed').length;
  const head =
    `${count(runs.length)} run(s)${scope.period ? ` for ${scope.period}` : ''} in ` +
    `${count(scope.accounts)} account(s)${failed ? `, ${count(failed)} failed` : ''}`;
  if (runs.length === 0)
    return wrapText(`${head}. Runs are recorded when a publish (not a dry run) finishes an account.`, display);
  const columns: Column<RunRecord>[] = [
    { header: 'STARTED (UTC)', value: (r) => shortTime(r.startedAt) },
    { header: 'ACCOUNT', value: (r) => r.accountId, fit: 'middle' },
    { header: 'PERIOD', value: (r) => r.period },
    {
      header: 'OUTCOME',
      value: (r) => (r.outcome === 'failed' ? 'FAILED' : 'ok'),
      style: (t, r, c) => (r.outcome === 'failed' ? c.red(c.bold(t)) : c.green(t)),
    },
    { header: 'PUBLISHED', value: (r) => r.published, align: 'right' },
    { header: 'UNCHANGED', value: (r) => r.unchanged, align: 'right' },
    { header: 'RETIRED', value: (r) => r.retired, align: 'right' },
    { header: 'SKIPPED', value: (r) => r.skipped, align: 'right' },
    { header: 'FAILED', value: (r) => r.failed, align: 'right', style: (t, r, c) => (r.failed > 0 ? c.red(t) : t) },
    { header: 'SYNC', value: (r) => r.sync },
    { header: 'TOOK', value: (r) => duration(r.startedAt, r.finishedAt), align: 'right' },
    { header: 'RUN', value: (r) => r.runId, fit: 'middle', minWidth: 8 },
    { header: 'ERROR', value: (r) => r.error, fit: 'wrap', minWidth: 20 },
  ];
  // No error anywhere: drop the empty column rather than spend the width on it.
  const used = runs.some((r) => r.error) ? columns : columns.filter((col) => col.header !== 'ERROR');
  let table = renderColumns(used, runs, { ...display, width: Infinity });
  // Too wide for the terminal: the counts, the sync and the error become one column of words.
  if (table.split('\n').some((line) => stringWidth(line) > display.width)) {
    table = renderColumns(narrowColumns(columns), runs, display);
  }
  const hint = '--account A --period P --run RUN lists the clients a run changed (the start of its id will do).';
  return `${wrapText(head, display)}\n${table}\n${wrapText(display.color ? display.c.dim(hint) : hint, display)}`;
}

/** The runs table for a narrow terminal: what each run did in words (80 columns). */
function narrowColumns(wide: readonly Column<RunRecord>[]): Column<RunRecord>[] {
  const keep = (header: string) => wide.find((col) => col.header === header)!;
  return [
    keep('STARTED (UTC)'),
    { ...keep('ACCOUNT'), minWidth: 8 },
    keep('PERIOD'),
    keep('OUTCOME'),
    keep('TOOK'),
    { ...keep('RUN'), minWidth: 9 },
    {
      header: 'WHAT IT DID',
      fit: 'wrap',
      minWidth: 16,
      value: (r) => {
        const counts = RUN_STATUS_NAMES.filter((s) => r[s] > 0).map((s) => `${count(r[s])} ${s}`);
        return `${counts.join(', ') || 'nothing'}; sync ${r.sync}${r.error ? `; ${r.error}` : ''}`;
      },
    },
  ];
}

export function shortTime(iso: string | undefined): string {
  if (!iso) return '';
  return iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, '');
}

function duration(from: string, to: string): string {
  const ms = Date.parse(to) - Date.parse(from);
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = Math.round(ms / 1000);
  return s < 60
    ? `${s}s`
    : s < 3600
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function wholeNumber(flag: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max)
      throw new InvalidArgumentError(`${flag} must be a whole number from 1 to ${max}`);
    return n;
  };
}
