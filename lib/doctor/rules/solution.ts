import { fail, ok, type Rule } from '../runner.js';
import { FIX_IN } from '../fixes.js';
import { need, type DoctorContext } from '../types.js';
import { setupCandidates } from './setup-lookup.js';

/** The Management IT solution named by the account: exact name, type Custom. */
export const solution: Rule<DoctorContext> = {
  id: 'solution',
  title: (ctx) => `Management IT solution "${ctx.facts.account?.managementItName ?? '?'}"`,
  docs: {
    checks: "a Management IT solution with exactly the account's `managementItName`, type Custom",
    fixIn: 'ConnectWise: System > Setup Tables > Management IT',
  },
  dependsOn: ['credentials'],
  async run(ctx) {
    const account = need(ctx.facts.account, 'the account');
    const { solution: exact, solutions } = await setupCandidates(ctx);
    if (!exact) {
      const near = solutions.map((s) => `"${s.name}"`).join(', ');
      return fail(
        near ? `not found; ConnectWise has ${near} (names must match exactly, letter case included)` : 'not found',
        `${FIX_IN.solution}: add a solution named "${account.managementItName}" ` +
          'of type Custom (or correct managementItName with cwpub accounts put)',
      );
    }
    ctx.facts.solution = exact;
    if (exact.managementItSolutionType !== undefined && exact.managementItSolutionType !== 'Custom') {
      // The Managed IDs can still be resolved against it: their checks run.
      return fail(
        `exists (#${exact.id}) but its type is ${exact.managementItSolutionType}, not Custom`,
        `${FIX_IN.solution}: set the Management IT Solution type of "${exact.name}" to Custom`,
        { blocksDependents: false },
      );
    }
    return ok(
      `exists (#${exact.id}), type Custom${exact.managementSolutionName ? `, solution name "${exact.managementSolutionName}"` : ''}`,
    );
  },
};
