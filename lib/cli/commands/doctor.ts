import type { Command } from 'commander';
import { runDoctor, type DoctorCheck, type DoctorReport } from '../../ops/doctor.js';
import { EXIT, type CliContext } from '../context.js';
import { progress, renderWrappedTable } from './ops-common.js';

const MARK: Record<DoctorCheck['status'], string> = { ok: '✔', warning: '!', failed: '✘', skipped: '–' };

/** `cwpub doctor`: walks the ConnectWise and AWS setup checklist for one account. Read-only. */
export function registerDoctor(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  program
    .command('doctor')
    .description('check the whole setup of an account (AWS tables and secret, ConnectWise credentials, Management IT, Management, configuration type, Managed IDs, Management Backup) and say how to fix what is missing')
    .option('--account <id>', 'account (default: the only account)')
    .option('--json', 'print the checks as JSON on stdout')
    .action(async (options: { account?: string; json?: boolean }) => {
      const repos = ctx.repositories();
      const deps = ctx.publisherDeps();
      const report = await runDoctor(options.account, {
        ...deps,
        tables: { accounts: repos.accounts.table, mappings: repos.mappings.table, usage: repos.usage.table, ledger: repos.ledger.table },
        now: ctx.now(),
        progress: progress(ctx, options.json),
      });
      if (options.json) ctx.json(report);
      else ctx.out(renderDoctor(report));
      setExit(report.ready ? EXIT.ok : EXIT.problems);
    });
}

export function renderDoctor(report: DoctorReport): string {
  const failed = report.checks.filter((c) => c.status === 'failed').length;
  const warnings = report.checks.filter((c) => c.status === 'warning').length;
  const table = renderWrappedTable(
    ['', 'Check', 'Result', 'How to fix'],
    report.checks.map((c) => [MARK[c.status], c.check, c.detail, c.fix]),
    [3, 30, 45, 40],
  );
  const verdict = report.ready
    ? `Account ${report.accountId}: ready${warnings ? ` (${warnings} warning(s))` : ''}.`
    : `Account ${report.accountId || '(none)'}: NOT ready — ${failed} check(s) failed${warnings ? `, ${warnings} warning(s)` : ''}.`;
  return `${table}\n${verdict}`;
}
