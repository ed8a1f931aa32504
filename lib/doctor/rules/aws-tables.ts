import { AccountAmbiguousError } from '../../errors.js';
import { ENVIRONMENT } from '../../contract.js';
import { ok, type Rule } from '../runner.js';
import { awsTableFix } from '../fixes.js';
import type { DoctorContext } from '../types.js';

/**
 * The four DynamoDB tables. The accounts table also selects the account (the command line's, or the
 * only one); the others are queried with that account's key, so key-conditioned IAM permissions are
 * exercised too. A table that cannot be read fails its own check only.
 */
export const accountsTable: Rule<DoctorContext> = {
  id: 'table:accounts',
  title: (ctx) => `DynamoDB table ${ctx.deps.tables.accounts} (${ENVIRONMENT.accountsTable})`,
  docs: {
    checks: 'the Accounts table answers a scan; selects the account (`--account`, or the only one)',
    fixIn: 'the table name (`ACCOUNTS_TABLE` or `--stack`), the region, IAM',
  },
  dependsOn: [],
  fixFor: (_error, ctx) => awsTableFix(ctx.deps.tables.accounts, ENVIRONMENT.accountsTable),
  async run(ctx) {
    const all = await ctx.deps.accounts.list();
    const count = all.items.length + all.invalid.length;
    if (ctx.requestedAccountId !== undefined) {
      ctx.facts.selectedId = ctx.requestedAccountId;
      const item = await ctx.deps.accounts.get(ctx.requestedAccountId);
      if (item) ctx.facts.accountItem = item;
    } else {
      if (count > 1) {
        const ids = [...all.items.map((a) => a.accountId), ...all.invalid.map((i) => i.key.accountId ?? '?')].sort();
        throw new AccountAmbiguousError(
          `there are ${count} accounts; choose one with --account (accounts: ${ids.join(', ')})`,
        );
      }
      const item = all.items[0] ?? all.invalid[0];
      if (item) {
        ctx.facts.accountItem = item;
        const id = 'secretId' in item ? item.accountId : item.key.accountId;
        if (id !== undefined) ctx.facts.selectedId = id;
      }
    }
    return ok(`reachable; ${count} account(s)`);
  },
};

/** Probes are made with the selected account's key (or a stand-in when there is none). */
const probeId = (ctx: DoctorContext) => ctx.facts.selectedId ?? 'cwpub-doctor-probe';

export const mappingsTable: Rule<DoctorContext> = {
  id: 'table:mappings',
  title: (ctx) => `DynamoDB table ${ctx.deps.tables.mappings} (${ENVIRONMENT.mappingsTable})`,
  docs: {
    checks: "the Mappings table answers a query with the account's key",
    fixIn: 'the table name (`MAPPINGS_TABLE` or `--stack`), the region, IAM',
  },
  dependsOn: [],
  after: ['table:accounts'],
  fixFor: (_error, ctx) => awsTableFix(ctx.deps.tables.mappings, ENVIRONMENT.mappingsTable),
  async run(ctx) {
    const mappings = await ctx.deps.mappings.listByAccount(probeId(ctx));
    if (ctx.facts.selectedId !== undefined) ctx.facts.mappings = mappings;
    return ok('reachable');
  },
};

export const usageTable: Rule<DoctorContext> = {
  id: 'table:usage',
  title: (ctx) => `DynamoDB table ${ctx.deps.tables.usage} (${ENVIRONMENT.usageTable})`,
  docs: {
    checks: "the Usage table answers a query with the account's key",
    fixIn: 'the table name (`USAGE_TABLE` or `--stack`), the region, IAM',
  },
  dependsOn: [],
  after: ['table:accounts'],
  fixFor: (_error, ctx) => awsTableFix(ctx.deps.tables.usage, ENVIRONMENT.usageTable),
  async run(ctx) {
    const usage = await ctx.deps.usage.listByPeriod(probeId(ctx), ctx.period);
    return ok(`reachable; ${usage.items.length} usage item(s) for ${ctx.period.key}`);
  },
};

export const ledgerTable: Rule<DoctorContext> = {
  id: 'table:ledger',
  title: (ctx) => `DynamoDB table ${ctx.deps.tables.ledger} (${ENVIRONMENT.ledgerTable})`,
  docs: {
    checks: "the Ledger table answers a query with the account's key",
    fixIn: 'the table name (`LEDGER_TABLE` or `--stack`), the region, IAM',
  },
  dependsOn: [],
  after: ['table:accounts'],
  fixFor: (_error, ctx) => awsTableFix(ctx.deps.tables.ledger, ENVIRONMENT.ledgerTable),
  async run(ctx) {
    await ctx.deps.ledger.list(probeId(ctx), ctx.period.key);
    return ok('reachable');
  },
};

/** The AWS side in report order. */
export const AWS_TABLE_RULES = [accountsTable, mappingsTable, usageTable, ledgerTable] as const;
