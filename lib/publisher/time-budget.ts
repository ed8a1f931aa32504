/**
 * An invocation's time (contract v3 "Every invocation makes progress"): how much of it is kept back to
 * record what was done and answer, and what to say when it made no progress at all.
 */

/** Share of the invocation's time kept to record and answer… */
export const FINISH_RESERVE_SHARE = 0.1;
/** …never less than this (a DynamoDB write and the answer), so invocations of a few seconds still work… */
export const FINISH_RESERVE_FLOOR_MS = 250;
/** …nor more than this (what a 15-minute Lambda kept before: its reserve is unchanged). */
export const FINISH_RESERVE_CAP_MS = 15_000;

/** The reserve for an invocation that has `budgetMs` until its deadline. */
export function finishReserveMs(budgetMs: number): number {
  if (!Number.isFinite(budgetMs) || budgetMs <= 0) return FINISH_RESERVE_FLOOR_MS;
  return Math.min(
    FINISH_RESERVE_CAP_MS,
    Math.max(FINISH_RESERVE_FLOOR_MS, Math.round(budgetMs * FINISH_RESERVE_SHARE)),
  );
}

/** Why an invocation that recorded nothing made no progress, in words an operator can act on. */
export function noProgressReason(facts: {
  /** Time from the account run's start to its deadline. */
  readonly budgetMs: number;
  readonly reserveMs: number;
  /** The deadline error that stopped it (a 429 pause past the deadline, a request waiting its turn), if any. */
  readonly deadline?: string | undefined;
  /** The run lock was lost, or another reason to stop writing. */
  readonly stopped?: string | undefined;
}): string {
  const given = `${(facts.budgetMs / 1000).toFixed(1)} s`;
  if (facts.stopped) return `the invocation stopped before recording anything: ${facts.stopped}`;
  if (facts.budgetMs <= facts.reserveMs)
    return (
      `the invocation had ${given} before its deadline, no more than the ${facts.reserveMs} ms kept to record ` +
      'and answer: give the function a longer timeout'
    );
  if (facts.deadline) return `nothing was recorded in the ${given} the invocation had: ${facts.deadline}`;
  return (
    `nothing was recorded in the ${given} the invocation had: no client was finished and no Management tab ` +
    'was read in that time (the ConnectWise site answers too slowly for it, or its request budget is too small)'
  );
}

/** Invocations in a row without progress after which an account is stopped (not left to spend the cap)… */
export const MAX_STALLED_INVOCATIONS = 3;
/**
 * …once they have lasted this long too, unless no invocation can ever progress (its time is all reserve):
 * waiting out the site's request budget or a 429's Retry-After is progress delayed, not a stall.
 */
export const MIN_STALL_MS = 10 * 60_000;

export interface StallState {
  /** Invocations in a row, up to and including this one, that made no progress. */
  readonly count: number;
  /** When the first of them ran (ISO time). */
  readonly since?: string | undefined;
}

/** Where a run keeps its stall between invocations (the run's journal): not in the payload, which anyone could forge. */
export interface StallStore {
  loadStall(): Promise<StallState>;
  saveStall(state: StallState): Promise<void>;
}

/**
 * After an unfinished invocation: the stall to carry to the next one, or the reason to stop the account.
 * `hopeless`: no invocation like this one can ever progress (its whole time is the reserve).
 */
export function stallVerdict(facts: {
  readonly previous: StallState;
  readonly progress: { readonly made: boolean; readonly reason?: string | undefined; readonly hopeless?: boolean };
  readonly now: Date;
}): { readonly carry: StallState } | { readonly stop: string } {
  if (facts.progress.made) return { carry: { count: 0 } };
  const count = facts.previous.count + 1;
  const since = facts.previous.since ?? facts.now.toISOString();
  const lasted = facts.now.getTime() - Date.parse(since);
  if (count >= MAX_STALLED_INVOCATIONS && (facts.progress.hopeless === true || lasted >= MIN_STALL_MS)) {
    const minutes = Math.max(0, Math.round(lasted / 60_000));
    return {
      stop:
        `${count} invocations in a row made no progress (over ${minutes} min); ` +
        `the last: ${facts.progress.reason ?? 'no reason given'}`,
    };
  }
  return { carry: { count, since } };
}
