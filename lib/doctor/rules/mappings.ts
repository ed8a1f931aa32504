import { formatProblems } from '../../input/schemas.js';
import { fail, ok, warn, type Rule } from '../runner.js';
import { need, type DoctorContext } from '../types.js';

/** The account's mapping items: valid, and at least one enabled. Invalid items do not stop the others' checks. */
export const mappings: Rule<DoctorContext> = {
  id: 'mappings',
  title: 'Mappings',
  docs: {
    checks: 'no invalid mapping items; at least one enabled (else a warning)',
    fixIn: '`cwpub mappings …`',
  },
  dependsOn: ['table:mappings', 'account'],
  async run(ctx) {
    const all = need(ctx.facts.mappings, 'the mappings');
    const enabled = all.items.filter((m) => m.enabled);
    if (all.invalid.length > 0) {
      const keys = all.invalid.map((i) => `clientId=${i.key.clientId ?? '?'} (${formatProblems(i.problems)})`);
      return fail(
        `${all.invalid.length} invalid mapping item(s): ${keys.join('; ')}`,
        'fix them with cwpub mappings put, or re-import them',
        {
          blocksDependents: false,
        },
      );
    }
    if (enabled.length === 0) {
      return warn(
        `no enabled mappings (${all.items.length} in total): nothing will be published`,
        'add mappings with cwpub mappings put or cwpub mappings import FILE.csv',
      );
    }
    return ok(`${enabled.length} enabled, ${all.items.length - enabled.length} disabled`);
  },
};
