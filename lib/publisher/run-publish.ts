import pLimit from 'p-limit';
import { DETAIL_TYPES } from '../contract.js';
import { AccountDisabledError, AccountNotFoundError, serializeError } from '../errors.js';
import { parsePeriod, previousPeriod, type Period } from '../period.js';
import { carriedOptions, type CarriedOptions, type RunOptions } from '../records/run-options.js';
import { formatProblems } from '../input/schemas.js';
import { accountFailed, countResults, eventDetail, needsSync, runCounts, summarize } from './outcomes.js';
import {
  earlierResults,
  finishFailedAccountRun,
  publishAccount,
  type AccountRunOptions,
  type AccountRunOutcome,
  type ConfirmRetirements,
} from './publish-account.js';
import { stallVerdict } from './time-budget.js';
import type { Account, AccountSummary, InvalidItem, PublisherDeps, RunSummary } from './ports/index.js';

export { accountFailed, runFailed } from './outcomes.js';

/** What to publish: the Lambda's inputs and `cwpub publish`'s flags, normalised. */
export interface PublishRun extends RunOptions {
  /** The schedule's time: the period is the month before it, whenever the run really starts. */
  readonly referenceTime?: Date | undefined;
  /** Accounts published at once. @default 4 */
  readonly maxParallelAccounts?: number | undefined;
  /** Epoch ms by which the run must stop (the Lambda's remaining time); absent: none. */
  readonly deadlineAt?: number | undefined;
  readonly confirmRetirements?: ConfirmRetirements | undefined;
}

/** The options that travel with an account run across invocations (JSON-safe; lib/records/run-options.ts). */
export type RunRequest = CarriedOptions & {
  /** An account was named: a requested client without a mapping fails instead of being ignored. */
  readonly accountNamed: boolean;
};

export interface PlannedRun {
  readonly runId: string;
  readonly period: string;
  readonly request: RunRequest;
  readonly accounts: readonly { readonly accountId: string }[];
  /** Accounts that cannot run at all (invalid items): their summaries. */
  readonly invalid: readonly AccountSummary[];
}

/** Fixes the run: its id, its period and its accounts. Throws on invalid input or an unknown/disabled account. */
export async function planRun(
  run: PublishRun,
  deps: Pick<PublisherDeps, 'accounts' | 'clock' | 'newRunId'>,
): Promise<PlannedRun & { selected: Account[] }> {
  const now = deps.clock();
  const period: Period =
    run.period !== undefined
      ? parsePeriod(run.period, now, 'period', { allowOpenPeriod: run.allowOpenPeriod })
      : run.referenceTime !== undefined
        ? // A schedule's time in the future would bill an open (or future) month: refused like a typed one.
          parsePeriod(previousPeriod(run.referenceTime).key, now, 'scheduledTime', {
            allowOpenPeriod: run.allowOpenPeriod,
          })
        : previousPeriod(now);
  const accounts = await selectAccounts(run.accountId, deps);
  const selected = accounts.filter((a): a is Account => 'secretId' in a);
  const invalid = accounts
    .filter((a): a is InvalidItem => !('secretId' in a))
    .map((a) =>
      summarize(a.key.accountId ?? '', [], 'not-needed', 0, {
        error: `account item (accountId=${a.key.accountId}) is invalid: ${formatProblems(a.problems)}`,
      }),
    );
  return {
    runId: deps.newRunId(),
    period: period.key,
    request: { ...carriedOptions(run), accountNamed: run.accountId !== undefined },
    accounts: selected.map((a) => ({ accountId: a.accountId })),
    selected,
    invalid,
  };
}

async function selectAccounts(
  accountId: string | undefined,
  deps: Pick<PublisherDeps, 'accounts'>,
): Promise<(Account | InvalidItem)[]> {
  if (accountId !== undefined) {
    const account = await deps.accounts.get(accountId);
    if (!account) throw new AccountNotFoundError(`account "${accountId}" not found in the accounts table`);
    if ('secretId' in account && !account.enabled) {
      throw new AccountDisabledError(`account "${accountId}" is disabled`);
    }
    return [account];
  }
  const all = await deps.accounts.list();
  return [...all.items.filter((a) => a.enabled), ...all.invalid];
}

/** One invocation's share of an account run: the unit the state machine loops over. */
export interface AccountStep {
  readonly runId: string;
  readonly period: string;
  readonly request: RunRequest;
  readonly accountId: string;
  /** 1 for the first invocation. */
  readonly invocation: number;
  readonly startedAt?: string | undefined;
}

/**
 * Publishes one account for one invocation. When it finishes, the run record is written and the
 * account's event sent; when time runs out, it returns `done: false` and the step to invoke next.
 */
