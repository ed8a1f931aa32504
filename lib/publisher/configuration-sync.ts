import type { ConnectWisePort } from '../connectwise/gateway.js';
import type { Configuration, NewConfiguration, PatchOperation } from '../connectwise/types.js';
import { ConnectWiseHttpError, ConnectWiseNetworkError } from '../errors.js';

export interface DesiredBackupStats {
  readonly billableSpaceGb: number;
  readonly year: number;
  readonly month: number;
}

/** Two GB figures are the same when they differ by less than a rounding error of a double round trip. */
export function sameGb(a: number | null | undefined, b: number): boolean {
  return typeof a === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
}

/** The JSON Patch that brings `existing` to `desired`; empty when nothing differs. */
export function patchFor(existing: Configuration, desired: DesiredBackupStats): PatchOperation[] {
  const ops: PatchOperation[] = [];
  if (!sameGb(existing.backupBillableSpaceGb, desired.billableSpaceGb)) {
    ops.push({ op: 'replace', path: 'backupBillableSpaceGb', value: desired.billableSpaceGb });
  }
  if (existing.backupYear !== desired.year) ops.push({ op: 'replace', path: 'backupYear', value: desired.year });
  if (existing.backupMonth !== desired.month) ops.push({ op: 'replace', path: 'backupMonth', value: desired.month });
  // An inactive configuration is not billed by the sync; publishing usage for it means it is in use.
  if (existing.activeFlag === false) ops.push({ op: 'replace', path: 'activeFlag', value: true });
  return ops;
}

/** True when a failed POST may nevertheless have been saved (no answer, or a 5xx after the write). */
export function mayHaveBeenSaved(error: unknown): boolean {
  return error instanceof ConnectWiseNetworkError || (error instanceof ConnectWiseHttpError && error.status >= 500);
}

export interface UpsertOutcome {
  readonly changed: boolean;
  readonly configuration: Configuration;
  readonly removedDuplicates: readonly number[];
}

const CREATE_ATTEMPTS = 3;

/**
 * Makes exactly one configuration of the type carry `desired` for this client on this company.
 * - none: POST it; when the POST's answer is lost, list the company's configurations again before
 *   trying anything else, so a create that was saved is never made twice;
 * - one or more: keep the oldest active one, PATCH only what differs, DELETE the extras (the sync
 *   would bill each).
 */
export interface UpsertRequest {
  readonly existing: readonly Configuration[];
  readonly create: NewConfiguration;
  /** The configuration type's name, to list the company's configurations again after a lost answer. */
  readonly typeName: string;
  readonly desired: DesiredBackupStats;
}

export async function upsertConfiguration(
  connectWise: ConnectWisePort,
  request: UpsertRequest,
  sleep: (ms: number) => Promise<void>,
): Promise<UpsertOutcome> {
  const { existing, desired } = request;
  if (existing.length === 0) {
    const created = await createOnce(connectWise, request, sleep);
    if (created.alreadyExisted) {
      // Our own create was saved: it counts as published even if nothing is left to patch.
      const settled = await upsertConfiguration(connectWise, { ...request, existing: created.found }, sleep);
      return { ...settled, changed: true };
    }
    return { changed: true, configuration: created.configuration, removedDuplicates: [] };
  }
  // Keep the oldest active one (an inactive leftover is not what ConnectWise bills today).
  const [keep, ...extras] = [...existing].sort(
    (a, b) => Number(a.activeFlag === false) - Number(b.activeFlag === false) || a.id - b.id,
  ) as [Configuration, ...Configuration[]];
  const ops = patchFor(keep, desired);
  const configuration = ops.length > 0 ? await connectWise.patchConfiguration(keep.id, ops) : keep;
  for (const extra of extras) await connectWise.deleteConfiguration(extra.id);
  return { changed: ops.length > 0 || extras.length > 0, configuration, removedDuplicates: extras.map((e) => e.id) };
}

type CreateResult =
  | { alreadyExisted: false; configuration: Configuration }
  | { alreadyExisted: true; found: Configuration[] };

async function createOnce(
  connectWise: ConnectWisePort,
  { create, typeName }: UpsertRequest,
  sleep: (ms: number) => Promise<void>,
): Promise<CreateResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { alreadyExisted: false, configuration: await connectWise.createConfiguration(create) };
    } catch (error) {
      if (!mayHaveBeenSaved(error) || attempt >= CREATE_ATTEMPTS) throw error;
      // Give a slow write time to land before looking for it, so a late save is not posted twice.
      await sleep(250 * 2 ** (attempt - 1));
      const found = (await connectWise.listConfigurations(typeName, create.company.id)).filter(
        (c) => c.type.id === create.type.id && c.deviceIdentifier === create.deviceIdentifier,
      );
      if (found.length > 0) return { alreadyExisted: true, found };
    }
  }
}
