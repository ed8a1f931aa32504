import { checkBilling } from './billing-checks.js';
import { checkBillingIntegrity } from './billing-integrity.js';
import { checkInvalidItems, listClients } from './client-rows.js';
import { checkConfigurations } from './configuration-checks.js';
import { Findings } from './findings.js';
import { agreementsOfCompany, retiredOwned } from './retired.js';
import type { VerifyInput, VerifyReport } from './types.js';
import { buildView, type ViewInput } from './view.js';

export type {
  ClientCheck,
  Finding,
  Mismatch,
  MismatchKind,
  Note,
  NoteKind,
  VerifyInput,
  VerifyReport,
} from './types.js';

/**
 * `cwpub verify`: reads ConnectWise back and reconciles it with the usage table, the ledger and the
 * account's ownership records — the setup guide's two "Verify" steps (each company's Backup Stats
 * configuration; the agreement additions after the sync), for every client at once, plus billing
 * integrity (contract v2). Pure: all data comes in, a report goes out.
 *
 * For each enabled mapping with usage g for period P (clientId c, company K resolved from the
 * Managed ID exactly as the publisher does):
 * - configurations (verify/configuration-checks.ts): K must hold exactly one billing configuration of
 *   the account's type with deviceIdentifier c (none → `missing-configuration`, several →
 *   `duplicate-configuration`), with backupBillableSpaceGb = g (`wrong-gb`) and backupYear/backupMonth
 *   = P (`wrong-period`); one we do not own on another company is billed there too
 *   (`configuration-on-other-company`); an owned one already holding a later period is a
 *   `later-period` note, not compared;
 * - billing (verify/billing-checks.ts): K's Management entry needs a default agreement whose type has a
 *   Management Backup setup (else `not-billed`); the agreement's additions of that product are matched
 *   to the configurations by additions-match.ts: Detail → exactly one addition with quantity g
 *   (`missing-addition`, `duplicate-addition`, `wrong-addition-quantity`), Summary → one addition with
 *   the sum; additions nothing explains are `extra-addition`;
 * - billing integrity (verify/billing-integrity.ts): an owned configuration the sync still bills for a
 *   client whose mapping is disabled, removed, without usage for P, or whose Managed ID now resolves
 *   elsewhere (`still-billed-disabled|removed|no-usage|moved`); additions not cancelled for retired,
 *   deactivated or deleted owned configurations (`addition-for-retired-configuration`); billing
 *   configurations with our client ids that we do not own (`foreign-configuration` note);
 * - ledger (notes, not mismatches): no publish recorded for P, or published GB ≠ today's usage.
 */
export function reconcile(input: VerifyInput): VerifyReport {
  const view = buildView(input);
  const f = new Findings();
  checkInvalidItems(view, f);
  listClients(view, f);
  checkConfigurations(view, f);
  const groups = checkBilling(view, input.additions, f);
  checkBillingIntegrity(view, input.additions, groups, f);
  const clients = f.rows();
  return {
    accountId: input.account.accountId,
    period: input.period.key,
    ok: f.mismatches.length === 0,
    checked: clients.filter((c) => c.status !== 'skipped').length,
    clients,
    mismatches: f.mismatches,
    notes: f.notes,
  };
}

/**
 * The agreements whose additions verify needs: the default agreements of the resolved clients'
 * entries, and those of the companies holding retired owned configurations.
 */
export function agreementsToRead(input: ViewInput): number[] {
  const view = buildView(input);
  const ids = new Set<number>();
  for (const t of view.targets) if (t.entry.agreement) ids.add(t.entry.agreement.id);
  for (const r of retiredOwned(view)) for (const id of agreementsOfCompany(view, r.companyId)) ids.add(id);
  return [...ids].sort((a, b) => a - b);
}
