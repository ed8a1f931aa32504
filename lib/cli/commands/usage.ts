import type { Command } from 'commander';
import { createDocumentClient } from '../../aws/dynamo-client.js';
import { makePeriod } from '../../period.js';
import { accountIdOf, selectAccount } from '../select-account.js';
import { parseUsageCsv, periodsOf, planUsageImport } from '../../imports/usage-import.js';
import { deleteUsageItems } from '../../aws/usage-store.js';
import type { UsageItem } from '../../input/schemas.js';
import { renderColumns, type Column } from '../columns.js';
import { EXIT, type CliContext } from '../context.js';
import { count, formatGb } from '../listing.js';
import { renderInvalid } from './accounts.js';
import {
  accountOption,
  importCommand,
  importHeading,
  importWritten,
  periodOf,
  periodOption,
  readInputFile,
  renderPlan,
  reportCsvProblems,
  writeImport,
  type ImportOptions,
} from './ops-common.js';

/** `cwpub usage import|list`: monthly billable space per client. */
export function registerUsage(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  const usage = program.command('usage').description('import and list monthly billable space per client');
  importUsageCommand(usage, ctx, setExit);
  listUsageCommand(usage, ctx, setExit);
}

/** `cwpub usage import`. */
function importUsageCommand(usage: Command, ctx: CliContext, setExit: (code: number) => void): void {
  importCommand(
    usage,
    'import usage from a CSV file (clientId,period,billableSpaceGb[,clientName]): ' +
      'every row is validated first; the file is applied whole or not at all',
    'CSV file, UTF-8, with a header row; may hold several months',
  ).action(async (file: string, options: ImportOptions) => {
    const bytes = await readInputFile(file);
    const parsed = parseUsageCsv(bytes, options.account ?? 'account', ctx.now());
    if (!parsed.ok) {
      reportCsvProblems(ctx, file, parsed.problems, options.json);
      setExit(EXIT.usage);
      return;
    }
    const repos = await ctx.repositories();
    const accountId = accountIdOf(await selectAccount(repos.accounts, options.account));
    const rows = parsed.items.map((r) => ({ row: r.row, item: { ...r.item, accountId } }));
    const existingByPeriod = await Promise.all(
      periodsOf(rows).map((p) =>
        repos.usage.listByPeriod(accountId, makePeriod(Number(p.slice(0, 4)), Number(p.slice(5, 7)))),
      ),
    );
    const existing = {
      items: existingByPeriod.flatMap((v) => [...v.items]),
      invalid: existingByPeriod.flatMap((v) => [...v.invalid]),
    };
    const plan = planUsageImport(rows, existing, parsed.hasNames);
    const mapped = await repos.mappings.listByAccount(accountId);
    const known = new Set([...mapped.items.map((m) => m.clientId), ...mapped.invalid.map((i) => i.key.clientId)]);
    const unmapped = [...new Set(rows.map((r) => r.item.clientId).filter((c) => !known.has(c)))].sort();

    const dryRun = options.dryRun ?? false;
    const db = createDocumentClient((await ctx.settings()).clients.dynamodb);
    const written = await writeImport(
      ctx,
      plan,
      {
        table: repos.usage.table,
        putMany: (items) => repos.usage.putMany(items),
        removeMany: (items) => deleteUsageItems(db, repos.usage.table, items),
      },
      options,
    );
    if (options.json) {
      ctx.json({
        file,
        accountId,
        ok: true,
        dryRun,
        rows: rows.length,
        periods: periodsOf(rows),
        ...plan.counts,
        written,
        unmapped,
        changes: plan.changes,
      });
    } else {
      const heading = `${importHeading(file, accountId, rows.length, dryRun)} for ${periodsOf(rows).join(', ')}`;
      const describe = (u: UsageItem) =>
        `${formatGb(u.billableSpaceGb)} GB${u.clientName ? `, name "${u.clientName}"` : ''}`;
      ctx.out(renderPlan(plan, heading, describe, ctx.display));
      if (unmapped.length > 0) {
        ctx.out(
          `Note: ${unmapped.length} client(s) have no mapping in account ${accountId} ` +
            `(the publisher ignores their usage): ${unmapped.slice(0, 20).join(', ')}` +
            (unmapped.length > 20 ? ', …' : '') +
            '\n  (cwpub mappings suggest proposes their mappings from the client names)',
        );
      }
      ctx.out(importWritten(plan, written, dryRun, 'usage item(s)'));
    }
  });
}

