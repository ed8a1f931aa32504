import { InvalidArgumentError, type Command } from 'commander';
import type { AccountsRepository, RunRecord } from '../../publisher/ports.js';
import { renderColumns, type Column } from '../columns.js';
import { EXIT, type CliContext } from '../context.js';
import { count, toCsv } from '../listing.js';
import { accountOption } from './ops-common.js';
import { parsePeriod } from '../../period.js';

interface RunsOptions {
  account?: string;
  period?: string;
  limit: number;
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
    .option('--json', 'print the runs as JSON on stdout')
    .option('--csv', 'print the runs as CSV on stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  cwpub runs --account acme --period 2026-10\n  cwpub runs --limit 1 --csv > last-runs.csv',
    )
    .action(async (options: RunsOptions) => {
      const period =
        options.period === undefined
          ? undefined
          : parsePeriod(options.period, ctx.now(), '--period', { allowOpenPeriod: true }).key;
      const deps = await ctx.publisherDeps();
      const accountIds = options.account ? [options.account] : await allAccountIds(deps.accounts);
      const lists = await Promise.all(
        accountIds.map((id) => deps.ledger.listRuns(id, { ...(period ? { period } : {}), limit: options.limit })),
      );
      const runs = lists
        .flat()
        .sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.accountId.localeCompare(b.accountId));
      if (options.json) ctx.json({ runs });
      else if (options.csv) ctx.out(toCsv(CSV_HEADER, runs.map(csvRow)));
      else ctx.out(renderRuns(runs, ctx, { accounts: accountIds.length, period }));
      setExit(EXIT.ok);
    });
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
  if (runs.length === 0) return `${head}. Runs are recorded when a publish (not a dry run) finishes an account.`;
  const columns: Column<RunRecord>[] = [
    { header: 'STARTED (UTC)', value: (r) => shortTime(r.startedAt) },
    { header: 'ACCOUNT', value: (r) => r.accountId, fit: 'truncate' },
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
    { header: 'RUN', value: (r) => r.runId, fit: 'truncate', minWidth: 8 },
    { header: 'ERROR', value: (r) => r.error, fit: 'wrap', minWidth: 20 },
  ];
  // No error anywhere: drop the empty column rather than spend the width on it.
  const used = runs.some((r) => r.error) ? columns : columns.filter((col) => col.header !== 'ERROR');
  return `${head}\n${renderColumns(used, runs, display)}`;
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
