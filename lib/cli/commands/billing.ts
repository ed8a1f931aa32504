import type { Command } from 'commander';
import { CLIENT_STATUSES, CLIENT_STATUS_NAMES } from '../../contract.js';
import { InputValidationError } from '../../errors.js';
import type { HistoryEntry, LedgerEntry, OwnedConfiguration } from '../../publisher/ports/index.js';
import { renderColumns, type Column } from '../columns.js';
import { addProse } from '../help.js';
import { EXIT, type CliContext } from '../context.js';
import {
  count,
  plural,
  foldNote,
  formatGb,
  listingOptions,
  statusesToList,
  toCsv,
  wrapText,
  type ListingOptions,
} from '../listing.js';
import { accountOption, periodOf, periodOption } from './ops-common.js';
import { reasonText } from './publish.js';
import { allAccountIds, shortTime } from './runs.js';

interface BillingOptions extends ListingOptions {
  account?: string;
  period?: string;
  client?: string;
  json?: boolean;
  csv?: boolean;
}

/** One client's billing for the period, as the Ledger recorded it, with what the account owns in ConnectWise. */
export interface BillingRow {
  readonly accountId: string;
  readonly period: string;
  readonly clientId: string;
  readonly clientName?: string | undefined;
  readonly managedId: string;
  readonly companyId?: number | undefined;
  readonly company?: string | undefined;
  readonly status: string;
  readonly reason?: string | undefined;
  /** The client's usage for the period, as the last run read it (contract v3: beside the billed GB). */
  readonly usageGb?: number | undefined;
  /** What ConnectWise bills for the period (the last value written or confirmed): usage above the mapping's included allowance. */
  readonly publishedGb?: number | undefined;
  readonly publishedAt?: string | undefined;
  readonly configurationId?: number | undefined;
  readonly retiredConfigurationIds: readonly number[];
  readonly runId: string;
  readonly updatedAt: string;
}

/** Listed by default (text, CSV and JSON alike): what is billed and what stopped being billed; the rest is counted. */
const LISTED = ['published', 'retired'];

/** `cwpub billing`: what each client was billed for a month, on which configuration, and when. */
export function registerBilling(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  const command = program
    .command('billing')
    .description(
      'what was billed for a month (from the Ledger): per company and client, ' +
        'the GB published, the configuration, when, and the clients whose billing was stopped',
    )
    .addOption(periodOption())
    .addOption(accountOption('only this account (default: every account)'))
    .option(
      '--client <id-or-name>',
      'only this client (its id, or part of its name or company, case-insensitive), with its history of the month',
    )
    .option('--json', 'print the rows as JSON on stdout')
    .option('--csv', 'print the rows as CSV on stdout');
  for (const option of listingOptions(CLIENT_STATUS_NAMES)) command.addOption(option);
  addProse(
    command,
    `Lists the clients billed and those whose billing stopped; --all lists every client (CSV and JSON too).
The rows are the latest state of the month; --client also shows that client's history: every run of
the month that changed or failed it, as that run recorded it (kept 800 days).`,
  );
  command.action(async (options: BillingOptions) => {
    if (options.csv && options.json) {
      throw new InputValidationError('--csv and --json cannot be used together: choose one', { field: '--csv' });
    }
    const period = periodOf(options.period, ctx);
    const listed = statusesToList(options, CLIENT_STATUS_NAMES, LISTED);
    const deps = await ctx.publisherDeps();
    const accountIds = options.account ? [options.account] : await allAccountIds(deps.accounts);
    const perAccount = await Promise.all(
      accountIds.map(async (accountId) => {
        const [entries, owned, mappings, history] = await Promise.all([
          deps.ledger.list(accountId, period.key),
          deps.ownership.listByAccount(accountId),
          deps.mappings.listByAccount(accountId),
          deps.ledger.listHistory?.(accountId, period.key) ?? [],
        ]);
        const names = new Map(mappings.items.map((m) => [m.clientId, m.clientName]));
        const rows = billingRows(accountId, period.key, entries, owned, names, history);
        return { rows, history };
      }),
    );
    const all = perAccount.flatMap((a) => a.rows).filter((r) => matchesClient(r, options.client));
    const rows = all.filter((r) => listed.has(r.status));
    const wanted = new Set(all.map((r) => `${r.accountId}#${r.clientId}`));
    const history =
      options.client === undefined
        ? []
        : perAccount.flatMap((a) => a.history).filter((h) => wanted.has(`${h.accountId}#${h.clientId}`));
    if (options.json) ctx.json({ period: period.key, rows, ...(options.client !== undefined ? { history } : {}) });
    else if (options.csv) ctx.data(toCsv(CSV_HEADER, rows.map(csvRow)));
    else {
      const scope = { period: period.key, accounts: accountIds.length, client: options.client, listed };
      ctx.out(renderBilling(all, rows, ctx, scope));
      if (options.client !== undefined) ctx.out(renderHistory(history, ctx, accountIds.length > 1));
    }
    setExit(EXIT.ok);
  });
}

