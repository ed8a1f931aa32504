import { sameGb } from '../publisher/configuration-sync.js';
import { describeConfiguration, heldPeriod } from './billing-model.js';
import type { Findings } from './findings.js';
import { configurationsOf, describeExpected, isAhead, type Target, type VerifyView } from './view.js';

/**
 * The configuration part: each client expected to be billed has exactly one billing configuration of
 * the account's type on the company its Managed ID resolves to, holding the period's usage. Owned
 * configurations elsewhere are billing-integrity findings (`still-billed-moved`); configurations we
 * do not own elsewhere are `configuration-on-other-company`.
 */
export function checkConfigurations(view: VerifyView, f: Findings): void {
  for (const u of view.unresolved) {
    f.mismatch({
      kind: 'unresolved-company',
      clientIds: [u.mapping.clientId],
      managedId: u.mapping.managedId,
      detail: u.detail,
    });
  }
  for (const t of view.targets) checkTarget(view, f, t);
}

function checkTarget(view: VerifyView, f: Findings, t: Target): void {
  const { period, type } = view.input;
  const { clientId, managedId } = t.mapping;
  const where = { clientIds: [clientId], managedId, company: t.company.identifier };
  const mine = configurationsOf(view, t);
  f.client(clientId, { company: t.company.identifier, configurationIds: mine.map((c) => c.id) });

  const elsewhere = (view.billingByDevice.get(clientId) ?? []).filter(
    (c) => c.company.id !== t.company.id && !view.ownedById.has(c.id),
  );
  if (elsewhere.length > 0) {
    f.mismatch({
      ...where,
      kind: 'configuration-on-other-company',
      detail:
        'active configuration(s) for this client on other companies: ' +
        `${elsewhere.map((c) => `#${c.id} on ${c.company.identifier ?? c.company.id}`).join(', ')} ` +
        '(billed there too; deactivate or delete them)',
    });
  }
  const c = mine[0];
  if (!c) {
    f.mismatch({
      ...where,
      kind: 'missing-configuration',
      expected: t.desired.billableSpaceGb,
      detail: `no active "${type.name}" configuration with deviceIdentifier "${clientId}" on ${t.company.identifier}`,
    });
    return;
  }
  if (mine.length > 1) {
    f.mismatch({
      ...where,
      kind: 'duplicate-configuration',
      expected: 1,
      found: mine.length,
      detail:
        `${mine.length} active configurations for this client on ${t.company.identifier}: ` +
        `${mine.map((x) => `#${x.id}`).join(', ')} (the sync bills each)`,
    });
  }
  f.client(clientId, { configurationGb: c.backupBillableSpaceGb ?? null });
  if (isAhead(view, c)) {
    f.note({
      ...where,
      kind: 'later-period',
      configurationIds: [c.id],
      expected: period.key,
      found: heldPeriod(c),
      detail:
        `configuration ${describeConfiguration(c)} already holds a later period than ${period.key}: ` +
        `a later publish wrote it, so it is not compared with ${period.key}`,
    });
    return;
  }
  if (!sameGb(c.backupBillableSpaceGb, t.desired.billableSpaceGb)) {
    f.mismatch({
      ...where,
      kind: 'wrong-gb',
      expected: t.desired.billableSpaceGb,
      found: c.backupBillableSpaceGb ?? 'none',
      detail: `configuration #${c.id} holds ${c.backupBillableSpaceGb ?? 'no'} GB; ${describeExpected(t, period.key)}`,
    });
  }
  if (c.backupYear !== t.desired.year || c.backupMonth !== t.desired.month) {
    const found = heldPeriod(c);
    f.mismatch({
      ...where,
      kind: 'wrong-period',
      expected: period.key,
      found,
      detail: `configuration #${c.id} is for ${found}, not ${period.key}`,
    });
  }
}
