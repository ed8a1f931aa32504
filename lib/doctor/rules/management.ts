import type { Reference } from '../../connectwise/types.js';
import { primaryManagementSetup } from '../../publisher/setup.js';
import { fail, ok, warn, type Rule } from '../runner.js';
import { FIX_IN } from '../fixes.js';
import { need, type DoctorContext } from '../types.js';

/** The Management record the publish triggers the sync on (the one the publisher picks). */
export const management: Rule<DoctorContext> = {
  id: 'management',
  title: 'Management record (Setup Tables > Management)',
  docs: {
    checks: 'the Management record exists (the publish triggers its sync)',
    fixIn: 'ConnectWise: System > Setup Tables > Management',
  },
  dependsOn: ['credentials'],
  async run(ctx) {
    const cw = need(ctx.facts.connectWise, 'the ConnectWise connection');
    const record = primaryManagementSetup(await cw.listManagementSetups());
    if (!record) {
      return fail(
        'there is no Management record: the publish cannot trigger the sync that turns configurations into agreement additions',
        `${FIX_IN.management}: fill in and save the Management setup (integrator login, added/deleted configuration status)`,
      );
    }
    ctx.facts.management = record;
    return ok(
      `record #${record.id}${record.integratorLogin?.name ? ` (integrator login ${record.integratorLogin.name})` : ''}`,
    );
  },
};

const statusName = (ref: Reference) => `"${ref.name ?? ref.identifier ?? `#${ref.id}`}"`;

/**
 * The statuses a retirement and a re-activation set (contract v2 "Never delete"). Without a deleted
 * status, retiring only clears `activeFlag` and the configuration keeps looking like a live one;
 * without an added status, a re-activated configuration keeps the status it was retired with.
 */
export const managementStatuses: Rule<DoctorContext> = {
  id: 'managementStatuses',
  title: 'Management record: added/deleted configuration status',
  docs: {
    checks:
      'warns when the added or deleted configuration status is unset (retiring then only clears `activeFlag`), or both are the same',
    fixIn: 'ConnectWise: System > Setup Tables > Management',
  },
  dependsOn: ['management'],
  async run(ctx) {
    const { addedConfigurationStatus: added, deletedConfigurationStatus: deleted } = need(
      ctx.facts.management,
      'the Management record',
    );
    const problems: string[] = [];
    if (!deleted)
      problems.push(
        'deletedConfigurationStatus is not set: retiring a configuration then ' +
          'only deactivates it (activeFlag false), its status stays as it was',
      );
    if (!added)
      problems.push(
        'addedConfigurationStatus is not set: a re-activated configuration keeps the status it was retired with',
      );
    if (added && deleted && added.id === deleted.id) {
      problems.push(
        `added and deleted configuration status are both ${statusName(added)}: a retired configuration cannot be told from a billed one`,
      );
    }
    if (problems.length > 0) {
      return warn(
        problems.join('; '),
        `${FIX_IN.management}: pick an Added Configuration Status and a (closed) Deleted Configuration Status`,
      );
    }
    return ok(`added configurations get status ${statusName(added!)}, retired ones ${statusName(deleted!)}`);
  },
};
