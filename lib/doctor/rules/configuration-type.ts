import { fail, ok, type Rule } from '../runner.js';
import { FIX_IN } from '../fixes.js';
import { need, type DoctorContext } from '../types.js';
import { setupCandidates } from './setup-lookup.js';

/** The account's configuration type: exact name, active. */
export const configurationType: Rule<DoctorContext> = {
  id: 'configurationType',
  title: (ctx) => `Configuration type "${ctx.facts.account?.configurationTypeName ?? '?'}"`,
  docs: {
    checks: "a configuration type with exactly the account's `configurationTypeName`, active",
    fixIn: 'ConnectWise: System > Setup Tables > Configuration Types',
  },
  dependsOn: ['credentials'],
  async run(ctx) {
    const account = need(ctx.facts.account, 'the account');
    const { type, types } = await setupCandidates(ctx);
    if (!type) {
      const near = types.map((t) => `"${t.name}"`).join(', ');
      return fail(
        near ? `not found; ConnectWise has ${near} (names must match exactly)` : 'not found',
        `${FIX_IN.configurationType}: add a configuration type named "${account.configurationTypeName}"`,
      );
    }
    if (type.inactiveFlag)
      return fail(
        `exists (#${type.id}) but is inactive`,
        `${FIX_IN.configurationType}: make "${type.name}" active again`,
      );
    return ok(`exists (#${type.id}), active`);
  },
};
