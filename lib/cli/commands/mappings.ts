import type { Command } from 'commander';
import { InputValidationError } from '../../errors.js';
import { parseMappingsCsv, planMappingsImport } from '../../ops/mappings-import.js';
import { accountIdOf, selectAccount } from '../../ops/select-account.js';
import type { Mapping } from '../../publisher/ports.js';
import { formatProblems, mappingItemSchema, validate } from '../../schemas.js';
import { renderColumns, type Column } from '../columns.js';
import { EXIT, type CliContext } from '../context.js';
import { keyArgument } from '../keys.js';
import { enabledCounts } from '../listing.js';
import { renderInvalid } from './accounts.js';
import {
  accountOption,
  importCommand,
  importHeading,
  importWritten,
  readInputFile,
  renderPlan,
  reportCsvProblems,
  writeImport,
  yesNo,
  type ImportOptions,
} from './ops-common.js';

interface PutOptions {
  account?: string;
  client: string;
  managedId?: string;
  clientName?: string;
  disabled?: boolean;
  enabled?: boolean;
  json?: boolean;
}

const FLAGS: Record<string, string> = { clientId: '--client', managedId: '--managed-id', clientName: '--client-name' };

const COLUMNS: Column<Mapping>[] = [
  { header: 'CLIENT', value: (m) => m.clientId, fit: 'middle', minWidth: 12 },
  { header: 'MANAGED ID', value: (m) => m.managedId, fit: 'middle', minWidth: 12 },
  { header: 'NAME', value: (m) => m.clientName, fit: 'truncate', minWidth: 12 },
  { header: 'ENABLED', value: (m) => yesNo(m.enabled), style: (t, _m, c) => (t === 'yes' ? t : c.yellow(t)) },
];

