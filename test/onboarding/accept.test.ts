import { ConnectWiseHttpError } from '../../lib/errors.js';
import { acceptSuggestions } from '../../lib/onboarding/accept.js';
import type { AcceptDeps, OnboardingConnection } from '../../lib/onboarding/ports.js';
import { suggestMappings } from '../../lib/onboarding/suggest.js';
import { makePeriod } from '../../lib/period.js';
import type { Account, Mapping } from '../../lib/publisher/ports/index.js';
import type { Agreement, Company, ManagementEntry, NewManagementEntry } from '../../lib/connectwise/types.js';

const PERIOD = makePeriod(2026, 10);
const ACCOUNT: Account = {
  accountId: 'acme',
  secretId: 'cw/acme',
  managementItName: 'Backup Cloud',
  enabled: true,
  configurationTypeName: 'Backup Stats',
  maxBillableSpaceGb: 1_000_000,
  requestsPerMinute: 600,
};
const SOLUTION = { id: 7, name: 'Backup Cloud' };
const BILLED_TYPE = { id: 3, name: 'Managed Services' };

/** An in-memory ConnectWise with companies, tabs and agreements, recording what onboarding sends. */
function fakeConnectWise(companies: Company[], agreements: Agreement[] = []) {
  const tabs = new Map<number, ManagementEntry[]>();
  const posts: { companyId: number; entry: NewManagementEntry }[] = [];
  const failPost = new Set<number>();
  let requests = 0;
  let nextId = 100;
  const connection: OnboardingConnection = {
    findManagementItSolutions: async () => (requests++, [SOLUTION]),
    listCompanies: async () => (requests++, companies),
    listManagementEntries: async (id) => (requests++, tabs.get(id) ?? []),
    listAgreementsOfCompanies: async (ids) => (requests++, agreements.filter((a) => ids.includes(a.company!.id))),
    listManagementBackups: async () => (requests++, [{ id: 1, type: BILLED_TYPE }]),
    createManagementEntry: async (companyId, entry) => {
      requests++;
      posts.push({ companyId, entry });
      if (failPost.has(companyId))
        throw new ConnectWiseHttpError('POST failed with 400', {
          method: 'POST',
          path: `company/companies/${companyId}/managementSummaryReports`,
          status: 400,
          details: [{ field: 'groupIdentifier', message: 'is already in use' }],
        });
      const created = { id: nextId++, groupIdentifier: entry.groupIdentifier, managementSolution: SOLUTION };
      tabs.set(companyId, [...(tabs.get(companyId) ?? []), created]);
      return created;
    },
    requestCount: () => requests,
  };
  return { connection, tabs, posts, failPost };
}

function deps(
  connection: OnboardingConnection,
  usage: { clientId: string; clientName?: string }[],
  mappings: Mapping[] = [],
): AcceptDeps & { written: Mapping[]; stored: Map<string, Mapping> } {
  const stored = new Map(mappings.map((m) => [m.clientId, m]));
  const written: Mapping[] = [];
  return {
    stored,
    written,
    mappings: { listByAccount: async () => ({ items: [...mappings], invalid: [] }) },
    usage: {
      listByPeriod: async () => ({
        items: usage.map((u) => ({
          accountId: 'acme',
          usageKey: `${PERIOD.key}#${u.clientId}`,
          period: PERIOD.key,
          clientId: u.clientId,
          billableSpaceGb: 1,
          ...(u.clientName ? { clientName: u.clientName } : {}),
        })),
        invalid: [],
      }),
    },
    secrets: { load: async () => ({ site: 'x', companyId: 'x', publicKey: 'x', privateKey: 'x', clientId: 'x' }) },
    connectWise: async () => connection,
    mappingCreator: {
      createIfAbsent: async (m) => {
        if (stored.has(m.clientId)) return false;
        stored.set(m.clientId, m);
        written.push(m);
        return true;
      },
    },
  };
}

const company = (id: number, name: string, identifier = `C${id}`): Company => ({ id, identifier, name });
const agreement = (id: number, companyId: number, status = 'Active'): Agreement => ({
  id,
  name: `A${id}`,
  company: { id: companyId },
  type: BILLED_TYPE,
  agreementStatus: status,
});

