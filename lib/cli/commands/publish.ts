import { Option, type Command } from 'commander';
import { progressFor } from '../../ops/progress.js';
import { runFailed, runPublish } from '../../publisher/run-publish.js';
import type { RunSummary } from '../../publisher/ports.js';
import { EXIT, type CliContext } from '../context.js';
import { formatGb, renderTable } from '../table.js';

export interface PublishOptions {
  account?: string;
  period?: string;
  client: string[];
  dryRun?: boolean;
  json?: boolean;
}

export function registerPublish(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  program
    .command('publish')
    .description('publish billable space to ConnectWise (the same run as the Lambda), then trigger the Management sync')
    .option('--account <id>', 'only this account (default: every enabled account)')
    .option('--period <YYYY-MM>', 'billing month (default: the month before now, UTC)')
    .addOption(
      new Option('--client <id>', 'only this client (repeatable)').argParser((value: string, previous: string[] = []) => [...previous, value]).default([]),
    )
    .option('--dry-run', 'show what would change; write nothing anywhere')
    .option('--json', 'print the run summary as JSON on stdout')
    .action(async (options: PublishOptions) => {
      const summary = await runPublish(
        {
          accountId: options.account,
          period: options.period,
          clientIds: options.client.length ? options.client : undefined,
          dryRun: options.dryRun ?? false,
        },
        { ...ctx.publisherDeps(), progress: progressFor(ctx.io.stderr, options.json) },
      );
      if (options.json) ctx.json(summary);
      else ctx.out(renderSummary(summary));
      setExit(runFailed(summary) ? EXIT.problems : EXIT.ok);
    });
}

export function renderSummary(summary: RunSummary): string {
  const lines = [`Run ${summary.runId} · period ${summary.period}${summary.dryRun ? ' · DRY RUN (nothing written)' : ''}`];
  if (summary.accounts.length === 0) lines.push('No enabled accounts.');
  for (const account of summary.accounts) {
    lines.push('');
    const counts = summary.dryRun
      ? `${account.planned} planned, ${account.unchanged} unchanged, ${account.skipped} skipped, ${account.failed} failed`
      : `${account.published} published, ${account.unchanged} unchanged, ${account.skipped} skipped, ${account.failed} failed`;
    lines.push(`Account ${account.accountId}: ${counts}; sync ${account.sync}${account.syncReason ? ` (${account.syncReason})` : ''}`);
    if (account.error) lines.push(`  error: ${account.error}`);
    if (account.results.length > 0) {
      lines.push(
        renderTable(
          ['Client', 'Managed ID', 'Company', 'GB', 'Outcome', 'Reason'],
          account.results.map((r) => [r.clientId, r.managedId, r.companyIdentifier, formatGb(r.billableSpaceGb), r.status, r.reason]),
        ),
      );
    }
  }
  return lines.join('\n');
}
