import type { Command } from 'commander';
import { runDoctor, type CheckStatus, type DoctorCheck, type DoctorReport } from '../../doctor/run-doctor.js';
import { renderColumns } from '../columns.js';
import { EXIT, type CliContext } from '../context.js';
import { count, foldNote, listingOptions, statusesToList, wrapText, type ListingOptions } from '../listing.js';
import type { Display } from '../terminal.js';
import { accountOption } from './ops-common.js';

const STATUSES: readonly CheckStatus[] = ['failed', 'warning', 'ok', 'skipped'];
/** Listed by default: what needs fixing. Passed and skipped checks are counted. */
const LISTED: readonly CheckStatus[] = ['failed', 'warning'];
const MARK: Record<string, string> = { ok: 'ok', warning: 'warning', failed: 'FAILED', skipped: 'skipped' };

/** `cwpub doctor`: walks the ConnectWise and AWS setup checklist for one account. Read-only. */
export function registerDoctor(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  const command = program
    .command('doctor')
    .description(
      'check the whole setup of an account (AWS tables and secret, ' +
        'ConnectWise credentials, Management IT, Management, configuration type, ' +
        'Managed IDs, Management Backup) and say how to fix what is missing',
    )
    .addOption(accountOption())
    .option('--json', 'print the checks as JSON on stdout');
  for (const option of listingOptions(STATUSES)) command.addOption(option);
  command.action(async (options: { account?: string; json?: boolean } & ListingOptions) => {
    const listed = statusesToList(options, STATUSES, LISTED);
    const repos = await ctx.repositories();
    const deps = await ctx.publisherDeps();
    const report = await runDoctor(options.account, {
      ...deps,
      tables: {
        accounts: repos.accounts.table,
        mappings: repos.mappings.table,
        usage: repos.usage.table,
        ledger: repos.ledger.table,
      },
      now: ctx.now(),
      progress: ctx.progress(options.json),
    });
    if (options.json) ctx.json(report);
    else ctx.out(renderDoctor(report, ctx.display, listed));
    setExit(report.ready ? EXIT.ok : EXIT.problems);
  });
}

const ORDER: Record<string, number> = { failed: 0, warning: 1, ok: 2, skipped: 3 };

/** The verdict first, then the checks that need fixing (all of them with --all). */
export function renderDoctor(
  report: DoctorReport,
  display: Display,
  listed: ReadonlySet<string> = new Set(LISTED),
): string {
  const { c, color } = display;
  const by = (s: string) => report.checks.filter((x) => x.status === s).length;
  const failed = by('failed');
  const warnings = by('warning');
  const warned = warnings ? `${count(warnings)} warning(s)` : '';
  const verdict = report.ready
    ? `Account ${report.accountId}: ready${warned ? ` (${warned})` : ''} · ${count(by('ok'))} check(s) passed.`
    : `Account ${report.accountId || '(none)'}: NOT ready — ${count(failed)} check(s) failed` +
      `${warned ? `, ${warned}` : ''} · ${count(by('ok'))} passed.`;
  const lines = [color ? (report.ready ? c.green(verdict) : c.red(c.bold(verdict))) : verdict];
  const shown = report.checks
    .filter((x) => listed.has(x.status))
    .sort((a, b) => (ORDER[a.status] ?? 9) - (ORDER[b.status] ?? 9));
  if (shown.length > 0) {
    lines.push(
      renderColumns<DoctorCheck>(
        [
          {
            header: 'STATUS',
            value: (x) => MARK[x.status] ?? x.status,
            style: (t, x) =>
              x.status === 'failed'
                ? c.red(c.bold(t))
                : x.status === 'warning'
                  ? c.yellow(t)
                  : x.status === 'ok'
                    ? c.green(t)
                    : c.dim(t),
          },
          { header: 'CHECK', value: (x) => x.check, fit: 'wrap', minWidth: 20 },
          { header: 'RESULT', value: (x) => x.detail, fit: 'wrap', minWidth: 24 },
          { header: 'HOW TO FIX', value: (x) => x.fix ?? '', fit: 'wrap', minWidth: 24 },
        ],
        shown,
        display,
      ),
    );
  }
  const note = foldNote(
    STATUSES.filter((s) => !listed.has(s)).map((status) => ({
      status,
      count: by(status),
      words: status === 'ok' ? 'passed' : status,
    })),
  );
  if (note) lines.push(wrapText(color ? c.dim(note) : note, display));
  return lines.join('\n');
}
