import { AccountAmbiguousError, AccountInvalidError, AccountNotFoundError, NoAccountError } from '../errors.js';
import type { Account, AccountsRepository, InvalidItem } from '../publisher/ports/index.js';
import { formatProblems } from '../input/schemas.js';

/**
 * The `--account ID` convention of every operations command: the named account, or — without the
 * flag — the only account in the table; zero or several accounts is an error that lists them.
 * Returns the item even when it is invalid or disabled: each command decides what that means.
 */
export async function selectAccount(
  accounts: AccountsRepository,
  accountId: string | undefined,
): Promise<Account | InvalidItem> {
  if (accountId !== undefined) {
    const found = await accounts.get(accountId);
    if (found) return found;
    const all = await accounts.list();
    throw new AccountNotFoundError(
      `account "${accountId}" not found in the accounts table${knownAccounts(all.items, all.invalid)}`,
    );
  }
  const all = await accounts.list();
  const count = all.items.length + all.invalid.length;
  if (count === 1) return (all.items[0] ?? all.invalid[0])!;
  if (count === 0) {
    throw new NoAccountError('the accounts table is empty; add an account with `cwpub accounts put`');
  }
  throw new AccountAmbiguousError(
    `there are ${count} accounts; choose one with --account${knownAccounts(all.items, all.invalid)}`,
  );
}

function knownAccounts(items: readonly Account[], invalid: readonly InvalidItem[]): string {
  const ids = [...items.map((a) => a.accountId), ...invalid.map((i) => i.key.accountId ?? '?')].sort();
  return ids.length ? ` (accounts: ${ids.join(', ')})` : ' (the table is empty)';
}

export function isValidAccount(account: Account | InvalidItem): account is Account {
  return 'secretId' in account;
}

export function accountIdOf(account: Account | InvalidItem): string {
  return isValidAccount(account) ? account.accountId : (account.key.accountId ?? '');
}

/** An account usable for ConnectWise work (doctor, verify): valid; disabled is allowed and reported by the caller. */
export function requireValidAccount(account: Account | InvalidItem): Account {
  if (isValidAccount(account)) return account;
  throw new AccountInvalidError(
    `account item (accountId=${account.key.accountId ?? '?'}) is invalid: ` +
      `${formatProblems(account.problems)}; fix it with \`cwpub accounts put\``,
  );
}
