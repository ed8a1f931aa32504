import type { Addition, Company, ManagementEntry } from '../../lib/connectwise/types.js';
import { agreementsToRead, reconcile, type VerifyInput } from '../../lib/verify/reconcile.js';
import { makePeriod } from '../../lib/period.js';
import type { LedgerEntry } from '../../lib/publisher/ports/index.js';
import type { UsageItem } from '../../lib/input/schemas.js';
import { ACCOUNT, SOLUTION, TYPE, agreement, company, configuration, mapping, owned } from './fakes-ops.js';

const PERIOD = makePeriod(2026, 10);

function entry(n: number, patch: Partial<ManagementEntry> = {}): { company: Company; entry: ManagementEntry } {
  return {
    company: company(n),
    entry: {
      id: 500 + n,
      groupIdentifier: `M-${n}`,
      managementSolution: { id: SOLUTION.id, name: SOLUTION.name },
      deviceType: 'BackupStats',
      agreement: { id: 2000 + n, name: `Agreement ${n}` },
      ...patch,
    },
  };
}
function addition(n: number, patch: Partial<Addition> = {}): Addition {
  return {
    id: 40000 + n,
    product: { id: 401, identifier: 'BACKUP-GB' },
    quantity: 10 * n,
    description: `Cloud backup storage (GB): c${n}`,
    ...patch,
  };
}
const usage = (n: number, gb = 10 * n): UsageItem => ({
  accountId: 'acme',
  usageKey: `2026-10#c${n}`,
  period: '2026-10',
  clientId: `c${n}`,
  billableSpaceGb: gb,
});
const ledger = (n: number, gb = 10 * n): LedgerEntry => ({
  clientId: `c${n}`,
  managedId: `M-${n}`,
  status: 'published',
  outcome: 'published',
  publishedGb: gb,
  runId: 'r1',
  updatedAt: '2026-11-01T06:00:00Z',
});

/** Two clients, everything in place and matching; the account owns both configurations. */
function input(patch: Partial<VerifyInput> = {}): VerifyInput {
  return {
    account: { ...ACCOUNT, managementItName: SOLUTION.name, configurationTypeName: TYPE.name },
    period: PERIOD,
    now: new Date('2026-11-15T00:00:00Z'),
    mappings: { items: [mapping(1), mapping(2)], invalid: [] },
    usage: { items: [usage(1), usage(2)], invalid: [] },
    ledger: [ledger(1), ledger(2)],
    owned: [owned(1, 10001), owned(2, 10002)],
    solution: SOLUTION,
    type: TYPE,
    tab: { companies: [company(1), company(2)], entries: [entry(1), entry(2)] },
    configurations: [configuration(1), configuration(2)],
    agreements: [agreement(1), agreement(2)],
    backups: [
      {
        id: 6,
        type: { id: 71, name: 'Managed Services' },
        item: { id: 401, identifier: 'BACKUP-GB' },
        billingLevel: 'Detail',
      },
    ],
    additions: new Map([
      [2001, [addition(1)]],
      [2002, [addition(2)]],
    ]),
    ...patch,
  };
}

const kinds = (report: ReturnType<typeof reconcile>) =>
  report.mismatches.map((m) => `${m.kind}:${m.clientIds.join('+')}`);

