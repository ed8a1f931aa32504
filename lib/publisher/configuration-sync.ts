import type { ConnectWisePort } from './ports/connectwise.js';
import type { Configuration, NewConfiguration, PatchOperation } from '../connectwise/types.js';
import { ConnectWiseHttpError, ConnectWiseNetworkError, ConnectWiseResponseError } from '../errors.js';
import { comparePeriods, makePeriod, type Period } from '../period.js';
import type { DesiredBackupStats } from './desired-configuration.js';

export type { DesiredBackupStats } from './desired-configuration.js';

/**
 * The configuration statuses the Management record names for managed devices (contract v2: a retired
 * configuration gets `deletedConfigurationStatus`, a re-activated one `addedConfigurationStatus`, when set).
 */
export interface ManagedStatuses {
  readonly added?: number | undefined;
  readonly deleted?: number | undefined;
}

/** Two GB figures are the same when they differ by less than a rounding error of a double round trip. */
export function sameGb(a: number | null | undefined, b: number): boolean {
  return typeof a === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
}

/** Whether ConnectWise's sync bills it (the sync bills active configurations only). */
export function isActive(configuration: Configuration): boolean {
  return configuration.activeFlag !== false;
}

/** The period a configuration holds, when it holds one. */
export function heldPeriod(configuration: Configuration): Period | undefined {
  const { backupYear: year, backupMonth: month } = configuration;
  if (typeof year !== 'number' || typeof month !== 'number' || month < 1 || month > 12) return undefined;
  return makePeriod(year, month);
}

/** The later period a configuration holds than `period`, if any (contract v2: no going back). */
export function laterPeriodHeld(configuration: Configuration, period: Period): Period | undefined {
  const held = heldPeriod(configuration);
  return held && comparePeriods(held, period) > 0 ? held : undefined;
}

/** The JSON Patch that brings `existing` to `desired` and makes it billed; empty when nothing differs. */
export function patchFor(
  existing: Configuration,
  desired: Omit<DesiredBackupStats, 'active'>,
  statuses: ManagedStatuses = {},
): PatchOperation[] {
  const ops: PatchOperation[] = [];
  if (!sameGb(existing.backupBillableSpaceGb, desired.billableSpaceGb)) {
    ops.push({ op: 'replace', path: 'backupBillableSpaceGb', value: desired.billableSpaceGb });
  }
  if (existing.backupYear !== desired.year) ops.push({ op: 'replace', path: 'backupYear', value: desired.year });
  if (existing.backupMonth !== desired.month) ops.push({ op: 'replace', path: 'backupMonth', value: desired.month });
  // A retired configuration that gets usage again is re-activated, with the Management record's status.
  if (!isActive(existing)) {
    ops.push({ op: 'replace', path: 'activeFlag', value: true });
    if (statuses.added !== undefined && existing.status?.id !== statuses.added) {
      ops.push({ op: 'replace', path: 'status', value: { id: statuses.added } });
    }
  }
  return ops;
}

/** The JSON Patch that stops the sync billing a configuration: deactivate, with the "deleted" status when set. */
export function retirePatch(existing: Configuration, statuses: ManagedStatuses = {}): PatchOperation[] {
  const ops: PatchOperation[] = [];
  if (isActive(existing)) ops.push({ op: 'replace', path: 'activeFlag', value: false });
  if (statuses.deleted !== undefined && existing.status?.id !== statuses.deleted) {
    ops.push({ op: 'replace', path: 'status', value: { id: statuses.deleted } });
  }
  return ops;
}

/**
 * True when a failed write may nevertheless have been saved (contract v3 "uncertain writes"): no answer
 * (dropped connection, timeout), a 5xx after the write, or an answer that cannot be read (a proxy's
 * HTML page, an empty body where a record was due).
 */
export function mayHaveBeenSaved(error: unknown): boolean {
  return (
    error instanceof ConnectWiseNetworkError ||
    error instanceof ConnectWiseResponseError ||
    (error instanceof ConnectWiseHttpError && error.status >= 500)
  );
}

/** A configuration as ConnectWise answered it, or undefined when the answer is not one (empty body). */
function readable(answer: Configuration | undefined): Configuration | undefined {
  return answer && typeof answer === 'object' && typeof answer.id === 'number' ? answer : undefined;
}

/** Whether the configuration holds every value the patch writes. */
export function patchApplied(configuration: Configuration, patch: readonly PatchOperation[]): boolean {
  return patch.every((op) => {
    const held = (configuration as unknown as Record<string, unknown>)[op.path];
    if (op.path === 'backupBillableSpaceGb') return sameGb(held as number | null | undefined, op.value);
    if (op.path === 'status') return (held as { id?: number } | null | undefined)?.id === op.value.id;
    if (op.path === 'activeFlag') return (held ?? true) === op.value;
    return held === op.value;
  });
}

/**
 * PATCHes a configuration. When the answer cannot be read (not JSON, empty, lost after sending), reads
 * the configuration back and decides by what ConnectWise holds: applied → the read-back record; not
 * applied → the original error.
 */
export async function patchWithReadBack(
  connectWise: ConnectWisePort,
  id: number,
  patch: readonly PatchOperation[],
): Promise<Configuration> {
  let failure: unknown;
  try {
    const answer = readable(await connectWise.patchConfiguration(id, patch));
    if (answer) return answer;
    failure = new ConnectWiseResponseError(`ConnectWise answered PATCH company/configurations/${id} with no record`, {
      method: 'PATCH',
      path: 'company/configurations/{id}',
    });
  } catch (error) {
    if (!mayHaveBeenSaved(error)) throw error;
    failure = error;
  }
  const now = await connectWise.getConfiguration(id);
  if (now && patchApplied(now, patch)) return now;
  throw failure;
}

const CREATE_ATTEMPTS = 3;

export interface CreateRequest {
  readonly create: NewConfiguration;
  /** The configuration type's name, to list the company's configurations again after a lost answer. */
  readonly typeName: string;
  /** Ids of the client's configurations on the company before the POST: anything else found after is ours. */
  readonly knownIds: ReadonlySet<number>;
}

/**
 * POSTs the configuration once. When the answer is lost (timeout, dropped connection, 5xx) it waits and
 * lists the company's configurations again before trying anything else, so a create that was saved is
 * never made twice; a configuration found that was not there before is ours.
 */
export async function createConfiguration(
  connectWise: ConnectWisePort,
  request: CreateRequest,
  sleep: (ms: number) => Promise<void>,
): Promise<Configuration> {
  const { create } = request;
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = readable(await connectWise.createConfiguration(create));
      if (answer) return answer;
      throw new ConnectWiseResponseError('ConnectWise answered POST company/configurations with no record', {
        method: 'POST',
        path: 'company/configurations',
      });
    } catch (error) {
      if (!mayHaveBeenSaved(error) || attempt >= CREATE_ATTEMPTS) throw error;
      // Give a slow write time to land before looking for it, so a late save is not posted twice.
      await sleep(250 * 2 ** (attempt - 1));
      const found = (await connectWise.listConfigurations(request.typeName, create.company.id))
        .filter(
          (c) =>
            c.type.id === create.type.id &&
            c.deviceIdentifier === create.deviceIdentifier &&
            !request.knownIds.has(c.id),
        )
        .sort((a, b) => a.id - b.id);
      if (found[0]) return found[0];
    }
  }
}