describe('Function: acceptSuggestions', () => {
  it('fails a named client that has no exact suggestion, or is not unmapped, and accepts the named exact one only', async () => {
    const cw = fakeConnectWise(
      [company(1, 'Contoso Ltd'), company(2, 'Fabrikam'), company(3, 'Fabrikam Inc')],
      [agreement(11, 1)],
    );
    const d = deps(cw.connection, [
      { clientId: 'a', clientName: 'Contoso' },
      { clientId: 'b', clientName: 'Fabrikam' },
      { clientId: 'other', clientName: 'Contoso' },
    ]);
    const report = await acceptSuggestions(d, { account: ACCOUNT, period: PERIOD, clientIds: ['a', 'b', 'ghost'] });
    expect(report.outcomes.map((o) => [o.clientId, o.status])).toEqual([
      ['a', 'accepted'],
      ['b', 'failed'],
      ['ghost', 'failed'],
    ]);
    expect(report.outcomes[1]?.reason).toMatch(/ambiguous \(2 companies have this name\)/);
    expect(report.outcomes[2]?.reason).toMatch(/not an unmapped client with usage for 2026-10/);
    expect(d.written.map((m) => m.clientId)).toEqual(['a']);
    expect(cw.posts).toEqual([
      {
        companyId: 1,
        entry: {
          groupIdentifier: 'C1',
          managementSolution: { id: 7 },
          deviceType: 'BackupStats',
          agreement: { id: 11 },
        },
      },
    ]);
  });

  it('writes nothing when the confirmation says no', async () => {
    const cw = fakeConnectWise([company(1, 'Contoso')]);
    const d = deps(cw.connection, [{ clientId: 'a', clientName: 'Contoso' }]);
    let asked: unknown;
    const report = await acceptSuggestions(d, {
      account: ACCOUNT,
      period: PERIOD,
      confirm: async (plan) => ((asked = { entries: plan.entriesToCreate, mappings: plan.mappingsToWrite }), false),
    });
    expect(asked).toEqual({ entries: 1, mappings: 1 });
    expect(report).toMatchObject({ confirmed: false, accepted: 0, outcomes: [] });
    expect(cw.posts).toEqual([]);
    expect(d.written).toEqual([]);
  });

  it('fails only the clients of a company whose entry ConnectWise refuses, naming the company and the cause', async () => {
    const cw = fakeConnectWise([company(1, 'Contoso'), company(2, 'Fabrikam')]);
    cw.failPost.add(2);
    const d = deps(cw.connection, [
      { clientId: 'a', clientName: 'Contoso' },
      { clientId: 'b', clientName: 'Fabrikam' },
      { clientId: 'c', clientName: 'FABRIKAM' },
    ]);
    const report = await acceptSuggestions(d, { account: ACCOUNT, period: PERIOD });
    expect(report).toMatchObject({ accepted: 1, failed: 2, entriesCreated: 1, mappingsWritten: 1 });
    expect(report.outcomes[1]?.reason).toBe(
      'Management tab entry "C2" on company C2 (#2) not created: POST failed with 400 (groupIdentifier: is already in use)',
    );
    // One POST per company (b and c share one), a refused POST is not read back or re-sent.
    expect(cw.posts.map((p) => p.companyId).sort()).toEqual([1, 2]);
  });

  it('never overwrites a mapping that appears meanwhile, and uses an existing entry without a POST', async () => {
    const cw = fakeConnectWise([company(1, 'Contoso')]);
    cw.tabs.set(1, [{ id: 5, groupIdentifier: 'CONTOSO-BKP', managementSolution: SOLUTION }]);
    const d = deps(cw.connection, [{ clientId: 'a', clientName: 'Contoso' }]);
    const race: Mapping = { accountId: 'acme', clientId: 'a', managedId: 'BY-HAND', enabled: false };
    const report = await acceptSuggestions(d, {
      account: ACCOUNT,
      period: PERIOD,
      confirm: async () => (d.stored.set('a', race), true),
    });
    expect(report.outcomes[0]).toMatchObject({ status: 'skipped', entry: 'existing', mapping: 'not-written' });
    expect(d.stored.get('a')).toBe(race);
    expect(cw.posts).toEqual([]);
  });

  it('gives a new entry the only Active billable agreement, none when there are several, and says so', async () => {
    const cw = fakeConnectWise(
      [company(1, 'Contoso'), company(2, 'Fabrikam')],
      [agreement(11, 1), agreement(12, 1, 'Cancelled'), agreement(21, 2), agreement(22, 2)],
    );
    const d = deps(cw.connection, [
      { clientId: 'a', clientName: 'Contoso' },
      { clientId: 'b', clientName: 'Fabrikam' },
    ]);
    const report = await acceptSuggestions(d, { account: ACCOUNT, period: PERIOD });
    expect(report.outcomes[0]).toMatchObject({ status: 'accepted', agreement: { id: 11, name: 'A11' } });
    expect(report.outcomes[1]).toMatchObject({ status: 'accepted' });
    expect(report.outcomes[1]?.note).toMatch(/no default agreement set \(the company has 2 Active agreements/);
    expect(cw.posts.find((p) => p.companyId === 2)?.entry).not.toHaveProperty('agreement');
  });

  it('validates the mapping like every write path: a bad client id fails, a long name is cut to 100', async () => {
    const long = `Contoso ${'x'.repeat(150)}`;
    const cw = fakeConnectWise([company(1, long), company(2, 'Fabrikam')]);
    const d = deps(cw.connection, [
      { clientId: 'a', clientName: long },
      { clientId: '#b', clientName: 'Fabrikam' },
    ]);
    const report = await acceptSuggestions(d, { account: ACCOUNT, period: PERIOD });
    expect(report.outcomes.find((o) => o.clientId === '#b')).toMatchObject({
      status: 'failed',
      reason: 'the mapping would be invalid: clientId must not start with #',
    });
    expect(d.written[0]?.clientName).toBe(long.slice(0, 100));
    expect(cw.posts.map((p) => p.companyId)).toEqual([1]);
  });
});

describe('Function: suggestMappings', () => {
  it('reads no company when no client is unmapped, and never lists a mapped client', async () => {
    const cw = fakeConnectWise([company(1, 'Contoso')]);
    const d = deps(
      cw.connection,
      [{ clientId: 'a', clientName: 'Contoso' }],
      [{ accountId: 'acme', clientId: 'a', managedId: 'M', enabled: true }],
    );
    const report = await suggestMappings(d, { account: ACCOUNT, period: PERIOD });
    expect(report).toEqual({ accountId: 'acme', period: '2026-10', suggestions: [] });
    expect(cw.connection.requestCount()).toBe(1); // the solution only
  });
});
