import { sameGb } from '../publisher/configuration-sync.js';
import { describeBilled, desiredConfiguration } from '../publisher/desired-configuration.js';
import { formatProblems } from '../input/schemas.js';
import type { Findings } from './findings.js';
import type { VerifyView } from './view.js';

/** Items that fail validation cannot be verified: they are mismatches by themselves. */
export function checkInvalidItems(view: VerifyView, f: Findings): void {
  const { mappings, usage, period } = view.input;
  for (const bad of mappings.invalid) {
    f.mismatch({
      kind: 'invalid-item',
      clientIds: [bad.key.clientId ?? '?'],
      detail: `mapping item is invalid: ${formatProblems(bad.problems)}`,
    });
  }
  for (const bad of usage.invalid) {
    f.mismatch({
      kind: 'invalid-item',
      clientIds: [bad.key.usageKey?.slice(period.key.length + 1) ?? '?'],
      detail: `usage item ${bad.key.usageKey ?? ''} is invalid: ${formatProblems(bad.problems)}`,
    });
  }
}

/**
 * One row per mapping (disabled ones and those without usage are `skipped`), and the ledger notes:
 * no publish recorded for the period, or published GB ≠ today's usage.
 */
export function listClients(view: VerifyView, f: Findings): void {
  const { period } = view.input;
  for (const mapping of [...view.input.mappings.items].sort((a, b) => a.clientId.localeCompare(b.clientId))) {
    const base = { clientId: mapping.clientId, managedId: mapping.managedId };
    if (!mapping.enabled) {
      f.addClient({ ...base, status: 'skipped', reason: 'mapping is disabled' });
      continue;
    }
    const usage = view.usageByClient.get(mapping.clientId);
    if (!usage) {
      f.addClient({ ...base, status: 'skipped', reason: `no usage for ${period.key}` });
      continue;
    }
    const ledger = view.ledgerByClient.get(mapping.clientId);
    // What the publish bills: usage above the mapping's included allowance (contract v3).
    const billed = desiredConfiguration(usage, mapping, period).billableSpaceGb;
    f.addClient({
      ...base,
      status: 'ok',
      usageGb: usage.billableSpaceGb,
      billableSpaceGb: billed,
      ...(ledger?.publishedGb !== undefined ? { publishedGb: ledger.publishedGb } : {}),
    });
    if (ledger?.publishedGb === undefined) {
      const lastRun = ledger ? ` (last run: ${ledger.status}${ledger.reason ? `, ${ledger.reason}` : ''})` : '';
      f.note({
        kind: 'not-in-ledger',
        clientIds: [mapping.clientId],
        managedId: mapping.managedId,
        detail: `the ledger records no publish of ${period.key} for this client${lastRun}`,
      });
    } else if (!sameGb(ledger.publishedGb, billed)) {
      const now =
        billed === usage.billableSpaceGb
          ? `the usage table now says ${usage.billableSpaceGb} GB`
          : `it now bills ${describeBilled(usage, mapping)}`;
      f.note({
        kind: 'usage-changed-since-publish',
        clientIds: [mapping.clientId],
        managedId: mapping.managedId,
        expected: billed,
        found: ledger.publishedGb,
        detail:
          `published ${ledger.publishedGb} GB${ledger.publishedAt ? ` at ${ledger.publishedAt}` : ''}; ` +
          `${now} (re-publish)`,
      });
    }
  }
}
