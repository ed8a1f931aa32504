import type { ConnectWisePort } from './ports/connectwise.js';
import type { Configuration } from '../connectwise/types.js';
import { heldPeriod, isActive } from './configuration-sync.js';
import { hasOwnershipLine } from './ownership-line.js';
import type { OwnedConfiguration } from './ports/index.js';

export interface RecoveryInput {
  readonly connectWise: ConnectWisePort;
  readonly accountId: string;
  /** The account's configuration type. */
  readonly typeId: number;
  /** The type's configurations as the listing returned them. */
  readonly listed: readonly Configuration[];
  /** What the Ledger says the account owns. */
  readonly owned: readonly OwnedConfiguration[];
  /** The clients this run looks at. */
  readonly include: (clientId: string) => boolean;
  /** Each mapped client's Managed ID (for records recovered from ConnectWise). */
  readonly managedIds: ReadonlyMap<string, string>;
  readonly runId: string;
  readonly at: string;
}

export interface Recovery {
  /** The listing, plus owned configurations it missed that still exist (read by id). */
  readonly configurations: readonly Configuration[];
  /** Owned configurations the Ledger lost, recognised by their ownership line. */
  readonly recovered: readonly OwnedConfiguration[];
}

/**
 * Contract v3: ConnectWise's own record of what the account owns. An owned configuration missing from
 * the listing (a page shifted by others, a short or empty page) is read by id before anything concludes
 * it is gone, so no second configuration is created for it; a configuration carrying the account's
 * ownership line for its client is owned even when the Ledger has no record of it.
 */
export async function recoverOwnership(input: RecoveryInput): Promise<Recovery> {
  const configurations = input.listed.filter((c) => c.type.id === input.typeId);
  const byId = new Map(configurations.map((c) => [c.id, c]));
  const unlisted = [
    ...new Set(
      input.owned
        .filter((o) => !byId.has(o.configurationId) && input.include(o.clientId))
        .map((o) => o.configurationId),
    ),
  ];
  for (const id of unlisted) {
    const found = await input.connectWise.getConfiguration(id);
    if (found && found.type.id === input.typeId) {
      configurations.push(found);
      byId.set(found.id, found);
    }
  }
  const ownedIds = new Set(input.owned.map((o) => o.configurationId));
  const recovered = configurations
    .filter(
      (c): c is Configuration & { deviceIdentifier: string } =>
        !ownedIds.has(c.id) &&
        typeof c.deviceIdentifier === 'string' &&
        input.include(c.deviceIdentifier) &&
        hasOwnershipLine(c.vendorNotes, input.accountId, c.deviceIdentifier),
    )
    .map((c): OwnedConfiguration => ({
      accountId: input.accountId,
      clientId: c.deviceIdentifier,
      configurationId: c.id,
      companyId: c.company.id,
      companyIdentifier: c.company.identifier ?? undefined,
      managedId: input.managedIds.get(c.deviceIdentifier) ?? '',
      origin: 'created',
      active: isActive(c),
      period: heldPeriod(c)?.key,
      retiredReason: isActive(c) ? undefined : 'found retired in ConnectWise (recognised by its ownership line)',
      updatedAt: input.at,
      runId: input.runId,
    }));
  return { configurations, recovered };
}
