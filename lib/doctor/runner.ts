import { describeError } from '../errors.js';
import type { DoctorCheck } from './types.js';

/**
 * A rules runner in the manner of cdk-nag's packs: each check is a small module with an id, a title,
 * the checks it depends on and one `run`; a pack lists them; this runner orders them by their
 * dependencies, runs independent ones concurrently, skips the dependents of a check that failed (or
 * was skipped), and turns a throw into a failed check, so one bad answer never crashes the report.
 */

/** What a check found. `id`/`check` default to the rule's; a rule may add rows for single items. */
export interface Verdict {
  readonly status: 'ok' | 'warning' | 'failed';
  readonly detail: string;
  readonly fix?: string | undefined;
  /** A row about one item (e.g. `mapping:<clientId>`): reported, never stops dependents. */
  readonly id?: string;
  readonly check?: string;
  /**
   * A failed verdict of the rule's own row stops its dependents unless this is false: the failure
   * is real but what the dependents need was still found (a disabled account still has a secret).
   */
  readonly blocksDependents?: boolean;
}

export interface Rule<C> {
  readonly id: string;
  readonly title: string | ((ctx: C) => string);
  /** Checks that must pass before this one can run; when one fails or is skipped, this one is skipped. */
  readonly dependsOn: readonly string[];
  /** Checks that must have finished first, whatever their outcome (this one reads what they found, if anything). */
  readonly after?: readonly string[];
  /** For docs/doctor-rules.md (scripts/doctor-rules.ts): what the check looks at, and where a failure is fixed. */
  readonly docs?: { readonly checks: string; readonly fixIn: string };
  /** Returns one verdict, several, or none (nothing to check here). */
  run(ctx: C): Promise<Verdict | readonly Verdict[]>;
  /** What to do about an error `run` threw; the runner's default otherwise. */
  fixFor?(error: unknown, ctx: C): string;
}

export interface RunnerOptions<C> {
  /** The fix for an error a rule threw, when the rule has no `fixFor`. */
  readonly fixFor: (error: unknown, ctx: C) => string;
  /** Errors that are not a finding but a bad command line: they end the run (thrown to the caller). */
  readonly isFatal?: (error: unknown) => boolean;
}

type Gate = 'passed' | 'failed' | 'skipped';

interface Outcome {
  readonly gate: Gate;
  readonly rows: readonly DoctorCheck[];
}

/**
 * The rules in an order where every rule comes after its `dependsOn` and `after`; among rules that
 * are ready, pack order wins (so the report reads in the pack's order). Throws on an unknown
 * dependency or a cycle: those are mistakes in the pack, not findings.
 */
export function orderRules<C>(rules: readonly Rule<C>[]): Rule<C>[] {
  const byId = new Map<string, Rule<C>>();
  for (const rule of rules) {
    if (byId.has(rule.id)) throw new Error(`rule pack: duplicate rule id "${rule.id}"`);
    byId.set(rule.id, rule);
  }
  const prerequisites = (rule: Rule<C>) => [...rule.dependsOn, ...(rule.after ?? [])];
  for (const rule of rules) {
    for (const dep of prerequisites(rule)) {
      if (!byId.has(dep)) throw new Error(`rule pack: "${rule.id}" depends on unknown rule "${dep}"`);
    }
  }
  const ordered: Rule<C>[] = [];
  const placed = new Set<string>();
  while (ordered.length < rules.length) {
    const next = rules.find((r) => !placed.has(r.id) && prerequisites(r).every((d) => placed.has(d)));
    if (!next) {
      const stuck = rules.filter((r) => !placed.has(r.id)).map((r) => r.id);
      throw new Error(`rule pack: dependency cycle among ${stuck.join(', ')}`);
    }
    ordered.push(next);
    placed.add(next.id);
  }
  return ordered;
}

/** Runs the pack against `ctx` and returns the report's rows in dependency order. */
export async function runRules<C>(
  rules: readonly Rule<C>[],
  ctx: C,
  options: RunnerOptions<C>,
): Promise<DoctorCheck[]> {
  const ordered = orderRules(rules);
  const outcomes = new Map<string, Promise<Outcome>>();
  for (const rule of ordered) {
    // Every prerequisite's promise exists already: `ordered` puts prerequisites first.
    outcomes.set(rule.id, runOne(rule, ctx, options, outcomes));
  }
  const all = await Promise.all(ordered.map((r) => outcomes.get(r.id)!));
  return all.flatMap((o) => o.rows);
}

async function runOne<C>(
  rule: Rule<C>,
  ctx: C,
  options: RunnerOptions<C>,
  outcomes: ReadonlyMap<string, Promise<Outcome>>,
): Promise<Outcome> {
  const wait = async (id: string) => ({ id, outcome: await outcomes.get(id)! });
  const deps = await Promise.all(rule.dependsOn.map(wait));
  await Promise.all((rule.after ?? []).map(wait));
  const title = () => (typeof rule.title === 'string' ? rule.title : rule.title(ctx));

  const blocker = deps.find((d) => d.outcome.gate !== 'passed');
  if (blocker) {
    const blockerRow = blocker.outcome.rows.find((r) => r.id === blocker.id);
    const why = blocker.outcome.gate === 'failed' ? 'which failed' : 'which was not checked';
    return {
      gate: 'skipped',
      rows: [
        {
          id: rule.id,
          check: title(),
          ok: true,
          status: 'skipped',
          detail: `not checked: needs ${blocker.id}${blockerRow ? ` (${blockerRow.check})` : ''}, ${why}`,
          blockedBy: blocker.id,
        },
      ],
    };
  }

  let verdicts: readonly Verdict[];
  try {
    const result = await rule.run(ctx);
    verdicts = isVerdictList(result) ? result : [result];
  } catch (error) {
    if (options.isFatal?.(error)) throw error;
    const fix = rule.fixFor ? rule.fixFor(error, ctx) : options.fixFor(error, ctx);
    verdicts = [{ status: 'failed', detail: describeError(error), fix }];
  }

  const rows = verdicts.map((v) => toRow(v, rule.id, title));
  const own = verdicts.filter((v) => v.id === undefined || v.id === rule.id);
  const blocks = own.some((v) => v.status === 'failed' && v.blocksDependents !== false);
  return { gate: blocks ? 'failed' : 'passed', rows };
}

function isVerdictList(result: Verdict | readonly Verdict[]): result is readonly Verdict[] {
  return Array.isArray(result);
}

function toRow(verdict: Verdict, ruleId: string, title: () => string): DoctorCheck {
  return {
    id: verdict.id ?? ruleId,
    check: verdict.check ?? title(),
    ok: verdict.status !== 'failed',
    status: verdict.status,
    detail: verdict.detail,
    ...(verdict.fix ? { fix: verdict.fix } : {}),
  };
}

/** Verdict helpers, so a rule reads as what it decides. */
export const ok = (detail: string): Verdict => ({ status: 'ok', detail });
export const warn = (detail: string, fix?: string): Verdict => ({ status: 'warning', detail, fix });
export const fail = (detail: string, fix: string, options: { blocksDependents?: boolean } = {}): Verdict => ({
  status: 'failed',
  detail,
  fix,
  ...options,
});