/** `cwpub mappings list|put|enable|disable|remove|import`: client → Managed ID mappings of an account. */
export function registerMappings(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  const mappings = program.command('mappings').description('list, edit and import client → Managed ID mappings');

  mappings
    .command('list')
    .description("list an account's mappings, with invalid items and what is wrong with them")
    .addOption(accountOption())
    .option('--json', 'print the mappings as JSON on stdout')
    .action(async (options: { account?: string; json?: boolean }) => {
      const repos = await ctx.repositories();
      const accountId = accountIdOf(await selectAccount(repos.accounts, options.account));
      const { items, invalid } = await repos.mappings.listByAccount(accountId);
      const sorted = [...items].sort((a, b) => a.clientId.localeCompare(b.clientId));
      if (options.json) ctx.json({ accountId, mappings: sorted, invalid });
      else {
        ctx.out(`Account ${accountId}: ${enabledCounts('mapping(s)', sorted, invalid.length)}`);
        if (sorted.length > 0) ctx.out(renderColumns(COLUMNS, sorted, ctx.display));
        if (invalid.length > 0) {
          ctx.out('Invalid items (the publisher reports them as failed):');
          ctx.out(renderInvalid(invalid, 'clientId', ctx));
        }
      }
      setExit(invalid.length > 0 ? EXIT.problems : EXIT.ok);
    });

  mappings
    .command('put')
    .description('create or update one mapping; options you leave out keep their current values')
    .requiredOption('--client <id>', 'the backup client ID', keyArgument('--client'))
    .option('--managed-id <id>', "the Managed ID on the company's Management tab (required for a new mapping)", trimmed)
    .option('--client-name <name>', 'a name for people (also the name of a new configuration)', trimmed)
    .option('--disabled', 'disable the mapping (the next publish stops billing the client)')
    .option('--enabled', 'enable the mapping (the default for a new mapping)')
    .addOption(accountOption())
    .option('--json', 'print the saved mapping as JSON on stdout')
    .action(async (options: PutOptions) => {
      if (options.disabled && options.enabled)
        throw new InputValidationError('give either --enabled or --disabled, not both', { field: 'enabled' });
      const repos = await ctx.repositories();
      const accountId = accountIdOf(await selectAccount(repos.accounts, options.account));
      const existing = await repos.mappings.get(accountId, options.client);
      const before = existing && !('problems' in existing) ? existing : undefined;
      const clientName = options.clientName === undefined ? before?.clientName : options.clientName || undefined;
      const candidate = {
        accountId,
        clientId: options.client,
        managedId: options.managedId ?? before?.managedId,
        ...(clientName ? { clientName } : {}),
        enabled: options.disabled ? false : options.enabled ? true : (before?.enabled ?? true),
      };
      const result = validate(mappingItemSchema, candidate);
      if (!result.ok) {
        const problems = result.problems.map((p) => ({ ...p, field: FLAGS[p.field] ?? p.field }));
        throw new InputValidationError(`mapping ${options.client}: ${formatProblems(problems)}`, {
          field: problems[0]?.field,
        });
      }
      const mapping: Mapping = { ...result.value, enabled: result.value.enabled ?? true };
      const action = !existing ? 'created' : before && sameMapping(before, mapping) ? 'unchanged' : 'updated';
      if (action !== 'unchanged') await repos.mappings.put(mapping);
      if (options.json) ctx.json({ action, mapping });
      else
        ctx.out(
          `Mapping ${mapping.clientId} → ${mapping.managedId} ${action} in account ${accountId}${mapping.enabled ? '' : ' (disabled)'}.`,
        );
    });

  for (const enabled of [false, true]) {
    mappings
      .command(enabled ? 'enable' : 'disable')
      .description(
        enabled
          ? 'enable a mapping again'
          : 'disable a mapping: the next publish stops billing the client; the mapping is kept',
      )
      .requiredOption('--client <id>', 'the backup client ID', keyArgument('--client'))
      .addOption(accountOption())
      .option('--json', 'print the result as JSON on stdout')
      .action(async (options: { client: string; account?: string; json?: boolean }) => {
        const repos = await ctx.repositories();
        const accountId = accountIdOf(await selectAccount(repos.accounts, options.account));
        const found = await repos.mappings.setEnabled(accountId, options.client, enabled);
        if (!found)
          throw new InputValidationError(`no mapping for client "${options.client}" in account ${accountId}`, {
            field: '--client',
          });
        if (options.json) ctx.json({ accountId, clientId: options.client, enabled });
        else ctx.out(`Mapping ${options.client} ${enabled ? 'enabled' : 'disabled'} in account ${accountId}.`);
      });
  }

  mappings
    .command('remove')
    .description(
      'delete a mapping: the next publish stops billing the client (disable is usually what you want). Asks first',
    )
    .requiredOption('--client <id>', 'the backup client ID', keyArgument('--client'))
    .addOption(accountOption())
    .option('-y, --yes', 'do not ask (for scripts)')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (options: { client: string; account?: string; json?: boolean; yes?: boolean }) => {
      const repos = await ctx.repositories();
      const accountId = accountIdOf(await selectAccount(repos.accounts, options.account));
      const existing = await repos.mappings.get(accountId, options.client);
      if (!existing)
        throw new InputValidationError(`no mapping for client "${options.client}" in account ${accountId}`, {
          field: '--client',
        });
      const target = 'managedId' in existing ? ` (→ ${existing.managedId})` : '';
      await ctx.confirm(
        `Remove mapping ${options.client}${target} from account ${accountId}? The next publish stops billing this client.`,
        {
          yes: options.yes,
          refusal: `refusing to remove mapping ${options.client}`,
        },
      );
      const removed = await repos.mappings.remove(accountId, options.client);
      if (!removed)
        throw new InputValidationError(`no mapping for client "${options.client}" in account ${accountId}`, {
          field: '--client',
        });
      if (options.json) ctx.json({ accountId, clientId: options.client, removed: true });
      else ctx.out(`Mapping ${options.client} removed from account ${accountId}.`);
    });

  importCommand(
    mappings,
    'import mappings from a CSV file (clientId,managedId[,clientName][,enabled]): ' +
      'every row is validated first; the file is applied whole or not at all',
    'CSV file, UTF-8, with a header row',
  ).action(async (file: string, options: ImportOptions) => {
    const bytes = await readInputFile(file);
    // The file is checked before any AWS call: a bad file needs no environment to be reported.
    const parsed = parseMappingsCsv(bytes, options.account ?? 'account');
    if (!parsed.ok) {
      reportCsvProblems(ctx, file, parsed.problems, options.json);
      setExit(EXIT.usage);
      return;
    }
    const repos = await ctx.repositories();
    const accountId = accountIdOf(await selectAccount(repos.accounts, options.account));
    const plan = planMappingsImport(accountId, parsed.rows, await repos.mappings.listByAccount(accountId));
    const dryRun = options.dryRun ?? false;
    const written = await writeImport(
      ctx,
      plan,
      {
        table: repos.mappings.table,
        putMany: (items) => repos.mappings.putMany(items),
        removeMany: async (items) => {
          for (const m of items) await repos.mappings.remove(m.accountId, m.clientId);
        },
      },
      options,
    );
    if (options.json) {
      ctx.json({
        file,
        accountId,
        ok: true,
        dryRun,
        rows: parsed.rows.length,
        ...plan.counts,
        written,
        changes: plan.changes,
      });
    } else {
      const heading = importHeading(file, accountId, parsed.rows.length, dryRun);
      ctx.out(
        renderPlan(
          plan,
          heading,
          (m) =>
            `managedId "${m.managedId}"${m.clientName ? `, name "${m.clientName}"` : ''}${m.enabled ? '' : ', disabled'}`,
          ctx.display,
        ),
      );
      ctx.out(importWritten(plan, written, dryRun, 'mapping(s)'));
    }
  });
}

function sameMapping(a: Mapping, b: Mapping): boolean {
  return a.managedId === b.managedId && a.clientName === b.clientName && a.enabled === b.enabled;
}

/** Text options lose outer white space, like CSV cells do. */
function trimmed(value: string): string {
  return value.trim();
}
