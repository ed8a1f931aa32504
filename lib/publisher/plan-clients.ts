import { formatProblems, type UsageItem } from '../schemas.js';
import type { Period } from '../period.js';
import type { ClientResult, InvalidItem, Mapping, Validated } from './ports.js';

export interface Candidate {
  readonly clientId: string;
  readonly managedId: string;
  readonly clientName?: string | undefined;
  readonly billableSpaceGb: number;
}

export interface ClientPlan {
  /** Clients to publish. */
  readonly candidates: readonly Candidate[];
  /** Outcomes already known without ConnectWise: skipped and failed clients. */
  readonly settled: readonly ClientResult[];
}

function describeKey(key: Readonly<Record<string, string>>): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

export function invalidItemReason(kind: string, item: InvalidItem): string {
  return `${kind} item (${describeKey(item.key)}) is invalid: ${formatProblems(item.problems)}`;
}

/**
 * Pure: decides from mappings and usage which clients go to ConnectWise, and settles the rest.
 * `clientIds` (when given) restricts the run; a requested client with no mapping fails, so a typo in
 * a re-publish request is reported instead of silently doing nothing.
 */
export function planClients(
  mappings: Validated<Mapping>,
  usage: Validated<UsageItem>,
  period: Period,
  clientIds: readonly string[] | undefined,
  reportUnknownClients = true,
): ClientPlan {
  const wanted = clientIds ? new Set(clientIds) : undefined;
  const include = (clientId: string) => wanted === undefined || wanted.has(clientId);
  const settled: ClientResult[] = [];
  const candidates: Candidate[] = [];

  const usageByClient = new Map(usage.items.map((u) => [u.clientId, u]));
  const badUsageByClient = new Map<string, InvalidItem>();
  for (const bad of usage.invalid) {
    const clientId = bad.key.usageKey?.slice(period.key.length + 1);
    if (clientId) badUsageByClient.set(clientId, bad);
  }

  const known = new Set<string>();
  for (const bad of mappings.invalid) {
    const clientId = bad.key.clientId ?? '';
    known.add(clientId);
    if (!include(clientId)) continue;
    settled.push({ clientId, managedId: bad.key.managedId ?? '', status: 'failed', reason: invalidItemReason('mapping', bad) });
  }
  for (const mapping of mappings.items) {
    known.add(mapping.clientId);
    if (!include(mapping.clientId)) continue;
    const base = { clientId: mapping.clientId, managedId: mapping.managedId };
    if (!mapping.enabled) {
      settled.push({ ...base, status: 'skipped', reason: 'mapping is disabled' });
      continue;
    }
    const badUsage = badUsageByClient.get(mapping.clientId);
    if (badUsage) {
      settled.push({ ...base, status: 'failed', reason: invalidItemReason('usage', badUsage) });
      continue;
    }
    const item = usageByClient.get(mapping.clientId);
    if (!item) {
      settled.push({ ...base, status: 'skipped', reason: `no usage recorded for ${period.key}` });
      continue;
    }
    candidates.push({ ...base, clientName: mapping.clientName, billableSpaceGb: item.billableSpaceGb });
  }
  for (const clientId of reportUnknownClients ? (wanted ?? []) : []) {
    if (!known.has(clientId)) {
      settled.push({ clientId, managedId: '', status: 'failed', reason: 'no mapping for this client in the account' });
    }
  }
  return { candidates, settled };
}
