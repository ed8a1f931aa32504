import type { Command } from 'commander';
import { CLIENT_STATUSES, CLIENT_STATUS_NAMES } from '../../contract.js';
import type { LedgerEntry, OwnedConfiguration } from '../../publisher/ports.js';
import { renderColumns, type Column } from '../columns.js';
import { EXIT, type CliContext } from '../context.js';
import {
  count,
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

/** Listed by default: what is billed, what stopped being billed, and what failed. Skipped clients are counted. */
const LISTED = ['published', 'retired', 'failed', 'unchanged', 'planned'];

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
    .option('--client <id-or-name>', 'only this client: its id, or part of its name or company (case-insensitive)')
    .option('--json', 'print the rows as JSON on stdout')
    .option('--csv', 'print the rows as CSV on stdout');
  for (const option of listingOptions(CLIENT_STATUS_NAMES)) command.addOption(option);
  command.addHelpText(
    'after',
    '\nExamples:\n  cwpub billing --client contoso --period 2026-10\n  cwpub billing --account acme --csv > acme-2026-10.csv',
  );
  command.action(async (options: BillingOptions) => {
    const period = periodOf(options.period, ctx);
    const listed =
      options.csv || options.json
        ? new Set<string>(CLIENT_STATUS_NAMES)
        : statusesToList(options, CLIENT_STATUS_NAMES, LISTED);
    const deps = await ctx.publisherDeps();
    const accountIds = options.account ? [options.account] : await allAccountIds(deps.accounts);
    const perAccount = await Promise.all(
      accountIds.map(async (accountId) => {
        const [entries, owned, mappings] = await Promise.all([
          deps.ledger.list(accountId, period.key),
          deps.ownership.listByAccount(accountId),
          deps.mappings.listByAccount(accountId),
        ]);
        const names = new Map(mappings.items.map((m) => [m.clientId, m.clientName]));
        return billingRows(accountId, period.key, entries, owned, names);
      }),
    );
    const all = perAccount.flat().filter((r) => matchesClient(r, options.client));
    const rows = all.filter((r) => listed.has(r.status));
    if (options.json) ctx.json({ period: period.key, rows });
    else if (options.csv) ctx.out(toCsv(CSV_HEADER, rows.map(csvRow)));
    else
      ctx.out(
        renderBilling(all, rows, ctx, {
          period: period.key,
          accounts: accountIds.length,
          client: options.client,
          listed,
        }),
      );
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
): BillingRow[] {
  const ownedByClient = new Map<string, OwnedConfiguration[]>();
  for (const o of owned) ownedByClient.set(o.clientId, [...(ownedByClient.get(o.clientId) ?? []), o]);
  return entries
    .map((e): BillingRow => {
      const mine = ownedByClient.get(e.clientId) ?? [];
      const active = mine.find((o) => o.active);
      const retired = new Set([
        ...(e.retiredConfigurationIds ?? []),
        ...(e.status === 'retired' ? mine.filter((o) => !o.active).map((o) => o.configurationId) : []),
      ]);
      const billed = CLIENT_STATUSES[e.status]?.billed ?? false;
      return {
        accountId,
        period,
        clientId: e.clientId,
        clientName: names.get(e.clientId),
        managedId: e.managedId,
        companyId: e.companyId ?? active?.companyId ?? mine[0]?.companyId,
        company: (e as { companyIdentifier?: string }).companyIdentifier,
        status: e.status,
        reason: e.reason,
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
      ? [{ header: 'ACCOUNT', value: (r: BillingRow) => r.accountId, fit: 'truncate' as const }]
      : []),
    {
      header: 'COMPANY',
      value: (r) => r.company ?? (r.companyId === undefined ? '' : `#${r.companyId}`),
      fit: 'truncate',
      minWidth: 10,
    },
    { header: 'CLIENT', value: (r) => r.clientId, fit: 'truncate', minWidth: 12 },
    { header: 'NAME', value: (r) => r.clientName, fit: 'truncate', minWidth: 10 },
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
    { header: 'CONFIGURATION', value: (r) => r.configurationId, align: 'right' },
    { header: 'PUBLISHED (UTC)', value: (r) => shortTime(r.publishedAt) },
    {
      header: 'STATUS',
      fit: 'wrap',
      minWidth: 20,
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
