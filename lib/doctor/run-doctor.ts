import { AccountError } from '../errors.js';
import { previousPeriod } from '../period.js';
import { connectWiseFix } from './connectwise-errors.js';
import { DOCTOR_PACK } from './pack.js';
import { runRules, type Rule } from './runner.js';
import type { DoctorContext, DoctorDeps, DoctorReport } from './types.js';

export type { CheckStatus, DoctorCheck, DoctorDeps, DoctorReport } from './types.js';

/**
 * `cwpub doctor`: the setup guide's checklist, walked through the APIs. Every check says what it
 * found and, when something is missing, where to fix it. Nothing is written anywhere. A check whose
 * prerequisite failed is `skipped` and names it. Errors become failed checks: the doctor never
 * crashes on a ConnectWise or AWS answer, and never prints a secret's value.
 *
 * Throws only for a bad command line (several accounts, no --account).
 */
export async function runDoctor(
  accountId: string | undefined,
  deps: DoctorDeps,
  pack: readonly Rule<DoctorContext>[] = DOCTOR_PACK,
): Promise<DoctorReport> {
  const facts = accountId === undefined ? {} : { selectedId: accountId };
  const ctx: DoctorContext = { deps, requestedAccountId: accountId, period: previousPeriod(deps.now), facts };
  const checks = await runRules(pack, ctx, {
    fixFor: (error, c) => connectWiseFix(error, c.facts.account?.secretId ?? "(the account's secret)"),
    isFatal: (error) => error instanceof AccountError && error.code === 'ACCOUNT_AMBIGUOUS',
  });
  return { accountId: ctx.facts.selectedId ?? '', ready: checks.every((c) => c.status !== 'failed'), checks };
}
