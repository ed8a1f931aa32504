import type { Command } from 'commander';
import { AccountNotFoundError } from '../../errors.js';
import type { InvalidItem } from '../../publisher/ports/index.js';
import { ACCOUNT_FIELDS, accountItemSchema } from '../../records/account.js';
import { formatProblems } from '../../input/schemas.js';
import { renderColumns } from '../columns.js';
import { EXIT, type CliContext } from '../context.js';
import { keyArgument } from '../keys.js';
import { count, enabledCounts } from '../listing.js';
import { addFieldOptions, mergePut, recordColumns, savePut, type PutFlags } from '../record-options.js';

const COLUMNS = recordColumns(ACCOUNT_FIELDS, {
  accountId: { fit: 'middle' },
  enabled: { style: (t, _a, c) => (t === 'yes' ? c.green(t) : c.yellow(t)) },
  secretId: { fit: 'middle', minWidth: 16 },
  managementItName: { fit: 'truncate' },
  configurationTypeName: { fit: 'truncate' },
});

/** `cwpub accounts list|put|enable|disable`: the accounts table, one item per ConnectWise site. */
export function registerAccounts(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  const accounts = program.command('accounts').description('list and edit accounts (one per ConnectWise site)');

  accounts
    .command('list')
    .description('list the accounts, with invalid items and what is wrong with them')
    .option('--json', 'print the accounts as JSON on stdout')
    .action(async (options: { json?: boolean }) => {
      const { items, invalid } = await (await ctx.repositories()).accounts.list();
      if (options.json) ctx.json({ accounts: items, invalid });
      else {
        ctx.out(enabledCounts('account(s)', items, invalid.length));
        if (items.length === 0 && invalid.length === 0) {
          ctx.out('Add one with: cwpub accounts put --account ID --secret-id SECRET --management-it-name NAME');
        }
        if (items.length > 0) ctx.out(renderColumns(COLUMNS, items, ctx.display));
        if (invalid.length > 0) {
          ctx.out(`\n${count(invalid.length)} invalid account item(s) (the publisher skips them):`);
          ctx.out(renderInvalid(invalid, 'accountId', ctx));
        }
      }
      setExit(invalid.length > 0 ? EXIT.problems : EXIT.ok);
    });

  addFieldOptions(
    accounts
      .command('put')
      .description('create or update an account; options you leave out keep their current values')
      .requiredOption('--account <id>', 'account ID (the key of the item)', keyArgument('--account')),
    ACCOUNT_FIELDS,
    {
      disabled: 'disable the account (the schedule skips it)',
      enabled: 'enable the account (the default for a new account)',
    },
  )
    .option('--json', 'print the saved account as JSON on stdout')
    .action(async (options: PutFlags & { account: string; json?: boolean }) => {
      const repo = (await ctx.repositories()).accounts;
      const existing = await repo.get(options.account);
      const before = existing && 'secretId' in existing ? existing : undefined;
      const key = { accountId: options.account };
      const account = mergePut(ACCOUNT_FIELDS, accountItemSchema, key, options, before, `account ${options.account}`);
      const action = await savePut(ACCOUNT_FIELDS, existing, before, account, (a) => repo.put(a));
      if (options.json) ctx.json({ action, account });
      else {
        ctx.out(`Account ${account.accountId} ${action}.`);
        ctx.out(renderColumns(COLUMNS, [account], ctx.display));
        ctx.out(`Check the whole setup with: cwpub doctor --account ${account.accountId}`);
      }
    });

  for (const enabled of [false, true]) {
    const command = accounts
      .command(enabled ? 'enable' : 'disable')
      .description(
        enabled
          ? 'enable an account again'
          : 'disable an account: the schedule and `cwpub publish` skip it, ' +
              'so its clients are no longer published; nothing is deleted. Asks first',
      )
      .requiredOption('--account <id>', 'account ID', keyArgument('--account'))
      .option('--json', 'print the result as JSON on stdout');
    if (!enabled) command.option('-y, --yes', 'do not ask (for scripts)');
    command.action(async (options: { account: string; json?: boolean; yes?: boolean }) => {
      const repo = (await ctx.repositories()).accounts;
      const found = await repo.get(options.account);
      if (!found) throw new AccountNotFoundError(`account "${options.account}" not found in the accounts table`);
      if (!enabled && !('secretId' in found && !found.enabled)) {
        await ctx.confirm(
          `Disable account ${options.account}? The monthly publish and \`cwpub publish\` will skip it until it is enabled again.`,
          {
            yes: options.yes,
            refusal: `refusing to disable account ${options.account}`,
          },
        );
      }
      await repo.setEnabled(options.account, enabled);
      if (options.json) ctx.json({ accountId: options.account, enabled });
      else ctx.out(`Account ${options.account} ${enabled ? 'enabled' : 'disabled'}.`);
    });
  }
}

export function renderInvalid(invalid: readonly InvalidItem[], key: string, ctx: CliContext): string {
  return renderColumns<InvalidItem>(
    [
      {
        header: key === 'accountId' ? 'ACCOUNT' : key === 'clientId' ? 'CLIENT' : 'KEY',
        value: (i) => i.key[key] ?? '?',
        fit: 'truncate',
      },
      {
        header: 'PROBLEMS',
        value: (i) => formatProblems(i.problems),
        fit: 'wrap',
        minWidth: 30,
        style: (t, _i, c) => c.red(t),
      },
    ],
    invalid,
    ctx.display,
  );
}