/** Joins a period's Ledger entries with the account's owned configurations; sorted by company, then client. */
export function billingRows(
  accountId: string,
  period: string,
  entries: readonly LedgerEntry[],
  owned: readonly OwnedConfiguration[],
  names: ReadonlyMap<string, string | undefined>,
  history: readonly HistoryEntry[] = [],
): BillingRow[] {
  const ownedByClient = new Map<string, OwnedConfiguration[]>();
  for (const o of owned) ownedByClient.set(o.clientId, [...(ownedByClient.get(o.clientId) ?? []), o]);
  const historyOf = new Map<string, HistoryEntry[]>();
  for (const h of history) historyOf.set(h.clientId, [...(historyOf.get(h.clientId) ?? []), h]);
  return entries
    .map((e): BillingRow => {
      const mine = ownedByClient.get(e.clientId) ?? [];
      const past = historyOf.get(e.clientId) ?? [];
      const active = mine.find((o) => o.active);
      // What stopped this month stays on the row after a re-run finds the client unchanged.
      const retired = new Set([
        ...(e.retiredConfigurationIds ?? []),
        ...past.flatMap((h) => h.retiredConfigurationIds ?? []),
        ...(e.status === 'retired' ? mine.filter((o) => !o.active).map((o) => o.configurationId) : []),
      ]);
      const billed = CLIENT_STATUSES[e.status]?.billed ?? false;
      const companyId = e.companyId ?? active?.companyId ?? mine[0]?.companyId;
      return {
        accountId,
        period,
        clientId: e.clientId,
        clientName: names.get(e.clientId),
        managedId: e.managedId,
        companyId,
        company: companyName(companyId, e, past, mine),
        ...monthStatus(e, past),
        usageGb: e.usageGb,
        publishedGb: billed ? (e.publishedGb ?? e.billableSpaceGb) : e.publishedGb,
        publishedAt: e.publishedAt,
        configurationId: e.configurationId ?? (billed ? active?.configurationId : undefined),
        retiredConfigurationIds: [...retired].sort((a, b) => a - b),
        runId: e.runId,
        updatedAt: e.updatedAt,
      };
    })
    .sort((a, b) => companyKey(a).localeCompare(companyKey(b)) || a.clientId.localeCompare(b.clientId));
}

/**
 * The month's status and reason: the latest row's, except that a re-run does not make the month forget a
 * stop — a client retired this month and skipped by a re-run stays `retired`, and a re-run that finds a
 * moved client unchanged keeps the move's reason (the history holds both as they were).
 */
function monthStatus(entry: LedgerEntry, past: readonly HistoryEntry[]): { status: string; reason?: string } {
  const stop = [...past].reverse().find((h) => h.status === 'retired' || (h.retiredConfigurationIds?.length ?? 0) > 0);
  if (entry.status === 'skipped' && stop?.status === 'retired') return { status: 'retired', reason: stop.reason };
  if (entry.status === 'published' && entry.reason === undefined && stop?.status === 'published')
    return { status: entry.status, reason: stop.reason };
  return { status: entry.status, reason: entry.reason };
}

