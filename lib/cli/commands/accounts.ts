import type { Command } from 'commander';
import { AccountError, InputValidationError } from '../../errors.js';
import type { Account } from '../../publisher/ports.js';
import { accountItemSchema, formatProblems, validate } from '../../schemas.js';
import { EXIT, type CliContext } from '../context.js';
import { renderTable } from '../table.js';
import { yesNo } from './ops-common.js';

interface PutOptions {
  account: string;
  secretId?: string;
  managementItName?: string;
  configurationTypeName?: string;
  disabled?: boolean;
  enabled?: boolean;
  json?: boolean;
}

const FLAGS: Record<string, string> = {
  accountId: '--account',
  secretId: '--secret-id',
  managementItName: '--management-it-name',
  configurationTypeName: '--configuration-type-name',
  enabled: '--enabled/--disabled',
};

/** `cwpub accounts list|put|enable|disable`: the accounts table, one item per ConnectWise site. */
export function registerAccounts(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  const accounts = program.command('accounts').description('list and edit accounts (one per ConnectWise site)');

  accounts
    .command('list')
    .description('list the accounts, with invalid items and what is wrong with them')
    .option('--json', 'print the accounts as JSON on stdout')
    .action(async (options: { json?: boolean }) => {
      const { items, invalid } = await ctx.repositories().accounts.list();
      if (options.json) ctx.json({ accounts: items, invalid });
      else {
        if (items.length === 0 && invalid.length === 0) ctx.out('No accounts. Add one with: cwpub accounts put --account ID --secret-id SECRET --management-it-name NAME');
        if (items.length > 0) {
          ctx.out(
            renderTable(
              ['Account', 'Enabled', 'Secret', 'Management IT', 'Configuration type'],
              items.map((a) => [a.accountId, yesNo(a.enabled), a.secretId, a.managementItName, a.configurationTypeName]),
            ),
          );
        }
        if (invalid.length > 0) {
          ctx.out(`\n${invalid.length} invalid account item(s) (the publisher skips them):`);
          ctx.out(renderTable(['Account', 'Problems'], invalid.map((i) => [i.key.accountId ?? '?', formatProblems(i.problems)])));
        }
      }
      setExit(invalid.length > 0 ? EXIT.problems : EXIT.ok);
    });

  accounts
    .command('put')
    .description('create or update an account; options you leave out keep their current values')
    .requiredOption('--account <id>', 'account ID (the key of the item)')
    .option('--secret-id <name-or-arn>', 'Secrets Manager secret holding the ConnectWise credentials (required for a new account)')
    .option('--management-it-name <name>', 'the Management IT solution name set up in ConnectWise (required for a new account)')
    .option('--configuration-type-name <name>', 'configuration type to publish (default: Backup Stats)')
    .option('--disabled', 'disable the account (the schedule skips it)')
    .option('--enabled', 'enable the account (the default for a new account)')
    .option('--json', 'print the saved account as JSON on stdout')
    .action(async (options: PutOptions) => {
      if (options.disabled && options.enabled) throw new InputValidationError('give either --enabled or --disabled, not both', { field: 'enabled' });
      const repo = ctx.repositories().accounts;
      const existing = await repo.get(options.account);
      const before = existing && 'secretId' in existing ? existing : undefined;
      const candidate = {
        accountId: options.account,
        secretId: options.secretId ?? before?.secretId,
        managementItName: options.managementItName ?? before?.managementItName,
        enabled: options.disabled ? false : options.enabled ? true : (before?.enabled ?? true),
        configurationTypeName: options.configurationTypeName ?? before?.configurationTypeName ?? 'Backup Stats',
      };
      const result = validate(accountItemSchema, candidate);
      if (!result.ok) {
        const problems = result.problems.map((p) => ({ ...p, field: FLAGS[p.field] ?? p.field }));
        throw new InputValidationError(`account ${options.account}: ${formatProblems(problems)}`, { field: problems[0]?.field });
      }
      const account: Account = { ...candidate, secretId: result.value.secretId, managementItName: result.value.managementItName };
      const action = !existing ? 'created' : before && sameAccount(before, account) ? 'unchanged' : 'updated';
      if (action !== 'unchanged') await repo.put(account);
      if (options.json) ctx.json({ action, account });
      else {
        ctx.out(`Account ${account.accountId} ${action}.`);
        ctx.out(renderTable(['Account', 'Enabled', 'Secret', 'Management IT', 'Configuration type'], [[account.accountId, yesNo(account.enabled), account.secretId, account.managementItName, account.configurationTypeName]]));
        ctx.out(`Check the whole setup with: cwpub doctor --account ${account.accountId}`);
      }
    });

  for (const enabled of [false, true]) {
    accounts
      .command(enabled ? 'enable' : 'disable')
      .description(enabled ? 'enable an account again' : 'disable an account: the schedule and `cwpub publish` skip it; nothing is deleted')
      .requiredOption('--account <id>', 'account ID')
      .option('--json', 'print the result as JSON on stdout')
      .action(async (options: { account: string; json?: boolean }) => {
        const found = await ctx.repositories().accounts.setEnabled(options.account, enabled);
        if (!found) throw new AccountError(`account "${options.account}" not found in the accounts table`, { code: 'ACCOUNT_NOT_FOUND' });
        if (options.json) ctx.json({ accountId: options.account, enabled });
        else ctx.out(`Account ${options.account} ${enabled ? 'enabled' : 'disabled'}.`);
      });
  }
}

function sameAccount(a: Account, b: Account): boolean {
  return (
    a.secretId === b.secretId &&
    a.managementItName === b.managementItName &&
    a.enabled === b.enabled &&
    a.configurationTypeName === b.configurationTypeName
  );
}
