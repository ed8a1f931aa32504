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
