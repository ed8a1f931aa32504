import type { Addition, Company, ManagementEntry } from '../../lib/connectwise/types.js';
import { agreementsToRead, reconcile, type VerifyInput, type VerifyReport } from '../../lib/verify/reconcile.js';
import { billsNow } from '../../lib/verify/billing-model.js';
import { makePeriod } from '../../lib/period.js';
import type { LedgerEntry } from '../../lib/publisher/ports/index.js';
import type { UsageItem } from '../../lib/input/schemas.js';
import { ACCOUNT, SOLUTION, TYPE, agreement, company, configuration, mapping, owned } from './fakes-ops.js';

/**
 * Billing integrity (contract v2), one minimal fixture per finding: each would pass verify without
 * the rule it tests. The base world: clients c1..c3 on companies 101..103, Managed IDs M-1..M-3, one
 * owned configuration each (10001..10003), all published for 2026-10 and billed by one addition each.
 */
const MANAGEMENT = {
  id: 1,
  addedConfigurationStatus: { id: 1, name: 'Active' },
  deletedConfigurationStatus: { id: 2, name: 'Inactive' },
};

const entry = (n: number, patch: Partial<ManagementEntry> = {}): { company: Company; entry: ManagementEntry } => ({
  company: company(n),
  entry: {
    id: 500 + n,
    groupIdentifier: `M-${n}`,
    managementSolution: { id: 11, name: 'Backup Cloud' },
    deviceType: 'BackupStats',
    agreement: { id: 2000 + n },
    ...patch,
  },
});
const addition = (n: number, patch: Partial<Addition> = {}): Addition => ({
  id: 40000 + n,
  product: { id: 401 },
  quantity: 10 * n,
  description: `Cloud backup storage (GB): c${n}`,
  ...patch,
});
const usage = (n: number, period = '2026-10'): UsageItem => ({
  accountId: 'acme',
  usageKey: `${period}#c${n}`,
  period,
  clientId: `c${n}`,
  billableSpaceGb: 10 * n,
});
const ledger = (n: number): LedgerEntry => ({
  clientId: `c${n}`,
  managedId: `M-${n}`,
  status: 'published',
  outcome: 'published',
  publishedGb: 10 * n,
  runId: 'r',
  updatedAt: 'x',
});
const N = [1, 2, 3];

function input(patch: Partial<VerifyInput> = {}): VerifyInput {
  return {
    account: ACCOUNT,
    period: makePeriod(2026, 10),
    now: new Date('2026-11-15T00:00:00Z'),
    mappings: { items: N.map((n) => mapping(n)), invalid: [] },
    usage: { items: N.map((n) => usage(n)), invalid: [] },
    ledger: N.map(ledger),
    owned: N.map((n) => owned(n, 10000 + n)),
    solution: SOLUTION,
    type: TYPE,
    management: MANAGEMENT,
    tab: { companies: N.map(company), entries: N.map((n) => entry(n)) },
    configurations: N.map((n) => configuration(n)),
    agreements: N.map(agreement),
    backups: [{ id: 6, type: { id: 71 }, item: { id: 401, identifier: 'BACKUP-GB' }, billingLevel: 'Detail' }],
    additions: new Map(N.map((n) => [2000 + n, [addition(n)]])),
    ...patch,
  };
}

/** Reconciles with exactly the agreements verify would have read. */
function verify(patch: Partial<VerifyInput> = {}): VerifyReport {
  const full = input(patch);
  const read = new Set(agreementsToRead(full));
  return reconcile({ ...full, additions: new Map([...full.additions].filter(([id]) => read.has(id))) });
}
const kinds = (r: VerifyReport) => r.mismatches.map((m) => `${m.kind}:${m.clientIds.join('+')}`);
const noteKinds = (r: VerifyReport) => r.notes.map((n) => `${n.kind}:${n.clientIds.join('+')}`);
const without = <T>(items: readonly T[], drop: (t: T) => boolean) => items.filter((t) => !drop(t));