describe('Function: reconcile', () => {
  it('finds nothing wrong when configurations and additions match the usage', () => {
    const report = reconcile(input());
    expect(report).toMatchObject({ ok: true, checked: 2, mismatches: [], notes: [] });
    expect(report.clients.map((c) => [c.clientId, c.status, c.configurationGb, c.additionQuantity])).toEqual([
      ['c1', 'ok', 10, 10],
      ['c2', 'ok', 20, 20],
    ]);
  });

  it('reports a missing configuration (and so no addition is expected for it)', () => {
    const report = reconcile(
      input({ configurations: [configuration(2)], additions: new Map([[2002, [addition(2)]]]) }),
    );
    expect(kinds(report)).toEqual(['missing-configuration:c1']);
    expect(report.ok).toBe(false);
  });

  it('reports wrong GB and wrong period', () => {
    const report = reconcile(
      input({
        configurations: [configuration(1, { backupBillableSpaceGb: 12 }), configuration(2, { backupMonth: 9 })],
      }),
    );
    expect(report.mismatches.map((m) => [m.kind, m.clientIds[0], m.expected, m.found])).toEqual([
      ['wrong-gb', 'c1', 10, 12],
      ['wrong-period', 'c2', '2026-10', '2026-09'],
    ]);
  });

  it('reports a duplicate configuration and the duplicate additions it causes', () => {
    const report = reconcile(
      input({
        configurations: [configuration(1), configuration(1, { id: 10099 }), configuration(2)],
        additions: new Map([
          [2001, [addition(1), addition(9, { quantity: 10, description: 'Cloud backup storage (GB): c1' })]],
          [2002, [addition(2)]],
        ]),
      }),
    );
    expect(kinds(report)).toEqual(['duplicate-configuration:c1', 'duplicate-addition:c1']);
  });

  it('ignores inactive configurations and those of other types', () => {
    const report = reconcile(
      input({
        configurations: [
          configuration(1),
          configuration(1, { id: 10098, activeFlag: false }),
          configuration(1, { id: 10097, type: { id: 99 } }),
          configuration(2),
        ],
      }),
    );
    expect(report.ok).toBe(true);
  });

  it('reports an active configuration of the client on another company', () => {
    const report = reconcile(
      input({
        configurations: [
          configuration(1),
          configuration(2),
          configuration(1, { id: 10050, company: { id: 102, identifier: 'Client2' } }),
        ],
      }),
    );
    expect(kinds(report)).toContain('configuration-on-other-company:c1');
  });

  it('reports a missing addition, a wrong quantity and an addition nothing explains', () => {
    const report = reconcile(
      input({
        additions: new Map([
          [
            2001,
            [
              addition(5, { quantity: 3, description: 'Cloud backup storage (GB): c-gone' }),
              addition(6, { quantity: 4, description: 'x: c-old' }),
            ],
          ],
          [2002, [addition(2, { quantity: 25 })]],
        ]),
      }),
    );
    expect(report.mismatches.map((m) => [m.kind, m.clientIds.join(), m.expected, m.found])).toEqual([
      ['missing-addition', 'c1', 10, undefined],
      ['extra-addition', '', undefined, 3],
      ['extra-addition', '', undefined, 4],
      ['wrong-addition-quantity', 'c2', 20, 25],
    ]);
  });

  it('ignores cancelled additions and additions of other products', () => {
    const report = reconcile(
      input({
        additions: new Map([
          [
            2001,
            [
              addition(1),
              addition(7, { cancelledDate: '2026-11-01T00:00:00Z', description: 'Cloud backup storage (GB): c1' }),
              addition(8, { product: { id: 999 } }),
            ],
          ],
          [2002, [addition(2)]],
        ]),
      }),
    );
    expect(report.ok).toBe(true);
  });

  it('checks one total per agreement at billing level Summary', () => {
    const summary = [
      {
        id: 6,
        type: { id: 71, name: 'Managed Services' },
        item: { id: 401, identifier: 'BACKUP-GB' },
        billingLevel: 'Summary',
      },
    ];
    const ok = reconcile(
      input({
        backups: summary,
        configurations: [
          configuration(1),
          configuration(1, { id: 10060, deviceIdentifier: 'other-vendor', backupBillableSpaceGb: 5 }),
          configuration(2),
        ],
        additions: new Map([
          [
            2001,
            [addition(1, { quantity: 15, description: 'Cloud backup storage (GB): Client 1 (2 configurations)' })],
          ],
          [2002, [addition(2)]],
        ]),
      }),
    );
    expect(ok.ok).toBe(true);
    const wrong = reconcile(
      input({
        backups: summary,
        additions: new Map([
          [2001, [addition(1, { quantity: 11 })]],
          [2002, []],
        ]),
      }),
    );
    expect(wrong.mismatches.map((m) => [m.kind, m.clientIds.join(), m.expected, m.found])).toEqual([
      ['wrong-addition-quantity', 'c1', 10, 11],
      ['missing-addition', 'c2', 20, undefined],
    ]);
  });

  it('reports clients the sync cannot bill: no default agreement, no Management Backup for its type', () => {
    const report = reconcile(
      input({
        tab: { companies: [company(1), company(2)], entries: [entry(1, { agreement: null }), entry(2)] },
        backups: [],
      }),
    );
    expect(report.mismatches.map((m) => [m.kind, m.clientIds.join(), m.detail])).toEqual([
      ['not-billed', 'c1', expect.stringMatching(/has no default agreement/)],
      ['not-billed', 'c2', expect.stringMatching(/no Management Backup setup for agreement type "Managed Services"/)],
    ]);
  });

  it('reports a Managed ID that resolves to no company or to several', () => {
    const report = reconcile(
      input({
        tab: {
          companies: [company(1), company(2), company(3)],
          entries: [entry(2), entry(3, { groupIdentifier: 'M-2' })],
        },
      }),
    );
    expect(kinds(report)).toEqual(['unresolved-company:c1', 'unresolved-company:c2']);
  });

  it('skips disabled mappings and mappings without usage (their configurations are billing-integrity findings)', () => {
    const report = reconcile(
      input({
        mappings: { items: [mapping(1, { enabled: false }), mapping(2)], invalid: [] },
        usage: { items: [usage(1)], invalid: [] },
        configurations: [configuration(1, { activeFlag: false }), configuration(2, { activeFlag: false })],
        additions: new Map(),
      }),
    );
    expect(report.ok).toBe(true);
    expect(report.checked).toBe(0);
    expect(report.clients.map((c) => [c.clientId, c.status, c.reason])).toEqual([
      ['c1', 'skipped', 'mapping is disabled'],
      ['c2', 'skipped', 'no usage for 2026-10'],
    ]);
    expect(report.notes).toEqual([]);
  });

  it('notes ledger differences without calling them mismatches', () => {
    const report = reconcile(input({ ledger: [ledger(1, 9)] }));
    expect(report.ok).toBe(true);
    expect(report.notes.map((n) => `${n.kind}:${n.clientIds.join()}`)).toEqual([
      'usage-changed-since-publish:c1',
      'not-in-ledger:c2',
    ]);
  });

  it('reports invalid mapping and usage items', () => {
    const report = reconcile(
      input({
        mappings: {
          items: [mapping(1), mapping(2)],
          invalid: [
            { key: { accountId: 'acme', clientId: 'c9' }, problems: [{ field: 'managedId', problem: 'is missing' }] },
          ],
        },
      }),
    );
    expect(kinds(report)).toEqual(['invalid-item:c9']);
  });
});

describe('Function: agreementsToRead', () => {
  it('names the default agreements of the resolved clients with usage', () => {
    expect(agreementsToRead(input())).toEqual([2001, 2002]);
    expect(agreementsToRead(input({ usage: { items: [usage(2)], invalid: [] } }))).toEqual([2002]);
  });
});
