import type { ManagementBackup, Reference } from '../../connectwise/types.js';
import { fail, ok, warn, type Rule, type Verdict } from '../runner.js';
import { FIX_IN } from '../fixes.js';
import { need, type DoctorContext } from '../types.js';

/**
 * The Management Backup setups the sync bills with: one row per agreement type the default agreements
 * in use have (`managementBackup:<typeId>`), or one row when none is known (no enabled mapping, or
 * the Managed IDs could not be resolved).
 */
export const managementBackup: Rule<DoctorContext> = {
  id: 'managementBackup',
  title: 'Management Backup',
  docs: {
    checks:
      'for each agreement type of the default agreements in use: a Management Backup setup, with its product and billing level (Summary is a warning); one row per agreement type',
    fixIn: 'ConnectWise: System > Setup Tables > Management Backup',
  },
  dependsOn: ['credentials'],
  after: ['managedIds'],
  async run(ctx) {
    const backups = await need(ctx.facts.connectWise, 'the ConnectWise connection').listManagementBackups();
    const typesInUse = ctx.facts.typesInUse;
    if (!typesInUse || typesInUse.size === 0) {
      if (backups.length === 0) {
        return fail(
          'there is no Management Backup setup: the sync turns no configuration into an agreement addition',
          `${FIX_IN.managementBackup}: add the agreement type of your backup agreements, your backup product and billing level Detail`,
        );
      }
      const why = typesInUse
        ? 'no default agreement in use'
        : 'the default agreements in use are not known (see Managed IDs)';
      return ok(`${backups.length} setup(s); ${why} to check them against`);
    }
    return [...typesInUse.values()].sort((a, b) => a.id - b.id).map((type) => checkBackupFor(type, backups));
  },
};

export function checkBackupFor(type: Reference, backups: readonly ManagementBackup[]): Verdict {
  const typeName = type.name ?? `#${type.id}`;
  const row = { id: `managementBackup:${type.id}`, check: `Management Backup for agreement type "${typeName}"` };
  const setups = backups.filter((b) => b.type?.id === type.id);
  const setup = setups[0];
  if (!setup) {
    return {
      ...row,
      ...fail(
        `missing: default agreements of type "${typeName}" are in use, ` +
          'but no Management Backup setup names that type, so the sync bills nothing on them',
        `${FIX_IN.managementBackup}: add agreement type "${typeName}", your backup product, billing level Detail`,
      ),
    };
  }
  const product = setup.item ? (setup.item.identifier ?? setup.item.name ?? `#${setup.item.id}`) : undefined;
  if (!product)
    return {
      ...row,
      ...fail(
        `setup #${setup.id} has no product`,
        `${FIX_IN.managementBackup}: pick the backup product for agreement type "${typeName}"`,
      ),
    };
  const shared = setups.length > 1 ? ` (${setups.length} setups name this type)` : '';
  const detail = `product ${product}, billing level ${setup.billingLevel ?? 'not set'}${shared}`;
  if (setup.billingLevel === 'Summary') {
    return {
      ...row,
      ...warn(
        `${detail}: Summary bills one total addition per agreement instead of one addition per client`,
        `${FIX_IN.managementBackup}: set billing level Detail for agreement type "${typeName}" if each client should be its own addition`,
      ),
    };
  }
  return { ...row, ...ok(detail) };
}
