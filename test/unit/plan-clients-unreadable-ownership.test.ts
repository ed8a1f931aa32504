import { parsePeriod } from '../../lib/period.js';
import { planClients } from '../../lib/publisher/plan-clients.js';
import type { InvalidItem, Mapping, OwnedConfiguration } from '../../lib/publisher/ports/index.js';

const period = parsePeriod('2026-09', new Date('2026-11-01T00:00:00Z'));
const mapping = (clientId: string): Mapping => ({
  accountId: 'a',
  clientId,
  managedId: `M-${clientId}`,
  clientName: undefined,
  enabled: true,
});
const owned = (clientId: string, configurationId: number): OwnedConfiguration => ({
  accountId: 'a',
  clientId,
  configurationId,
  companyId: 7,
  managedId: `M-${clientId}`,
  origin: 'created',
  active: true,
  updatedAt: '2026-10-01T00:00:00Z',
  runId: 'r0',
});
const badRecord = (clientId: string): InvalidItem => ({
  key: { clientId, ledgerItem: `#owned#a / ${clientId}#12` },
  problems: [{ field: 'companyId', problem: 'must be a ConnectWise record id (a whole number)' }],
});

describe('planClients: an ownership record that cannot be read', () => {
  const plan = (ownedInvalid: InvalidItem[], clientIds?: string[]) =>
    planClients({
      mappings: { items: [mapping('c-1'), mapping('c-2')], invalid: [] },
      usage: {
        items: [
          { accountId: 'a', usageKey: '2026-09#c-1', period: '2026-09', clientId: 'c-1', billableSpaceGb: 5 },
          { accountId: 'a', usageKey: '2026-09#c-2', period: '2026-09', clientId: 'c-2', billableSpaceGb: 6 },
        ],
        invalid: [],
      },
      owned: [owned('c-2', 20), owned('c-gone', 30)],
      ownedInvalid,
      period,
      clientIds,
      reportUnknownClients: false,
      maxBillableSpaceGb: 1000,
    });

  it('fails its client with a reason naming the record and field, and plans nothing else for it', () => {
    const result = plan([badRecord('c-1')]);
    expect(result.settled).toEqual([
      {
        clientId: 'c-1',
        managedId: 'M-c-1',
        status: 'failed',
        reason:
          'ownership item (clientId=c-1 ledgerItem=#owned#a / c-1#12) is invalid: companyId must be a ConnectWise record id ' +
          '(a whole number); fix the record in the Ledger table (or delete it), then publish again',
      },
    ]);
    expect(result.candidates.map((c) => c.clientId)).toEqual(['c-2']);
    expect(result.retirements.map((r) => r.clientId)).toEqual(['c-gone']);
  });

  it('is not mistaken for a removed mapping when the client has no mapping: failed, not retired', () => {
    const result = plan([badRecord('c-gone'), badRecord('c-gone')]);
    expect(result.settled.filter((r) => r.clientId === 'c-gone')).toHaveLength(1);
    expect(result.settled[0]).toMatchObject({ clientId: 'c-gone', status: 'failed', managedId: '' });
    expect(result.retirements).toEqual([]);
  });

  it('counts only for the clients a limited run asks for', () => {
    const result = plan([badRecord('c-1')], ['c-2']);
    expect(result.settled).toEqual([]);
    expect(result.candidates.map((c) => c.clientId)).toEqual(['c-2']);
  });
});