/** The company's name as a run recorded it (the Ledger row, the month's history, the owned configuration). */
function companyName(
  companyId: number | undefined,
  entry: LedgerEntry,
  past: readonly HistoryEntry[],
  mine: readonly OwnedConfiguration[],
): string | undefined {
  if (entry.companyName ?? entry.companyIdentifier) return entry.companyName ?? entry.companyIdentifier;
  const same = <T extends { companyId?: number | undefined }>(x: T) =>
    companyId === undefined || x.companyId === companyId;
  const recorded = [...past].reverse().find((h) => same(h) && (h.companyName ?? h.companyIdentifier));
  return (
    recorded?.companyName ??
    recorded?.companyIdentifier ??
    mine.find((o) => same(o) && o.companyIdentifier)?.companyIdentifier
  );
}

const companyKey = (r: BillingRow) =>
  r.company ?? (r.companyId === undefined ? '\uffff' : String(r.companyId).padStart(12, '0'));

function matchesClient(row: BillingRow, wanted: string | undefined): boolean {
  if (wanted === undefined) return true;
  const w = wanted.trim().toLowerCase();
  if (row.clientId.toLowerCase() === w) return true;
  return [row.clientName, row.company].some((v) => v !== undefined && v.toLowerCase().includes(w));
}

const CSV_HEADER = [
  'accountId',
  'period',
  'clientId',
  'clientName',
  'managedId',
  'companyId',
  'company',
  'status',
  'reason',
  'usageGb',
  'publishedGb',
  'publishedAt',
  'configurationId',
  'retiredConfigurationIds',
  'runId',
  'updatedAt',
];
const csvRow = (r: BillingRow) => [
  r.accountId,
  r.period,
  r.clientId,
  r.clientName,
  r.managedId,
  r.companyId,
  r.company,
  r.status,
  r.reason,
  r.usageGb,
  r.publishedGb,
  r.publishedAt,
  r.configurationId,
  r.retiredConfigurationIds.join(' '),
  r.runId,
  r.updatedAt,
];

function renderBilling(
  all: readonly BillingRow[],
  rows: readonly BillingRow[],
  ctx: CliContext,
  scope: { period: string; accounts: number; client: string | undefined; listed: ReadonlySet<string> },
): string {
  const display = ctx.display;
  const { c } = display;
  const billed = all.filter((r) => CLIENT_STATUSES[r.status as keyof typeof CLIENT_STATUSES]?.billed);
  const gb = Math.round(billed.reduce((s, r) => s + (r.publishedGb ?? 0), 0) * 1000) / 1000;
  const by = (s: string) => all.filter((r) => r.status === s).length;
  const head =
    `Billing ${scope.period}${scope.client ? `, client "${scope.client}"` : ''} (${count(scope.accounts)} account(s)): ` +
    `${count(billed.length)} client(s) billed, ${formatGb(gb)} GB` +
    `${by('retired') ? `; billing stopped for ${count(by('retired'))}` : ''}${by('failed') ? `; ${count(by('failed'))} failed` : ''}`;
  if (all.length === 0) {
    return (
      `${head}.\nNothing in the Ledger for ${scope.period}${scope.client ? ' and this client' : ''}: ` +
      'no publish (other than dry runs) recorded it.'
    );
  }
  const columns: Column<BillingRow>[] = [
    ...(scope.accounts > 1
      ? [{ header: 'ACCOUNT', value: (r: BillingRow) => r.accountId, fit: 'middle' as const }]
      : []),
    {
      header: 'COMPANY',
      value: (r) => r.company ?? (r.companyId === undefined ? '' : `#${r.companyId}`),
      fit: 'truncate',
      minWidth: 8,
    },
    { header: 'CLIENT', value: (r) => r.clientId, fit: 'middle', minWidth: 10 },
    { header: 'NAME', value: (r) => r.clientName, fit: 'truncate', minWidth: 8 },
    // Usage beside the billed GB only when an included allowance makes them differ (contract v3).
    ...(all.some((r) => r.usageGb !== undefined && r.publishedGb !== undefined && r.usageGb !== r.publishedGb)
      ? [{ header: 'USAGE GB', value: (r: BillingRow) => formatGb(r.usageGb), align: 'right' as const }]
      : []),
    // Only what is billed: a retired configuration keeps its last GB, but the sync no longer bills it.
    {
      header: 'GB',
      value: (r) => (CLIENT_STATUSES[r.status as keyof typeof CLIENT_STATUSES]?.billed ? formatGb(r.publishedGb) : ''),
      align: 'right',
    },
    { header: 'CONFIG', value: (r) => r.configurationId, align: 'right' },
    { header: 'PUBLISHED (UTC)', value: (r) => shortTime(r.publishedAt) },
    {
      header: 'STATUS',
      fit: 'wrap',
      minWidth: 16,
      value: (r) => {
        if (r.status === 'published') return 'billed';
        if (r.status !== 'retired') {
          const words = CLIENT_STATUSES[r.status as keyof typeof CLIENT_STATUSES]?.words ?? r.status;
          return `${words}${r.reason ? `: ${r.reason}` : ''}`;
        }
        const ids = r.retiredConfigurationIds;
        const configurations = ids.length ? ` (configuration ${ids.join(', ')})` : '';
        return `billing stopped${r.reason ? `: ${reasonText(r.reason)}` : ''}${configurations}`;
      },
      style: (t, r) =>
        r.status === 'failed'
          ? c.red(t)
          : r.status === 'retired'
            ? c.magenta(t)
            : r.status === 'published'
              ? c.green(t)
              : c.dim(t),
    },
  ];
  const lines = [head];
  if (rows.length > 0) lines.push(renderColumns(columns, rows, display));
  const note = foldNote(
    CLIENT_STATUS_NAMES.filter((s) => !scope.listed.has(s)).map((status) => ({
      status,
      count: by(status),
      words: CLIENT_STATUSES[status].words,
    })),
  );
  if (note) lines.push(wrapText(display.color ? c.dim(note) : note, display));
  return lines.join('\n');
}

