import { AccountError } from '../errors.js';
import { parsePeriod, previousPeriod, type Period } from '../period.js';
import { formatProblems } from '../schemas.js';
import { publishAccount } from './publish-account.js';
import type { Account, AccountSummary, InvalidItem, LedgerRow, PublisherDeps, RunSummary } from './ports.js';

export interface PublishRun {
  readonly accountId?: string | undefined;
  /** `YYYY-MM`; absent = the month before `referenceTime` (or the clock). */
  readonly period?: string | undefined;
  readonly clientIds?: readonly string[] | undefined;
  readonly dryRun?: boolean | undefined;
  /** The scheduled event's `time`: the period is the month before it, whenever the run really starts. */
  readonly referenceTime?: Date | undefined;
}

/** EventBridge rejects events over 256 KB; keep the detail well below that. */
const MAX_EVENT_DETAIL_BYTES = 200_000;

/**
 * The core that the Lambda handler and `cwpub publish` share: picks the accounts, publishes each,
 * writes the ledger and sends one event per account (nothing of either on a dry run).
 * Throws only when the run cannot proceed (unknown/disabled account, unreachable table).
 */
export async function runPublish(run: PublishRun, deps: PublisherDeps): Promise<RunSummary> {
  const now = deps.clock();
  const period: Period =
    run.period !== undefined ? parsePeriod(run.period, now) : previousPeriod(run.referenceTime ?? now);
  const dryRun = run.dryRun ?? false;
  const runId = deps.newRunId();
  const log = deps.logger.child({ runId, period: period.key, dryRun });
  const accounts = await selectAccounts(run.accountId, deps);
  log.info({ accounts: accounts.map((a) => ('accountId' in a ? a.accountId : a.key.accountId)) }, 'publish run started');

  const summaries: AccountSummary[] = [];
  for (const account of accounts) {
    if (!('secretId' in account)) {
      const reason = `account item (accountId=${account.key.accountId}) is invalid: ${formatProblems(account.problems)}`;
      summaries.push(emptySummary(account.key.accountId ?? '', reason));
      continue;
    }
    const summary = await publishAccount(account, deps, {
      period,
      dryRun,
      clientIds: run.clientIds,
      reportUnknownClients: run.accountId !== undefined,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
    summaries.push(summary);
    log.info(
      {
        accountId: summary.accountId,
        published: summary.published,
        unchanged: summary.unchanged,
        skipped: summary.skipped,
        failed: summary.failed,
        planned: summary.planned,
        sync: summary.sync,
        requests: summary.requests,
      },
      'account done',
    );
    if (!dryRun) {
      await deps.ledger.record(ledgerRows(summary, period, runId, now));
      await sendEvent(summary, { runId, period }, deps, log);
    }
  }
  return { runId, period: period.key, dryRun, accounts: summaries };
}

async function selectAccounts(accountId: string | undefined, deps: PublisherDeps): Promise<(Account | InvalidItem)[]> {
  if (accountId !== undefined) {
    const account = await deps.accounts.get(accountId);
    if (!account) throw new AccountError(`account "${accountId}" not found in the accounts table`, { code: 'ACCOUNT_NOT_FOUND' });
    if ('secretId' in account && !account.enabled) {
      throw new AccountError(`account "${accountId}" is disabled`, { code: 'ACCOUNT_DISABLED' });
    }
    return [account];
  }
  const all = await deps.accounts.list();
  return [...all.items.filter((a) => a.enabled), ...all.invalid];
}

function emptySummary(accountId: string, error: string): AccountSummary {
  return { accountId, published: 0, unchanged: 0, skipped: 0, failed: 0, planned: 0, sync: 'not-needed', error, requests: 0, results: [] };
}

function ledgerRows(summary: AccountSummary, period: Period, runId: string, now: Date): LedgerRow[] {
  return summary.results.map((r) => ({
    accountId: summary.accountId,
    period: period.key,
    clientId: r.clientId,
    managedId: r.managedId,
    status: r.status,
    reason: r.reason,
    billableSpaceGb: r.billableSpaceGb,
    companyId: r.companyId,
    configurationId: r.configurationId,
    runId,
    at: now.toISOString(),
  }));
}

/** True when the account run had a failure: a failed client, a failed sync or an account-level error. */
export function accountFailed(summary: AccountSummary): boolean {
  return summary.failed > 0 || summary.sync === 'failed' || summary.error !== undefined;
}

export function runFailed(summary: RunSummary): boolean {
  return summary.accounts.some(accountFailed);
}

async function sendEvent(
  summary: AccountSummary,
  run: { runId: string; period: Period },
  deps: PublisherDeps,
  log: PublisherDeps['logger'],
): Promise<void> {
  if (!deps.events) return;
  // Failures first, so a truncated event still carries them (sort is stable: clientId order within each).
  let results = summary.results
    .filter((r) => r.status === 'skipped' || r.status === 'failed')
    .sort((a, b) => (a.status === b.status ? 0 : a.status === 'failed' ? -1 : 1));
  const detail: Record<string, unknown> = {
    runId: run.runId,
    accountId: summary.accountId,
    period: run.period.key,
    published: summary.published,
    unchanged: summary.unchanged,
    skipped: summary.skipped,
    failed: summary.failed,
    sync: summary.sync,
    ...(summary.syncReason ? { syncReason: summary.syncReason } : {}),
    ...(summary.error ? { error: summary.error } : {}),
    results,
  };
  while (Buffer.byteLength(JSON.stringify(detail)) > MAX_EVENT_DETAIL_BYTES && results.length > 0) {
    results = results.slice(0, Math.floor(results.length / 2));
    detail.results = results;
    detail.resultsTruncated = true;
  }
  try {
    await deps.events.publish(accountFailed(summary) ? 'Usage Publish Failed' : 'Usage Published', detail);
  } catch (error) {
    // The publish itself is done and recorded; a lost notification must not turn it into a failure.
    log.error({ err: { message: (error as Error).message } }, 'could not send the run event');
  }
}
