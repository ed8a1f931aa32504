import { InvalidArgumentError, type Command } from 'commander';
import { ACCOUNT_DEFAULTS } from '../../contract.js';
import { AccountError, InputValidationError } from '../../errors.js';
import type { Account, InvalidItem } from '../../publisher/ports.js';
import { accountItemSchema, formatProblems, validate } from '../../schemas.js';
import { renderColumns, type Column } from '../columns.js';
import { EXIT, type CliContext } from '../context.js';
import { keyArgument } from '../keys.js';
import { count, enabledCounts } from '../listing.js';
import { yesNo } from './ops-common.js';

interface PutOptions {
  account: string;
  secretId?: string;
  managementItName?: string;
  configurationTypeName?: string;
  maxBillableSpaceGb?: number;
  requestsPerMinute?: number;
  disabled?: boolean;
  enabled?: boolean;
  json?: boolean;
}

const FLAGS: Record<string, string> = {
  accountId: '--account',
  secretId: '--secret-id',
  managementItName: '--management-it-name',
  configurationTypeName: '--configuration-type-name',
  maxBillableSpaceGb: '--max-billable-space-gb',
  requestsPerMinute: '--requests-per-minute',
  enabled: '--enabled/--disabled',
};

const COLUMNS: Column<Account>[] = [
  { header: 'ACCOUNT', value: (a) => a.accountId, fit: 'middle' },
  { header: 'ENABLED', value: (a) => yesNo(a.enabled), style: (t, _a, c) => (t === 'yes' ? c.green(t) : c.yellow(t)) },
  { header: 'SECRET', value: (a) => a.secretId, fit: 'middle', minWidth: 16 },
  { header: 'MANAGEMENT IT', value: (a) => a.managementItName, fit: 'truncate' },
  { header: 'CONFIGURATION TYPE', value: (a) => a.configurationTypeName, fit: 'truncate' },
  { header: 'MAX GB', value: (a) => a.maxBillableSpaceGb, align: 'right' },
  { header: 'REQ/MIN', value: (a) => a.requestsPerMinute, align: 'right' },
];

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

  accounts
    .command('put')
    .description('create or update an account; options you leave out keep their current values')
    .requiredOption('--account <id>', 'account ID (the key of the item)', keyArgument('--account'))
    .option(
      '--secret-id <name-or-arn>',
      'Secrets Manager secret holding the ConnectWise credentials (required for a new account)',
      trimmed,
    )
    .option(
      '--management-it-name <name>',
      'the Management IT solution name set up in ConnectWise (required for a new account)',
      trimmed,
    )
    .option(
      '--configuration-type-name <name>',
      `configuration type to publish (default: ${ACCOUNT_DEFAULTS.configurationTypeName})`,
      trimmed,
    )
    .option(
      '--max-billable-space-gb <gb>',
      `usage above this fails the client (default: ${ACCOUNT_DEFAULTS.maxBillableSpaceGb})`,
      positiveNumber('--max-billable-space-gb'),
    )
    .option(
      '--requests-per-minute <n>',
      `ConnectWise requests per minute to the site (default: ${ACCOUNT_DEFAULTS.requestsPerMinute})`,
      positiveNumber('--requests-per-minute'),
    )
    .option('--disabled', 'disable the account (the schedule skips it)')
    .option('--enabled', 'enable the account (the default for a new account)')
    .option('--json', 'print the saved account as JSON on stdout')
    .action(async (options: PutOptions) => {
      if (options.disabled && options.enabled)
        throw new InputValidationError('give either --enabled or --disabled, not both', { field: 'enabled' });
      const repo = (await ctx.repositories()).accounts;
      const existing = await repo.get(options.account);
      const before = existing && 'secretId' in existing ? existing : undefined;
      const candidate = {
        accountId: options.account,
        secretId: options.secretId ?? before?.secretId,
        managementItName: options.managementItName ?? before?.managementItName,
        enabled: options.disabled ? false : options.enabled ? true : (before?.enabled ?? true),
        configurationTypeName:
          options.configurationTypeName ?? before?.configurationTypeName ?? ACCOUNT_DEFAULTS.configurationTypeName,
        maxBillableSpaceGb:
          options.maxBillableSpaceGb ?? before?.maxBillableSpaceGb ?? ACCOUNT_DEFAULTS.maxBillableSpaceGb,
        requestsPerMinute: options.requestsPerMinute ?? before?.requestsPerMinute ?? ACCOUNT_DEFAULTS.requestsPerMinute,
      };
      const result = validate(accountItemSchema, candidate);
      if (!result.ok) {
        const problems = result.problems.map((p) => ({ ...p, field: FLAGS[p.field] ?? p.field }));
        throw new InputValidationError(`account ${options.account}: ${formatProblems(problems)}`, {
          field: problems[0]?.field,
        });
      }
      const account: Account = {
        ...candidate,
        secretId: result.value.secretId,
        managementItName: result.value.managementItName,
      };
      const action = !existing ? 'created' : before && sameAccount(before, account) ? 'unchanged' : 'updated';
      if (action !== 'unchanged') await repo.put(account);
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
      if (!found)
        throw new AccountError(`account "${options.account}" not found in the accounts table`, {
          code: 'ACCOUNT_NOT_FOUND',
        });
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

function sameAccount(a: Account, b: Account): boolean {
  return (
    a.secretId === b.secretId &&
    a.managementItName === b.managementItName &&
    a.enabled === b.enabled &&
    a.configurationTypeName === b.configurationTypeName &&
    a.maxBillableSpaceGb === b.maxBillableSpaceGb &&
    a.requestsPerMinute === b.requestsPerMinute
  );
}

/** Text options lose outer white space, like CSV cells do; the schema then refuses what is still wrong. */
function trimmed(value: string): string {
  return value.trim();
}

function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value.trim());
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(`${flag} must be a number above 0 (got "${value}")`);
    return n;
  };
}