describe('Function: reconcile, billing integrity', () => {
  it('finds nothing wrong in the base world', () => {
    const report = verify();
    expect(report).toMatchObject({ ok: true, checked: 3, mismatches: [], notes: [] });
  });

  describe('an owned configuration still billing a client that should not be billed', () => {
    it('mapping disabled', () => {
      const report = verify({
        mappings: { items: [mapping(1, { enabled: false }), mapping(2), mapping(3)], invalid: [] },
      });
      expect(report.ok).toBe(false);
      expect(kinds(report)).toEqual(['still-billed-disabled:c1']);
      expect(report.mismatches[0]).toMatchObject({
        company: 'Client1',
        managedId: 'M-1',
        configurationIds: [10001],
        found: 10,
        detail:
          'owned configuration #10001 on Client1 (2026-10, 10 GB) is still billed, but its mapping is disabled: a publish of 2026-10 retires it',
      });
    });

    it('mapping removed: named by its client id and last Managed ID', () => {
      const report = verify({ mappings: { items: [mapping(2), mapping(3)], invalid: [] } });
      expect(kinds(report)).toEqual(['still-billed-removed:c1']);
      expect(report.mismatches[0]).toMatchObject({
        managedId: 'M-1',
        detail: expect.stringMatching(/but its mapping was removed \(last Managed ID "M-1"\)/),
      });
    });

    it('no usage for the period', () => {
      const report = verify({ usage: { items: [usage(2), usage(3)], invalid: [] } });
      expect(kinds(report)).toEqual(['still-billed-no-usage:c1']);
    });

    it('Managed ID moved: the owned configuration on the old company', () => {
      // M-1 is now on Client3's company, where the publish created (and owns) a new configuration.
      const moved = configuration(1, { id: 10011, company: { id: 103, identifier: 'Client3' } });
      const report = verify({
        tab: {
          companies: N.map(company),
          entries: [{ company: company(3), entry: entry(1, { agreement: { id: 2003 } }).entry }, entry(2), entry(3)],
        },
        configurations: [...N.map((n) => configuration(n)), moved],
        owned: [...N.map((n) => owned(n, 10000 + n)), owned(1, 10011, { companyId: 103 })],
        additions: new Map([
          [2001, [addition(1)]],
          [2002, [addition(2)]],
          [2003, [addition(3), addition(11, { quantity: 10, description: 'Cloud backup storage (GB): c1' })]],
        ]),
      });
      expect(kinds(report)).toEqual(['still-billed-moved:c1']);
      expect(report.mismatches[0]).toMatchObject({
        company: 'Client1',
        configurationIds: [10001],
        detail: expect.stringMatching(/now resolves to another company \(Client3\)/),
      });
    });

    it('not for a client whose item is invalid (already an invalid-item) nor for a retired configuration', () => {
      const report = verify({
        mappings: {
          items: [mapping(2), mapping(3)],
          invalid: [
            { key: { accountId: 'acme', clientId: 'c1' }, problems: [{ field: 'managedId', problem: 'is missing' }] },
          ],
        },
        usage: { items: [usage(1), usage(3)], invalid: [] },
        configurations: [configuration(1), configuration(2, { activeFlag: false }), configuration(3)],
        additions: new Map([
          [2001, [addition(1)]],
          [2003, [addition(3)]],
        ]),
      });
      expect(kinds(report)).toEqual(['invalid-item:c1']);
    });
  });

  describe('additions still active for retired configurations', () => {
    const c1Retired = { mappings: { items: [mapping(1, { enabled: false }), mapping(2), mapping(3)], invalid: [] } };

    it("reads and checks the agreement of a retired configuration's company", () => {
      const report = verify({
        ...c1Retired,
        configurations: [configuration(1, { activeFlag: false }), configuration(2), configuration(3)],
      });
      expect(
        agreementsToRead(
          input({
            ...c1Retired,
            configurations: [configuration(1, { activeFlag: false }), configuration(2), configuration(3)],
          }),
        ),
      ).toEqual([2001, 2002, 2003]);
      expect(kinds(report)).toEqual(['addition-for-retired-configuration:c1']);
      expect(report.mismatches[0]).toMatchObject({
        agreement: 'Agreement 1',
        found: 10,
        detail: expect.stringMatching(
          /^addition #40001 .* still bills retired configuration\(s\) #10001 on Client1 \(2026-10, 10 GB\), inactive: the Management sync has not cancelled it yet: publish the account again for this period/,
        ),
      });
    });

    it('a deleted configuration, and one in the deleted status while still flagged active', () => {
      const deleted = verify({ ...c1Retired, configurations: [configuration(2), configuration(3)] });
      const closed = verify({
        ...c1Retired,
        configurations: [configuration(1, { status: { id: 2, name: 'Inactive' } }), configuration(2), configuration(3)],
      });
      expect(kinds(deleted)).toEqual(['addition-for-retired-configuration:c1']);
      expect(deleted.mismatches[0]?.detail).toMatch(/#10001 \(deleted\)/);
      expect(kinds(closed)).toEqual(['addition-for-retired-configuration:c1']);
    });

    it('is quiet once the sync has cancelled the addition', () => {
      const report = verify({
        ...c1Retired,
        configurations: [configuration(1, { activeFlag: false }), configuration(2), configuration(3)],
        additions: new Map(
          N.map((n) => [2000 + n, [addition(n, n === 1 ? { cancelledDate: '2026-11-02T00:00:00Z' } : {})]]),
        ),
      });
      expect(report.ok).toBe(true);
    });

    it('names the retired client (not an anonymous extra addition) on the agreement of a client still billed', () => {
      // c4 was billed on Client1's company too, and was retired there.
      const report = verify({
        configurations: [
          ...N.map((n) => configuration(n)),
          configuration(4, { company: { id: 101, identifier: 'Client1' }, activeFlag: false }),
        ],
        owned: [...N.map((n) => owned(n, 10000 + n)), owned(4, 10004, { companyId: 101 })],
        additions: new Map([
          [2001, [addition(1), addition(4, { quantity: 7 })]],
          [2002, [addition(2)]],
          [2003, [addition(3)]],
        ]),
      });
      expect(kinds(report)).toEqual(['addition-for-retired-configuration:c4']);
    });

    it('at billing level Summary: a total still billed when nothing on the company bills any more', () => {
      const report = verify({
        ...c1Retired,
        backups: [{ id: 6, type: { id: 71 }, item: { id: 401 }, billingLevel: 'Summary' }],
        configurations: [configuration(1, { activeFlag: false }), configuration(2), configuration(3)],
      });
      expect(kinds(report)).toEqual(['addition-for-retired-configuration:c1']);
    });
  });

  describe('notes, not mismatches', () => {
    it('an owned configuration holding a later period than the one verified', () => {
      // Verifying 2026-09 after 2026-10 was published: c1 had usage in 09, c2 none.
      const report = verify({
        period: makePeriod(2026, 9),
        usage: { items: [usage(1, '2026-09'), usage(3, '2026-09')], invalid: [] },
        ledger: [],
      });
      expect(report.ok).toBe(true);
      expect(noteKinds(report)).toEqual([
        'not-in-ledger:c1',
        'not-in-ledger:c3',
        'later-period:c1',
        'later-period:c3',
        'later-period:c2',
      ]);
      expect(report.notes[2]).toMatchObject({ expected: '2026-09', found: '2026-10', configurationIds: [10001] });
    });

    it('a configuration we do not own with one of our client ids: noted, never a failure', () => {
      const report = verify({
        mappings: { items: [mapping(1, { enabled: false }), mapping(2), mapping(3)], invalid: [] },
        owned: without(
          N.map((n) => owned(n, 10000 + n)),
          (o) => o.clientId === 'c1',
        ),
      });
      expect(report.ok).toBe(true);
      expect(noteKinds(report)).toEqual(['foreign-configuration:c1']);
      expect(report.notes[0]).toMatchObject({
        configurationIds: [10001],
        detail: expect.stringMatching(
          /that this account does not own: #10001 on Client1 .*; publish never changes them$/,
        ),
      });
    });

    it('not the configuration a client that owns nothing yet will adopt at its next publish', () => {
      const report = verify({ owned: [] });
      expect(report).toMatchObject({ ok: true, notes: [] });
    });
  });
});

describe('Function: billsNow', () => {
  it("bills active configurations not in the Management record's deleted status", () => {
    expect(billsNow(configuration(1), MANAGEMENT)).toBe(true);
    expect(billsNow(configuration(1, { activeFlag: false }), MANAGEMENT)).toBe(false);
    expect(billsNow(configuration(1, { status: { id: 2 } }), MANAGEMENT)).toBe(false);
    expect(billsNow(configuration(1, { status: { id: 2 } }), undefined)).toBe(true);
    // The same status for added and deleted marks nothing as removed.
    expect(
      billsNow(configuration(1, { status: { id: 1 } }), {
        id: 1,
        addedConfigurationStatus: { id: 1 },
        deletedConfigurationStatus: { id: 1 },
      }),
    ).toBe(true);
  });
});
