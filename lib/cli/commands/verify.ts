import type { Command } from 'commander';
import { parsePeriod } from '../../period.js';
import { requireValidAccount, selectAccount } from '../../ops/select-account.js';
import type { VerifyReport } from '../../ops/verify.js';
import { runVerify } from '../../ops/verify-run.js';
import { EXIT, type CliContext } from '../context.js';
import { formatGb, renderTable } from '../table.js';
import { progress, renderWrappedTable } from './ops-common.js';

/** `cwpub verify`: reads ConnectWise back and reconciles it with the usage and the ledger. Read-only. */
export function registerVerify(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  program
    .command('verify')
    .description(
      "check that ConnectWise holds what was published for a month: each client's configuration (GB, year, month, exactly one) and, after the sync, the agreement additions",
    )
    .requiredOption('--period <YYYY-MM>', 'the month to verify')
    .option('--account <id>', 'account (default: the only account)')
    .option('--json', 'print the report as JSON on stdout')
    .action(async (options: { period: string; account?: string; json?: boolean }) => {
      const period = parsePeriod(options.period, ctx.now(), '--period');
      const deps = ctx.publisherDeps();
      const account = requireValidAccount(await selectAccount(deps.accounts, options.account));
      const report = await runVerify(account, period, {
        ...deps,
        now: ctx.now(),
        progress: progress(ctx, options.json),
      });
      if (options.json) ctx.json(report);
      else ctx.out(renderVerify(report));
      setExit(report.ok ? EXIT.ok : EXIT.problems);
    });
}

const show = (v: number | string | null | undefined): string =>
  v === undefined || v === null ? '' : typeof v === 'number' ? formatGb(v) : v;

export function renderVerify(report: VerifyReport): string {
  const skipped = report.clients.filter((c) => c.status === 'skipped').length;
  const bad = report.clients.filter((c) => c.status === 'mismatch').length;
  const lines = [
    `Verify account ${report.accountId}, period ${report.period}: ${report.checked} client(s) checked, ${report.checked - bad} match, ${bad} with mismatches${skipped ? `, ${skipped} skipped` : ''}`,
  ];
  if (report.clients.length > 0) {
    lines.push(
      renderTable(
        ['Client', 'Managed ID', 'Company', 'Usage GB', 'Configuration GB', 'Addition GB', 'Result'],
        report.clients.map((c) => [
          c.clientId,
          c.managedId,
          c.company,
          show(c.usageGb),
          show(c.configurationGb),
          show(c.additionQuantity),
          c.status === 'skipped' ? `skipped: ${c.reason ?? ''}` : c.status,
        ]),
      ),
    );
  }
  if (report.mismatches.length > 0) {
    lines.push('', `Mismatches (${report.mismatches.length}):`);
    lines.push(
      renderWrappedTable(
        ['Client', 'Problem', 'Expected', 'Found', 'Detail'],
        report.mismatches.map((m) => [m.clientIds.join(', ') || '–', m.kind, show(m.expected), show(m.found), m.detail]),
        [null, null, null, null, 60],
      ),
    );
  }
  if (report.notes.length > 0) {
    lines.push('', `Notes (${report.notes.length}, not mismatches):`);
    lines.push(renderWrappedTable(['Client', 'Note', 'Detail'], report.notes.map((n) => [n.clientIds.join(', '), n.kind, n.detail]), [null, null, 70]));
  }
  lines.push(report.ok ? 'ConnectWise matches what was published.' : 'ConnectWise does NOT match what was published.');
  return lines.join('\n');
}
