import type { Command } from 'commander';
import { InputValidationError } from '../../errors.js';
import { csvHelp } from '../../imports/csv-file.js';
import { MAPPINGS_CSV, parseMappingsCsv, planMappingsImport } from '../../imports/mappings-import.js';
import { accountIdOf, selectAccount } from '../select-account.js';
import { describeValues } from '../../records/field.js';
import { MAPPING_FIELDS, mappingItemSchema } from '../../records/mapping.js';
import { renderColumns } from '../columns.js';
import { EXIT, type CliContext } from '../context.js';
import { keyArgument } from '../keys.js';
import { enabledCounts } from '../listing.js';
import { addFieldOptions, mergePut, recordColumns, savePut, type PutFlags } from '../record-options.js';
import { renderInvalid } from './accounts.js';
import { registerMappingsSuggest } from './mappings-suggest.js';
import {
  accountOption,
  importCommand,
  importHeading,
  importWritten,
  readInputFile,
  renderPlan,
  reportCsvProblems,
  writeImport,
  type ImportOptions,
} from './ops-common.js';

const COLUMNS = recordColumns(MAPPING_FIELDS, {
  clientId: { fit: 'middle', minWidth: 12 },
  managedId: { fit: 'middle', minWidth: 12 },
  clientName: { fit: 'truncate', minWidth: 12 },
  enabled: { style: (t, _m, c) => (t === 'yes' ? t : c.yellow(t)) },
});

/** `cwpub mappings list|put|enable|disable|remove|import`: client → Managed ID mappings of an account. */
export function registerMappings(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  const mappings = program.command('mappings').description('list, edit and import client → Managed ID mappings');
  listCommand(mappings, ctx, setExit);
  putCommand(mappings, ctx);
  toggleCommands(mappings, ctx);
  removeCommand(mappings, ctx);
  importMappingsCommand(mappings, ctx, setExit);
  registerMappingsSuggest(mappings, ctx, setExit);
}

/** `cwpub mappings list`. */
function listCommand(mappings: Command, ctx: CliContext, setExit: (code: number) => void): void {
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
        // The allowance column only when some client is on a plan: most accounts have none.
        const onPlan = sorted.some((m) => (m.includedGb ?? 0) > 0);
        const columns = onPlan ? COLUMNS : COLUMNS.filter((c) => c.header !== MAPPING_FIELDS.includedGb.column);
        if (sorted.length > 0) ctx.out(renderColumns(columns, sorted, ctx.display));
        if (invalid.length > 0) {
          ctx.out('Invalid items (the publisher reports them as failed):');
          ctx.out(renderInvalid(invalid, 'clientId', ctx));
        }
      }
      setExit(invalid.length > 0 ? EXIT.problems : EXIT.ok);
    });
}

/** `cwpub mappings put`: flags from the Mappings table (lib/records/mapping.ts). */
function putCommand(mappings: Command, ctx: CliContext): void {
  addFieldOptions(
    mappings
      .command('put')
      .description('create or update one mapping; options you leave out keep their current values')
      .requiredOption('--client <id>', 'the backup client ID', keyArgument('--client')),
    MAPPING_FIELDS,
    {
      disabled: 'disable the mapping (the next publish stops billing the client)',
      enabled: 'enable the mapping (the default for a new mapping)',
    },
  )
    .addOption(accountOption())
    .option('--json', 'print the saved mapping as JSON on stdout')
    .action(async (options: PutFlags & { client: string; account?: string; json?: boolean }) => {
      const repos = await ctx.repositories();
      const accountId = accountIdOf(await selectAccount(repos.accounts, options.account));
      const existing = await repos.mappings.get(accountId, options.client);
      const before = existing && !('problems' in existing) ? existing : undefined;
      const key = { accountId, clientId: options.client };
      const mapping = mergePut(MAPPING_FIELDS, mappingItemSchema, key, options, before, `mapping ${options.client}`);
      const action = await savePut(MAPPING_FIELDS, existing, before, mapping, (m) => repos.mappings.put(m));
      if (options.json) ctx.json({ action, mapping });
      else
        ctx.out(
          `Mapping ${mapping.clientId} → ${mapping.managedId} ${action} in account ${accountId}${mapping.enabled ? '' : ' (disabled)'}.`,
        );
    });
}

/** `cwpub mappings enable|disable`. */
function toggleCommands(mappings: Command, ctx: CliContext): void {
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
}

/** `cwpub mappings remove`. */
function removeCommand(mappings: Command, ctx: CliContext): void {
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
}

/** `cwpub mappings import`. */
function importMappingsCommand(mappings: Command, ctx: CliContext, setExit: (code: number) => void): void {
  importCommand(
    mappings,
    `import mappings from a CSV file (${csvHelp(MAPPINGS_CSV)}): ` +
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
      ctx.out(renderPlan(plan, heading, (m) => describeValues(MAPPING_FIELDS, m), ctx.display));
      ctx.out(importWritten(plan, written, dryRun, 'mapping(s)'));
    }
  });
}
