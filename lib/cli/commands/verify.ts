import type { Command } from 'commander';
import { requireValidAccount, selectAccount } from '../select-account.js';
import type { ClientCheck, Mismatch, Note, VerifyReport } from '../../verify/reconcile.js';
import { runVerify } from '../../verify/run-verify.js';
import { renderColumns } from '../columns.js';
import { EXIT, type CliContext } from '../context.js';
import {
  count,
  foldNote,
  formatGb,
  listingOptions,
  statusesToList,
  wrapText,
  type ListingOptions,
} from '../listing.js';
import type { Display } from '../terminal.js';
import { accountOption, periodOf, periodOption } from './ops-common.js';

const STATUSES = ['mismatch', 'ok', 'skipped'] as const;

/** `cwpub verify`: reads ConnectWise back and reconciles it with the usage and the ledger. Read-only. */
export function registerVerify(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  const command = program
    .command('verify')
    .description(
      "check that ConnectWise holds what was published for a month: each client's configuration " +
        '(GB, year, month, exactly one) and, after the sync, the agreement additions',
    )
    .addOption(periodOption('the month to verify (default: last month, UTC)'))
    .addOption(accountOption())
    .option('--json', 'print the report as JSON on stdout');
  for (const option of listingOptions([...STATUSES])) command.addOption(option);
  command.action(async (options: { period?: string; account?: string; json?: boolean } & ListingOptions) => {
    // Without --all/--status the client table is left out: the mismatches say what is wrong.
    const listed = statusesToList(options, STATUSES, []);
    const period = periodOf(options.period, ctx);
    const deps = await ctx.publisherDeps();
    const account = requireValidAccount(await selectAccount(deps.accounts, options.account));
    const report = await runVerify(account, period, { ...deps, now: ctx.now(), progress: ctx.progress(options.json) });
    if (options.json) ctx.json(report);
    else ctx.out(renderVerify(report, ctx.display, listed, options.all ?? false));
    setExit(report.ok ? EXIT.ok : EXIT.problems);
  });
}

const show = (v: number | string | null | undefined): string =>
  v === undefined || v === null ? '' : typeof v === 'number' ? formatGb(v) : v;

/**
 * Counts first, then every mismatch (what is wrong, expected, found), then the notes by kind; the
 * per-client table only with --all or --status.
 */
export function renderVerify(
  report: VerifyReport,
  display: Display,
  listed: ReadonlySet<string> = new Set(),
  allNotes = false,
): string {
  const { c, color } = display;
  const by = (s: string) => report.clients.filter((x) => x.status === s).length;
  const bad = by('mismatch');
  const head =
    `Verify account ${report.accountId}, period ${report.period}: ${count(report.checked)} client(s) checked, ` +
    `${count(report.checked - bad)} match, ${count(bad)} with mismatches${by('skipped') ? `, ${count(by('skipped'))} skipped` : ''}` +
    `${report.mismatches.length ? ` · ${count(report.mismatches.length)} mismatch(es)` : ''}`;
  const lines = [head];
  if (report.mismatches.length > 0) {
    lines.push(
      '',
      `Mismatches (${count(report.mismatches.length)}):`,
      renderColumns<Mismatch>(
        [
          { header: 'CLIENT', value: (m) => m.clientIds.join(', ') || '–', fit: 'truncate', minWidth: 12 },
          { header: 'PROBLEM', value: (m) => m.kind, style: (t) => c.red(t) },
          { header: 'EXPECTED', value: (m) => show(m.expected), fit: 'truncate' },
          { header: 'FOUND', value: (m) => show(m.found), fit: 'truncate' },
          { header: 'DETAIL', value: (m) => m.detail, fit: 'wrap', minWidth: 30 },
        ],
        report.mismatches,
        display,
      ),
    );
  }
  if (report.notes.length > 0) {
    if (allNotes) {
      lines.push(
        '',
        `Notes (${count(report.notes.length)}, not mismatches):`,
        renderColumns<Note>(
          [
            { header: 'CLIENT', value: (n) => n.clientIds.join(', '), fit: 'truncate', minWidth: 12 },
            { header: 'NOTE', value: (n) => n.kind },
            { header: 'DETAIL', value: (n) => n.detail, fit: 'wrap', minWidth: 30 },
          ],
          report.notes,
          display,
        ),
      );
    } else {
      const kinds = new Map<string, number>();
      for (const n of report.notes) kinds.set(n.kind, (kinds.get(n.kind) ?? 0) + 1);
      const text = `Notes (not mismatches): ${[...kinds].map(([k, n]) => `${count(n)} ${k}`).join(', ')} (--all lists them)`;
      lines.push('', color ? c.dim(text) : text);
    }
  }
  const shown = report.clients.filter((x) => listed.has(x.status));
  if (shown.length > 0) {
    lines.push(
      '',
      renderColumns<ClientCheck>(
        [
          { header: 'CLIENT', value: (x) => x.clientId, fit: 'middle', minWidth: 12 },
          { header: 'MANAGED ID', value: (x) => x.managedId, fit: 'middle', minWidth: 12 },
          { header: 'COMPANY', value: (x) => x.company, fit: 'truncate', minWidth: 10 },
          { header: 'USAGE GB', value: (x) => show(x.usageGb), align: 'right' },
          { header: 'CONFIG GB', value: (x) => show(x.configurationGb), align: 'right' },
          { header: 'ADDITION', value: (x) => show(x.additionQuantity), align: 'right' },
          {
            header: 'RESULT',
            value: (x) => (x.status === 'skipped' ? `skipped: ${x.reason ?? ''}` : x.status),
            fit: 'wrap',
            minWidth: 16,
            style: (t, x) => (x.status === 'mismatch' ? c.red(t) : x.status === 'ok' ? c.green(t) : c.dim(t)),
          },
        ],
        shown,
        display,
      ),
    );
  }
  const hidden = STATUSES.filter((s) => !listed.has(s) && s !== 'mismatch').map((status) => ({
    status,
    count: by(status),
    words: status === 'ok' ? 'matching' : status,
  }));
  // Mismatching clients are not folded: the mismatches above name them.
  const note = foldNote(hidden);
  if (note) lines.push(wrapText(color ? c.dim(`clients: ${note}`) : `clients: ${note}`, display));
  const verdict = report.ok
    ? 'ConnectWise matches what was published.'
    : 'ConnectWise does NOT match what was published.';
  lines.push(color ? (report.ok ? c.green(verdict) : c.red(c.bold(verdict))) : verdict);
  return lines.join('\n');
}