export async function runAccountStep(
  step: AccountStep,
  deps: PublisherDeps,
  extra: {
    deadlineAt?: number | undefined;
    confirmRetirements?: ConfirmRetirements | undefined;
    continues?: boolean | undefined;
  } = {},
): Promise<AccountRunOutcome & { next?: AccountStep; stalled?: string }> {
  const account = await deps.accounts.get(step.accountId);
  if (!account) throw new AccountNotFoundError(`account "${step.accountId}" not found in the accounts table`);
  const period = parsePeriod(step.period, deps.clock(), 'period', { allowOpenPeriod: true });
  const startedAt = step.startedAt ?? deps.clock().toISOString();
  let outcome: AccountRunOutcome;
  if (!('secretId' in account)) {
    const error = `account item (accountId=${step.accountId}) is invalid: ${formatProblems(account.problems)}`;
    outcome = { summary: summarize(step.accountId, [], 'not-needed', 0, { error }), done: true, ownedActiveAtStart: 0 };
  } else if (!account.enabled) {
    // Disabled while the run waited for its turn (or between two invocations): publish nothing more.
    const earlier = await earlierResults(deps, step);
    const error =
      `account "${step.accountId}" was disabled after this run was planned; ` +
      (earlier.length
        ? 'what earlier invocations of the run wrote stays, nothing more was written'
        : 'nothing was written');
    await deps.runLock.release(step.accountId, step.runId).catch(() => undefined);
    outcome = {
      summary: summarize(step.accountId, earlier, 'not-needed', 0, { error }),
      done: true,
      ownedActiveAtStart: 0,
    };
  } else {
    outcome = await publishAccount(account, deps, {
      ...accountRunOptions(step, period),
      deadlineAt: extra.deadlineAt,
      confirmRetirements: extra.confirmRetirements,
      continues: extra.continues,
    });
  }
  const log = deps.logger.child({ runId: step.runId, accountId: step.accountId, period: step.period });
  const { summary } = outcome;
  log.info(
    {
      done: outcome.done,
      invocation: step.invocation,
      ...countResults(summary.results),
      sync: summary.sync,
      requests: summary.requests,
      ...(outcome.progress?.made === false ? { noProgress: outcome.progress.reason } : {}),
    },
    outcome.done ? 'account done' : 'account continues in the next invocation',
  );
  if (!outcome.done && extra.continues) {
    // The stall is the run's own record (its journal), never the payload's.
    const journal = step.request.dryRun ? undefined : deps.runJournal?.(step.accountId, step.runId);
    const previous = (await journal?.loadStall()) ?? { count: 0 };
    const verdict = stallVerdict({ previous, progress: outcome.progress ?? { made: true }, now: deps.clock() });
    if ('carry' in verdict && (verdict.carry.count > 0 || previous.count > 0)) await journal?.saveStall(verdict.carry);
    if ('stop' in verdict) {
      // Invocations that make no progress would spend the invocation cap for nothing: stop the account.
      log.error({ stalled: verdict.stop }, 'account stalled');
      return { ...outcome, stalled: verdict.stop };
    }
    return {
      ...outcome,
      next: {
        ...step,
        invocation: step.invocation + 1,
        startedAt,
      },
    };
  }
  // Done — or out of time with nobody to continue: the run ends here either way, and says so.
  const final = outcome.done ? outcome : { ...outcome, summary: outOfTime(summary) };
  // A run whose retirements were not confirmed wrote nothing: no run record, no event (the CLI says so).
  if (!step.request.dryRun && !outcome.declined) {
    await finishAccount(
      final.summary,
      { runId: step.runId, period: step.period, startedAt, invocations: step.invocation, busy: outcome.busy },
      deps,
      log,
    );
  }
  return final;
}

/**
 * The end of an account whose invocation failed for good (the state machine caught it): what its
 * earlier invocations did is reported and synced — a client they retired stops being billed now,
 * not at next month's run — the run is recorded as failed, the account's event sent in the
 * contract's shape with the error, and the account's lock released.
 */