/** `cwpub usage list`. */
function listUsageCommand(usage: Command, ctx: CliContext, setExit: (code: number) => void): void {
  usage
    .command('list')
    .description("list an account's usage for one month, with each client's mapping and what is billable")
    .addOption(periodOption())
    .addOption(accountOption())
    .option('--json', 'print the usage as JSON on stdout')
    .action(async (options: { period?: string; account?: string; json?: boolean }) => {
      const period = periodOf(options.period, ctx);
      const repos = await ctx.repositories();
      const accountId = accountIdOf(await selectAccount(repos.accounts, options.account));
      const [list, mappings] = await Promise.all([
        repos.usage.listByPeriod(accountId, period),
        repos.mappings.listByAccount(accountId),
      ]);
      const byClient = new Map(mappings.items.map((m) => [m.clientId, m]));
      const items = [...list.items].sort((a, b) => a.clientId.localeCompare(b.clientId));
      const rows = items.map((u: UsageItem) => {
        const m = byClient.get(u.clientId);
        return {
          clientId: u.clientId,
          // The metering's name; the mapping's when the usage item has none.
          clientName: u.clientName ?? m?.clientName,
          period: u.period,
          billableSpaceGb: u.billableSpaceGb,
          managedId: m?.managedId,
          mapping: m ? (m.enabled ? 'enabled' : 'disabled') : 'none',
        };
      });
      // Only usage of an enabled mapping is published (billed); the rest is listed but not billed.
      const sum = (which: (r: (typeof rows)[number]) => boolean) =>
        round(rows.filter(which).reduce((s, r) => s + r.billableSpaceGb, 0));
      const totals = {
        totalGb: sum(() => true),
        billableGb: sum((r) => r.mapping === 'enabled'),
        unmappedGb: sum((r) => r.mapping === 'none'),
        disabledGb: sum((r) => r.mapping === 'disabled'),
      };
      if (options.json) ctx.json({ accountId, period: period.key, usage: rows, ...totals, invalid: list.invalid });
      else {
        const billable = rows.filter((r) => r.mapping === 'enabled').length;
        const unmapped = rows.filter((r) => r.mapping === 'none').length;
        const disabled = rows.filter((r) => r.mapping === 'disabled').length;
        const notBilled = [
          unmapped ? `${count(unmapped)} without a mapping (${formatGb(totals.unmappedGb)} GB)` : '',
          disabled ? `${count(disabled)} with a disabled mapping (${formatGb(totals.disabledGb)} GB)` : '',
        ].filter(Boolean);
        ctx.out(
          `Account ${accountId}, ${period.key}: ${count(billable)} billable client(s), ${formatGb(totals.billableGb)} GB` +
            (notBilled.length ? `; not billed: ${notBilled.join(', ')}` : ''),
        );
        if (rows.length > 0) {
          type Row = (typeof rows)[number];
          const named = rows.some((r) => r.clientName);
          const name: Column<Row>[] = named ? [{ header: 'NAME', value: (r) => r.clientName, fit: 'truncate' }] : [];
          ctx.out(
            renderColumns<Row>(
              [
                { header: 'CLIENT', value: (r) => r.clientId, fit: 'middle', minWidth: 12 },
                ...name,
                { header: 'GB', value: (r) => formatGb(r.billableSpaceGb), align: 'right' },
                { header: 'MANAGED ID', value: (r) => r.managedId, fit: 'middle', minWidth: 12 },
                {
                  header: 'MAPPING',
                  value: (r) => (r.mapping === 'enabled' ? 'enabled' : `${r.mapping} (not billed)`),
                  style: (t, r, c) => (r.mapping === 'enabled' ? t : c.yellow(t)),
                },
              ],
              rows,
              ctx.display,
            ),
          );
        }
        if (list.invalid.length > 0) {
          ctx.out('Invalid items (the publisher reports them as failed):');
          ctx.out(renderInvalid(list.invalid, 'usageKey', ctx));
        }
      }
      setExit(list.invalid.length > 0 ? EXIT.problems : EXIT.ok);
    });
}

function round(gb: number): number {
  return Math.round(gb * 1000) / 1000;
}