/** One client's history of the month (`--client`): each run that changed or failed it, oldest first. */
function renderHistory(history: readonly HistoryEntry[], ctx: CliContext, accounts: boolean): string {
  const display = ctx.display;
  if (history.length === 0) return wrapText('History: no run of this month changed or failed this client.', display);
  const columns: Column<HistoryEntry>[] = [
    { header: 'RECORDED (UTC)', value: (h) => shortTime(h.at) },
    ...(accounts ? [{ header: 'ACCOUNT', value: (h: HistoryEntry) => h.accountId, fit: 'middle' as const }] : []),
    { header: 'CLIENT', value: (h) => h.clientId, fit: 'middle', minWidth: 8 },
    { header: 'RUN', value: (h) => h.runId, fit: 'middle', minWidth: 9 },
    { header: 'COMPANY', value: (h) => h.companyName ?? h.companyIdentifier, fit: 'truncate', minWidth: 8 },
    { header: 'GB', value: (h) => formatGb(h.billableSpaceGb), align: 'right' },
    { header: 'CONFIG', value: (h) => h.configurationId, align: 'right' },
    { header: 'WHAT HAPPENED', value: historyWords, fit: 'wrap', minWidth: 16 },
  ];
  return `\n${wrapText(`History (${plural(history.length, 'entry', 'entries')}, oldest first):`, display)}\n${renderColumns(columns, history, display)}`;
}

/** What a history entry says, in the words of `cwpub publish`. */
export function historyWords(h: HistoryEntry): string {
  const ids = h.retiredConfigurationIds ?? [];
  const stopped = ids.length ? `billing stopped on configuration ${ids.join(', ')}` : '';
  const usage = h.usageGb !== undefined && h.usageGb !== h.billableSpaceGb ? ` (usage ${formatGb(h.usageGb)} GB)` : '';
  const reason = h.reason ? reasonText(h.reason) : '';
  switch (h.status) {
    case 'published':
      return [`published${usage}`, reason || stopped].filter(Boolean).join('; ');
    case 'retired':
      return [`billing stopped${reason ? `: ${reason}` : ''}`, ids.length ? `(configuration ${ids.join(', ')})` : '']
        .filter(Boolean)
        .join(' ');
    default:
      return `${CLIENT_STATUSES[h.status]?.words ?? h.status}${reason ? `: ${reason}` : ''}`;
  }
}
