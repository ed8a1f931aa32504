import type { Command } from 'commander';
import { createDocumentClient } from '../../aws/dynamo-client.js';
import { makePeriod, parsePeriod } from '../../period.js';
import { applyImport } from '../../ops/apply-import.js';
import { itemsToWrite } from '../../ops/import-plan.js';
import { accountIdOf, selectAccount } from '../../ops/select-account.js';
import { parseUsageCsv, periodsOf, planUsageImport } from '../../ops/usage-import.js';
import { deleteUsageItems } from '../../ops/usage-store.js';
import type { InvalidItem } from '../../publisher/ports.js';
import { formatProblems, type UsageItem } from '../../schemas.js';
import { EXIT, type CliContext } from '../context.js';
import { formatGb, renderTable } from '../table.js';
import { progress, readInputFile, renderPlan, reportCsvProblems } from './ops-common.js';

/** `cwpub usage import|list`: monthly billable space per client. */
export function registerUsage(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  const usage = program.command('usage').description('import and list monthly billable space per client');

  usage
    .command('import')
    .description('import usage from a CSV file (clientId,period,billableSpaceGb): every row is validated first; the file is applied whole or not at all')
    .argument('<file>', 'CSV file, UTF-8, with a header row; may hold several months')
    .option('--account <id>', 'account (default: the only account)')
    .option('--dry-run', 'validate and show what would change; write nothing')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (file: string, options: { account?: string; dryRun?: boolean; json?: boolean }) => {
      const bytes = await readInputFile(file);
      const parsed = parseUsageCsv(bytes, options.account ?? 'account', ctx.now());
      if (!parsed.ok) {
        reportCsvProblems(ctx, file, parsed.problems, options.json);
        setExit(EXIT.usage);
        return;
      }
      const repos = ctx.repositories();
      const accountId = accountIdOf(await selectAccount(repos.accounts, options.account));
      const rows = parsed.items.map((r) => ({ row: r.row, item: { ...r.item, accountId } }));
      const existingByPeriod = await Promise.all(
        periodsOf(rows).map((p) => repos.usage.listByPeriod(accountId, makePeriod(Number(p.slice(0, 4)), Number(p.slice(5, 7))))),
      );
      const existing = {
        items: existingByPeriod.flatMap((v) => [...v.items]),
        invalid: existingByPeriod.flatMap((v) => [...v.invalid]),
      };
      const plan = planUsageImport(rows, existing);
      const mapped = await repos.mappings.listByAccount(accountId);
      const known = new Set([...mapped.items.map((m) => m.clientId), ...mapped.invalid.map((i) => i.key.clientId)]);
      const unmapped = [...new Set(rows.map((r) => r.item.clientId).filter((c) => !known.has(c)))].sort();

      const dryRun = options.dryRun ?? false;
      const db = createDocumentClient(ctx.clients.dynamodb);
      const written = dryRun
        ? 0
        : await applyImport(
            plan,
            {
              table: repos.usage.table,
              putMany: (items) => repos.usage.putMany(items),
              removeMany: (items) => deleteUsageItems(db, repos.usage.table, items),
            },
            progress(ctx, options.json),
          );
      if (options.json) {
        ctx.json({ file, accountId, ok: true, dryRun, rows: rows.length, periods: periodsOf(rows), ...plan.counts, written, unmapped, changes: plan.changes });
      } else {
        const heading = `${dryRun ? 'DRY RUN (nothing written) · ' : ''}${file} → account ${accountId}, ${rows.length} row(s) for ${periodsOf(rows).join(', ')}`;
        ctx.out(renderPlan(plan, heading, (u) => `${formatGb(u.billableSpaceGb)} GB`));
        if (unmapped.length > 0) {
          ctx.out(`Note: ${unmapped.length} client(s) have no mapping in account ${accountId} (the publisher ignores their usage): ${unmapped.slice(0, 20).join(', ')}${unmapped.length > 20 ? ', …' : ''}`);
        }
        ctx.out(dryRun ? `Would write ${itemsToWrite(plan).length} usage item(s).` : `Wrote ${written} usage item(s).`);
      }
    });

  usage
    .command('list')
    .description("list an account's usage for one month, with the client's mapping")
    .requiredOption('--period <YYYY-MM>', 'the month')
    .option('--account <id>', 'account (default: the only account)')
    .option('--json', 'print the usage as JSON on stdout')
    .action(async (options: { period: string; account?: string; json?: boolean }) => {
      const period = parsePeriod(options.period, ctx.now(), '--period');
      const repos = ctx.repositories();
      const accountId = accountIdOf(await selectAccount(repos.accounts, options.account));
      const [list, mappings] = await Promise.all([repos.usage.listByPeriod(accountId, period), repos.mappings.listByAccount(accountId)]);
      const byClient = new Map(mappings.items.map((m) => [m.clientId, m]));
      const items = [...list.items].sort((a, b) => a.clientId.localeCompare(b.clientId));
      const rows = items.map((u: UsageItem) => {
        const m = byClient.get(u.clientId);
        return { clientId: u.clientId, period: u.period, billableSpaceGb: u.billableSpaceGb, managedId: m?.managedId, mapping: m ? (m.enabled ? 'enabled' : 'disabled') : 'none' };
      });
      const total = items.reduce((s, u) => s + u.billableSpaceGb, 0);
      if (options.json) ctx.json({ accountId, period: period.key, usage: rows, totalGb: total, invalid: list.invalid });
      else {
        ctx.out(`Account ${accountId}, ${period.key}: ${items.length} client(s), ${formatGb(Math.round(total * 100) / 100)} GB in total`);
        if (rows.length > 0) {
          ctx.out(renderTable(['Client', 'GB', 'Managed ID', 'Mapping'], rows.map((r) => [r.clientId, formatGb(r.billableSpaceGb), r.managedId, r.mapping])));
        }
        if (list.invalid.length > 0) {
          ctx.out('Invalid items (the publisher reports them as failed):');
          ctx.out(renderTable(['Usage key', 'Problems'], list.invalid.map((i: InvalidItem) => [i.key.usageKey ?? '?', formatProblems(i.problems)])));
        }
      }
      setExit(list.invalid.length > 0 ? EXIT.problems : EXIT.ok);
    });
}