export async function finishFailedAccount(
  step: AccountStep & { readonly error: string; readonly cause?: string | undefined },
  deps: PublisherDeps,
  extra: { deadlineAt?: number | undefined } = {},
): Promise<AccountSummary> {
  const log = deps.logger.child({ runId: step.runId, accountId: step.accountId, period: step.period });
  const detail = step.cause ? `: ${step.cause.slice(0, 500)}` : '';
  const error = `the run of this account stopped (${step.error}${detail}); publish it again to finish`;
  const account = await deps.accounts.get(step.accountId).catch(() => undefined);
  let summary: AccountSummary;
  if (account && 'secretId' in account) {
    const period = parsePeriod(step.period, deps.clock(), 'period', { allowOpenPeriod: true });
    const options = { ...accountRunOptions(step, period), deadlineAt: extra.deadlineAt };
    summary = (await finishFailedAccountRun(account, deps, options, error)).summary;
  } else {
    // The account item cannot be read: what earlier invocations did is still reported.
    const earlier = step.request.dryRun ? [] : await earlierResults(deps, step);
    const sync = needsSync(earlier)
      ? {
          sync: 'failed' as const,
          syncReason: 'the account item cannot be read: the Management sync was not triggered',
        }
      : { sync: 'not-needed' as const };
    summary = summarize(step.accountId, earlier, sync.sync, 0, {
      error,
      ...('syncReason' in sync ? { syncReason: sync.syncReason } : {}),
    });
    await deps.runLock.release(step.accountId, step.runId).catch(() => undefined);
  }
  if (!step.request.dryRun) {
    const startedAt = step.startedAt ?? deps.clock().toISOString();
    await finishAccount(
      summary,
      { runId: step.runId, period: step.period, startedAt, invocations: step.invocation },
      deps,
      log,
    );
  }
  return summary;
}

/** The account run's options from a step (the request travels with the step). */
function accountRunOptions(step: AccountStep, period: Period): AccountRunOptions {
  return {
    ...step.request,
    runId: step.runId,
    period,
    reportUnknownClients: step.request.accountNamed,
    invocation: step.invocation,
  };
}

/** The end of an account run: one run record for `cwpub runs`, one event. Neither failing undoes the publish. */
async function finishAccount(
  summary: AccountSummary,
  run: { runId: string; period: string; startedAt: string; invocations: number; busy?: boolean | undefined },
  deps: PublisherDeps,
  log: PublisherDeps['logger'],
): Promise<void> {
  // An account another run holds wrote nothing: no record of its own, but its event says why.
  if (!run.busy) {
    await deps.ledger
      .recordRun({
        accountId: summary.accountId,
        period: run.period,
        runId: run.runId,
        startedAt: run.startedAt,
        finishedAt: deps.clock().toISOString(),
        ...runCounts(summary),
        sync: summary.sync,
        ...(summary.error ? { error: summary.error } : {}),
        outcome: accountFailed(summary) ? 'failed' : 'ok',
        invocations: run.invocations,
      })
      .catch((error: unknown) => log.error({ err: serializeError(error) }, 'could not record the run'));
  }
  if (!deps.events) return;
  try {
    await deps.events.publish(
      accountFailed(summary) ? DETAIL_TYPES.failed : DETAIL_TYPES.published,
      eventDetail(summary, run),
    );
  } catch (error) {
    // The publish itself is done and recorded; a lost notification must not turn it into a failure.
    log.error({ err: serializeError(error) }, 'could not send the run event');
  }
}

/**
 * The whole run in this process (the CLI, and the Lambda's direct invocation): every selected account,
 * in parallel up to `maxParallelAccounts`, each within its own site's request budget. Accounts that
 * run out of `deadlineAt` are reported with their unfinished clients failed ("out of time").
 */
export async function runPublish(run: PublishRun, deps: PublisherDeps): Promise<RunSummary> {
  const planned = await planRun(run, deps);
  const log = deps.logger.child({ runId: planned.runId, period: planned.period, dryRun: planned.request.dryRun });
  log.info({ accounts: planned.accounts.map((a) => a.accountId) }, 'publish run started');
  const limit = pLimit(Math.max(1, run.maxParallelAccounts ?? 4));
  // An invalid account item runs its own step too, like on the state machine: its error gets the
  // account's event and run record (an item without even an accountId can only be in the summary).
  const accountIds = [
    ...planned.selected.map((a) => a.accountId),
    ...planned.invalid.map((s) => s.accountId).filter((id) => id !== ''),
  ];
  const summaries = await Promise.all(
    accountIds.map((accountId) =>
      limit(async () => {
        const step: AccountStep = {
          runId: planned.runId,
          period: planned.period,
          request: planned.request,
          accountId,
          invocation: 1,
        };
        const outcome = await runAccountStep(step, deps, {
          deadlineAt: run.deadlineAt,
          confirmRetirements: run.confirmRetirements,
        });
        return outcome.summary;
      }),
    ),
  );
  return {
    runId: planned.runId,
    period: planned.period,
    dryRun: planned.request.dryRun,
    accounts: [...summaries, ...planned.invalid.filter((s) => s.accountId === '')],
  };
}

/** An account this run could not finish: it says so, and publishing again finishes it. */
function outOfTime(summary: AccountSummary): AccountSummary {
  const why =
    'the run ran out of time before every client of this account was done; ' +
    'publish the account again to finish (finished clients stay as they are)';
  return { ...summary, error: summary.error ? `${summary.error}; ${why}` : why };
}
