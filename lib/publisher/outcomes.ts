import {
  CLIENT_STATUSES,
  CLIENT_STATUS_NAMES,
  RUN_STATUS_NAMES,
  type ClientStatus,
  type RunStatusCounts,
  type StatusCounts,
  type SyncOutcome,
} from '../contract.js';
import type { AccountSummary, ClientResult, LedgerEntry, LedgerRow } from './ports/index.js';

type Counts = Record<ClientStatus, number>;

/** The per-status counts of an account's results; every status of the contract table has one. */
export function countResults(results: readonly ClientResult[]): Counts {
  const counts = Object.fromEntries(CLIENT_STATUS_NAMES.map((s) => [s, 0])) as Counts;
  for (const r of results) counts[r.status] += 1;
  return counts;
}

export function byClientId(a: ClientResult, b: ClientResult): number {
  return a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0;
}

export function summarize(
  accountId: string,
  results: readonly ClientResult[],
  sync: SyncOutcome,
  requests: number,
  extra: { syncReason?: string | undefined; error?: string | undefined } = {},
): AccountSummary {
  const sorted = [...results].sort(byClientId);
  return {
    accountId,
    ...countResults(sorted),
    sync,
    ...(extra.syncReason ? { syncReason: extra.syncReason } : {}),
    ...(extra.error ? { error: extra.error } : {}),
    requests,
    results: sorted,
  };
}

/** True when the account run had a failure: a failed client, a failed sync or an account-level error. */
export function accountFailed(summary: Pick<AccountSummary, 'failed' | 'sync' | 'error'>): boolean {
  return summary.failed > 0 || summary.sync === 'failed' || summary.error !== undefined;
}

export function runFailed(summary: { accounts: readonly AccountSummary[] }): boolean {
  return summary.accounts.some(accountFailed);
}

/** Whether the account's results call for a Management sync (something billed or stopped billing). */
export function needsSync(results: readonly ClientResult[]): boolean {
  return results.some((r) => CLIENT_STATUSES[r.status].triggersSync);
}

/** The counts of a real run (events, run records): every status but the dry run's `planned`. */
export function runCounts(counts: StatusCounts): RunStatusCounts {
  return Object.fromEntries(RUN_STATUS_NAMES.map((s) => [s, counts[s]])) as unknown as RunStatusCounts;
}

/** EventBridge rejects events over 256 KB; keep the detail well below that. */
export const MAX_EVENT_DETAIL_BYTES = 200_000;

/**
 * The `Usage Published` / `Usage Publish Failed` detail: counts, and the results worth reading one by
 * one (failed, retired, skipped — in that order, so a trimmed event keeps the most important).
 * `retiredClientIds` is never trimmed: a client billed last month and not this month is always visible.
 */
export function eventDetail(summary: AccountSummary, run: { runId: string; period: string }): Record<string, unknown> {
  let results = summary.results
    .filter((r) => CLIENT_STATUSES[r.status].inEvent)
    .sort((a, b) => CLIENT_STATUSES[a.status].eventOrder - CLIENT_STATUSES[b.status].eventOrder || byClientId(a, b));
  const counts = countResults(summary.results);
  const detail: Record<string, unknown> = {
    runId: run.runId,
    accountId: summary.accountId,
    period: run.period,
    ...runCounts(counts),
    sync: summary.sync,
    ...(summary.syncReason ? { syncReason: summary.syncReason } : {}),
    ...(summary.error ? { error: summary.error } : {}),
    retiredClientIds: summary.results.filter((r) => r.status === 'retired').map((r) => r.clientId),
    results,
  };
  while (Buffer.byteLength(JSON.stringify(detail)) > MAX_EVENT_DETAIL_BYTES && results.length > 0) {
    results = results.slice(0, Math.floor(results.length / 2));
    detail.results = results;
    detail.resultsTruncated = true;
  }
  return detail;
}

export function ledgerRow(accountId: string, period: string, runId: string, at: string, r: ClientResult): LedgerRow {
  return {
    accountId,
    period,
    clientId: r.clientId,
    managedId: r.managedId,
    status: r.status,
    reason: r.reason,
    usageGb: r.usageGb,
    billableSpaceGb: r.billableSpaceGb,
    companyId: r.companyId,
    companyIdentifier: r.companyIdentifier,
    companyName: r.companyName,
    configurationId: r.configurationId,
    retiredConfigurationIds: r.retiredConfigurationIds,
    ...(r.carriedOver ? { carriedOver: true as const } : {}),
    runId,
    at,
  };
}

/** A result recorded by an earlier invocation of the same run (Step Functions continuation). */
export function resultFromLedger(entry: LedgerEntry): ClientResult {
  return {
    clientId: entry.clientId,
    managedId: entry.managedId,
    status: entry.outcome,
    ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
    ...(entry.usageGb !== undefined ? { usageGb: entry.usageGb } : {}),
    ...(entry.billableSpaceGb !== undefined ? { billableSpaceGb: entry.billableSpaceGb } : {}),
    ...(entry.companyId !== undefined ? { companyId: entry.companyId } : {}),
    ...(entry.companyIdentifier !== undefined ? { companyIdentifier: entry.companyIdentifier } : {}),
    ...(entry.configurationId !== undefined ? { configurationId: entry.configurationId } : {}),
    ...(entry.retiredConfigurationIds?.length ? { retiredConfigurationIds: entry.retiredConfigurationIds } : {}),
  };
}
