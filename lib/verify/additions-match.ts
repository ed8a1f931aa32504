import type { Addition, Configuration } from '../connectwise/types.js';
import { sameGb } from '../publisher/configuration-sync.js';

/**
 * Which agreement addition bills which configuration — the model `cwpub verify` checks against.
 *
 * ConnectWise does not link a synced addition to its configuration by any field in the REST
 * schema, and what the sync writes into an addition is not documented. The model, in the order it
 * is applied (each step only sees what the earlier steps left unpaired):
 *
 * 1. **By name.** An addition belongs to a configuration when one of its texts (`description`,
 *    `invoiceDescription`, `serialNumber`) names the configuration's `deviceIdentifier` — the
 *    client ID — as the whole text or as its last part (`…: <id>`, `… - <id>`) or in parentheses
 *    (`… (<id>)`). When no deviceIdentifier is named, the configuration's `name` is tried the same
 *    way. An addition naming several configurations is left for the next steps.
 * 2. **By quantity.** Configurations still without an addition take an unpaired addition whose
 *    quantity equals the GB they should bill (equal quantities are interchangeable for billing).
 * 3. **The last one.** When exactly one configuration and one addition are left, they are paired
 *    (so a wrong quantity is reported as such, not as one missing and one extra addition).
 * Anything left is unpaired: a configuration with no addition, or an addition no configuration
 * explains (extra billing).
 *
 * Only additions of the Management Backup setup's product that are not cancelled (no
 * `cancelledDate`, or one in the future) take part. With billing level **Summary** there is no
 * pairing: the agreement must carry exactly one such addition, with the sum of the GB of the
 * company's active configurations of the type.
 */
export interface BillableConfiguration {
  readonly configuration: Configuration;
  /** The GB this configuration should be billed (the usage for our clients, its own value otherwise). */
  readonly expectedGb: number;
}

export interface Pairing {
  /** Configuration id → its additions (normally exactly one). */
  readonly byConfiguration: ReadonlyMap<number, readonly Addition[]>;
  /** Additions no configuration explains. */
  readonly unpaired: readonly Addition[];
}

export function isActiveAddition(addition: Addition, now: Date): boolean {
  if (!addition.cancelledDate) return true;
  const at = Date.parse(addition.cancelledDate);
  return Number.isFinite(at) && at > now.getTime();
}

/** True when `text` names `label` as the whole text, its last part, or in parentheses. */
export function textNames(text: string | null | undefined, label: string | null | undefined): boolean {
  if (!text || !label) return false;
  const t = text.trim();
  const l = label.trim();
  if (l === '') return false;
  return t === l || t.endsWith(`: ${l}`) || t.endsWith(` - ${l}`) || t.endsWith(`:${l}`) || t.includes(`(${l})`);
}

/** True when one of the addition's texts names `label` (see `textNames`). */
export function additionNames(addition: Addition, label: string | null | undefined): boolean {
  return [addition.description, addition.invoiceDescription, addition.serialNumber].some((text) =>
    textNames(text, label),
  );
}

export function pairAdditions(
  configurations: readonly BillableConfiguration[],
  additions: readonly Addition[],
): Pairing {
  const byConfiguration = new Map<number, Addition[]>(configurations.map((c) => [c.configuration.id, []]));
  let unpaired: Addition[] = [];

  // 1. By name: deviceIdentifier first, then name.
  for (const addition of additions) {
    const byId = configurations.filter((c) => additionNames(addition, c.configuration.deviceIdentifier));
    const candidates =
      byId.length > 0 ? byId : configurations.filter((c) => additionNames(addition, c.configuration.name));
    if (candidates.length === 1) byConfiguration.get(candidates[0]!.configuration.id)!.push(addition);
    else unpaired.push(addition);
  }

  // 2. By quantity, for configurations with nothing yet.
  const waiting = () => configurations.filter((c) => byConfiguration.get(c.configuration.id)!.length === 0);
  for (const c of waiting()) {
    const index = unpaired.findIndex((a) => sameGb(a.quantity, c.expectedGb));
    if (index >= 0) {
      byConfiguration.get(c.configuration.id)!.push(unpaired[index]!);
      unpaired = unpaired.filter((_, i) => i !== index);
    }
  }

  // 3. One left on each side.
  const left = waiting();
  if (left.length === 1 && unpaired.length === 1) {
    byConfiguration.get(left[0]!.configuration.id)!.push(unpaired[0]!);
    unpaired = [];
  }
  return { byConfiguration, unpaired };
}
