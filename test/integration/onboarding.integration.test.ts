import { previousPeriod } from '../../lib/period.js';
import { TABLES } from '../support/local-aws.js';
import { seedOnboardingSite, type OnboardingSite } from '../simulator/onboarding-seed.js';
import { Harness, results, type TestAccount } from './harness.js';

/**
 * Onboarding end to end (contract v3): the real CLI against dynalite and the ConnectWise simulator —
 * suggestions, a dry look that writes nothing anywhere, an accept that creates exactly the contract's
 * entries and mappings (one entry failing fails only its client), then a publish that bills them.
 */
/** Last month: what `cwpub doctor` looks at. */
const PERIOD = previousPeriod(new Date()).key;

/** Unmapped clients with usage for PERIOD, and what the contract's matching makes of their names. */
const CLIENTS: readonly (readonly [clientId: string, name: string | undefined])[] = [
  ['c-alpine', 'Alpine Group'], // "The Alpine Group LLC": another vendor's entry is not ours → create
  ['c-contoso', 'Contoso Limited'], // "Contoso Ltd", entry CONTOSO-BKP of our solution → use-existing
  ['c-fab', 'FABRIKAM'], // "Fabrikam, Inc." → create
  ['c-lit', 'Litware'], // "Litware Corp" holds our solution twice → ambiguous
  ['c-muller', 'Muller'], // "Müller GmbH" → create
  ['c-noname', undefined], // no name → none, no candidates
  ['c-north', 'Northwind Traders Inc'], // two companies with one normal form → ambiguous
  ['c-pro', 'Proseware'], // "Proseware Pty Ltd", no agreement → create without a default agreement
  ['c-smith', 'Smith and Sons Limited'], // "Smith & Sons Ltd" → create
  ['c-smith2', 'Smith & Sons'], // the same company: one entry for both
  ['c-tail', 'Tailspin Toys'], // only a deleted company has this name → none
  ['c-wing', 'Wingtips Toy'], // near miss of "Wingtip Toys" → none, with candidates
];

interface SuggestionJson {
  clientId: string;
  clientName: string | null;
  match: string;
  company?: { id: number; identifier: string; name: string };
  managedId?: string;
  action?: string;
  candidates: { id: number; identifier: string; name: string }[];
}

describe('Onboarding: cwpub mappings suggest [--accept]', () => {
  let harness: Harness;
  let account: TestAccount;
  let site: OnboardingSite;
  const cli = (...args: string[]) => harness.cli(['mappings', 'suggest', '--account', account.accountId, ...args]);
  const tables = async () =>
    Object.fromEntries(await Promise.all(Object.values(TABLES).map(async (t) => [t, await harness.scan(t)] as const)));

  beforeAll(async () => {
    harness = await Harness.start();
    account = await harness.account();
    site = seedOnboardingSite(account.sim.seed, account.setup);
    for (const [clientId, name] of CLIENTS)
      await harness.put(TABLES.USAGE_TABLE, {
        accountId: account.accountId,
        usageKey: `${PERIOD}#${clientId}`,
        period: PERIOD,
        clientId,
        billableSpaceGb: 10,
        ...(name ? { clientName: name } : {}),
      });
    // A mapped client whose name also matches: a person's mapping, never suggested or changed.
    await account.mapping('c-aw', 'AW-001', { clientName: 'Adventure Works', enabled: true });
    await account.usage('c-aw', PERIOD, 5);
    // An older usage item names c-wing differently: the latest usage item's name is the one that counts.
    await harness.put(TABLES.USAGE_TABLE, {
      accountId: account.accountId,
      usageKey: `2026-09#c-wing`,
      period: '2026-09',
      clientId: 'c-wing',
      billableSpaceGb: 1,
      clientName: 'Something Else',
    });
  });
  afterAll(async () => {
    await harness.close();
  });
  afterEach(() => {
    delete process.env.COLUMNS;
  });

  it('suggests exact, ambiguous and unmatched clients as the contract says, and writes nothing anywhere', async () => {
    const before = await tables();
    account.sim.resetRequests();

    const run = await cli('--period', PERIOD, '--json');

    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { accountId: string; period: string; suggestions: SuggestionJson[] };
    expect(report).toMatchObject({ accountId: account.accountId, period: PERIOD });
    const by = Object.fromEntries(report.suggestions.map((s) => [s.clientId, s]));
    expect(report.suggestions.map((s) => s.clientId)).toEqual(CLIENTS.map(([id]) => id));
    const company = (identifier: string) => {
      const c = site.companies[identifier]!;
      return { id: c.id, identifier: c.identifier, name: c.name };
    };
    expect(by['c-contoso']).toEqual({
      clientId: 'c-contoso',
      clientName: 'Contoso Limited',
      match: 'exact',
      company: company('Contoso'),
      managedId: 'CONTOSO-BKP',
      action: 'use-existing',
      candidates: [],
    });
    for (const [clientId, identifier] of [
      ['c-fab', 'Fabrikam'],
      ['c-smith', 'SmithSons'],
      ['c-smith2', 'SmithSons'],
      ['c-alpine', 'AlpineGroup'],
      ['c-muller', 'Mueller'],
      ['c-pro', 'Proseware'],
    ] as const) {
      expect(by[clientId]).toMatchObject({ match: 'exact', company: company(identifier), managedId: identifier });
      expect(by[clientId]?.action).toBe('create');
    }
    expect(by['c-north']).toMatchObject({
      match: 'ambiguous',
      candidates: [company('Northwind'), company('NorthwindInc')],
    });
    expect(by['c-north']).not.toHaveProperty('managedId');
    expect(by['c-lit']).toMatchObject({ match: 'ambiguous', candidates: [company('Litware')] });
    expect(by['c-lit']).not.toHaveProperty('managedId');
    expect(by['c-wing']).toMatchObject({ clientName: 'Wingtips Toy', match: 'none' });
    expect(by['c-wing']?.candidates[0]).toEqual(company('Wingtip'));
    expect(by['c-tail']?.match).toBe('none');
    expect(by['c-tail']?.candidates.map((c) => c.identifier)).not.toContain('TailspinOld');
    expect(by['c-noname']).toEqual({ clientId: 'c-noname', clientName: null, match: 'none', candidates: [] });
    expect(by['c-aw']).toBeUndefined();

    // A dry look: no ConnectWise write, no DynamoDB item changed.
    expect(account.writes()).toEqual([]);
    expect(await tables()).toEqual(before);
    // Request economy: companies in one page of 1000, tabs only of the companies that match exactly one client name.
    const companyLists = account.sim.requestsMatching({ method: 'GET', path: 'company/companies' });
    expect(companyLists.map((r) => [r.query.pageSize, r.query.fields])).toEqual([
      ['1000', 'id,identifier,name,deletedFlag'],
    ]);
    const exactIds = ['Contoso', 'Fabrikam', 'SmithSons', 'AlpineGroup', 'Mueller', 'Proseware', 'Litware'];
    expect(account.sim.managementTabsRead()).toEqual(exactIds.map((i) => site.companies[i]!.id).sort((a, b) => a - b));
  });

  it('lists counts first and the exact ones in a table that fits 100 columns; --all adds the rest', async () => {
    // COLUMNS sets the width of piped output, as on a 100-column terminal.
    process.env.COLUMNS = '100';

    const folded = await harness.cli(['mappings', 'suggest', '--account', account.accountId, '--period', PERIOD]);
    const lines = folded.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Account acct-\d+, \d{4}-\d\d: 12 unmapped clients with usage · 7 exact/);
    expect(folded.stdout.replace(/\n/g, ' ')).toMatch(
      /7 exact \(1 with an existing Management tab entry, 6 needing one\) · 2 ambiguous · 3 without a match/,
    );
    expect(folded.stdout).toMatch(/^c-contoso +Contoso Limited +Contoso \(#\d+\) +CONTOSO-BKP +use existing entry$/m);
    expect(folded.stdout).toMatch(/2 ambiguous, 3 without a match not listed \(--all lists them/);
    expect(folded.stdout).not.toMatch(/c-north/);
    const all = await harness.cli(['mappings', 'suggest', '--account', account.accountId, '--period', PERIOD, '--all']);
    expect(all.stdout).toMatch(/^c-wing +Wingtips Toy +Wingtip Toys \(Wingtip\)/m);
    expect(all.stdout).toMatch(/^c-north +Northwind Traders Inc +Northwind Traders \(Northwind\); Northwind/m);
    const one = await harness.cli([
      'mappings',
      'suggest',
      '--account',
      account.accountId,
      '--period',
      PERIOD,
      '--client',
      'c-wing',
      '--json',
    ]);
    expect((JSON.parse(one.stdout) as { suggestions: SuggestionJson[] }).suggestions.map((s) => s.clientId)).toEqual([
      'c-wing',
    ]);
    for (const line of [...lines, ...all.stdout.split('\n')]) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('cwpub doctor notes the unmapped clients that have an exact suggestion, and stays ready', async () => {
    const run = await harness.cli(['doctor', '--account', account.accountId, '--json']);
    const report = JSON.parse(run.stdout) as {
      ready: boolean;
      checks: { id: string; status: string; detail: string; fix?: string }[];
    };
    const note = report.checks.find((c) => c.id === 'suggestions');
    expect(note).toMatchObject({
      status: 'warning',
      fix: `run \`cwpub mappings suggest --account ${account.accountId}\` to review them and accept`,
    });
    expect(note?.detail).toMatch(
      /^7 of 12 unmapped client\(s\) with usage for \d{4}-\d\d match exactly one company by name \(c-alpine, c-contoso, c-fab, c-muller, c-pro, …\)/,
    );
    expect(report.checks.filter((c) => c.status === 'failed')).toEqual([]);
    expect(run.code).toBe(0);
  });

  it('refuses --accept without a terminal unless --yes, writing nothing', async () => {
    const before = await tables();
    account.sim.resetRequests();
    const run = await cli('--period', PERIOD, '--accept');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/refusing to create Management tab entries and mappings: there is no terminal/);
    const yesAlone = await cli('--period', PERIOD, '--yes');
    expect(yesAlone.code).toBe(2);
    expect(yesAlone.stderr).toMatch(/--yes only goes with --accept/);
    expect(account.writes()).toEqual([]);
    expect(await tables()).toEqual(before);
  });

  it('accepts: entries and mappings as the contract says, one failing entry fails only its client, then a publish bills them', async () => {
    const entriesBefore = account.sim.state.managementEntries.all().map((e) => ({ ...e }));
    account.sim.resetRequests();
    // Müller's POST fails; Fabrikam's is saved but its answer is lost (read back, not re-sent).
    account.sim.faults.serverError({
      method: 'POST',
      path: `company/companies/${site.companies.Mueller!.id}/managementSummaryReports`,
    });
    account.sim.faults.dropAfterCommit({
      method: 'POST',
      path: `company/companies/${site.companies.Fabrikam!.id}/managementSummaryReports`,
    });

    const run = await cli('--period', PERIOD, '--accept', '--yes', '--json');

    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      accepted: number;
      failed: number;
      entriesCreated: number;
      mappingsWritten: number;
      outcomes: { clientId: string; status: string; entry?: string; reason?: string; note?: string }[];
    };
    expect(report).toMatchObject({ accepted: 6, failed: 1, entriesCreated: 4, mappingsWritten: 6 });
    const outcome = Object.fromEntries(report.outcomes.map((o) => [o.clientId, o]));
    expect(outcome['c-muller']).toMatchObject({ status: 'failed', mapping: 'not-written' });
    expect(outcome['c-muller']?.reason).toMatch(
      /Management tab entry "Mueller" on company Mueller \(#\d+\) not created/,
    );
    expect(outcome['c-contoso']).toMatchObject({ status: 'accepted', entry: 'existing' });
    expect(outcome['c-fab']).toMatchObject({ status: 'accepted', entry: 'created' });
    expect(outcome['c-pro']?.note).toMatch(/no default agreement set/);

    // ConnectWise: only POSTs of new entries (one per company, none re-sent), nothing else changed.
    const writes = account.writes().map((r) => `${r.method} ${r.path}`);
    expect(writes.every((w) => /^POST company\/companies\/\d+\/managementSummaryReports$/.test(w))).toBe(true);
    expect(writes).toHaveLength(5); // AlpineGroup, Fabrikam, Mueller (failed), Proseware, SmithSons
    for (const before of entriesBefore) expect(account.sim.state.managementEntries.get(before.id)).toEqual(before);
    const created = account.sim.state.managementEntries.all().filter((e) => !entriesBefore.some((b) => b.id === e.id));
    expect(
      created
        .map((e) => ({
          company: e.company.identifier ?? '',
          groupIdentifier: e.groupIdentifier,
          solution: e.managementSolution.id,
          deviceType: e.deviceType,
          agreement: e.agreement?.id ?? null,
        }))
        .sort((a, b) => a.company.localeCompare(b.company)),
    ).toEqual(
      ['AlpineGroup', 'Fabrikam', 'Proseware', 'SmithSons'].map((identifier) => ({
        company: identifier,
        groupIdentifier: identifier,
        solution: account.setup.solution.id,
        deviceType: 'BackupStats',
        agreement:
          identifier === 'Proseware'
            ? null
            : account.sim.state.agreements.find((a) => a.company.id === site.companies[identifier]!.id)!.id,
      })),
    );

    // DynamoDB: one mapping per accepted client; the person's mapping is untouched; Müller has none.
    const mappings = Object.fromEntries(
      (await harness.scan(TABLES.MAPPINGS_TABLE)).map((m) => [m.clientId as string, m]),
    );
    expect(mappings['c-smith']).toEqual({
      accountId: account.accountId,
      clientId: 'c-smith',
      managedId: 'SmithSons',
      clientName: 'Smith and Sons Limited',
      enabled: true,
    });
    expect(mappings['c-contoso']).toMatchObject({ managedId: 'CONTOSO-BKP', clientName: 'Contoso Limited' });
    expect(mappings['c-aw']).toEqual({
      accountId: account.accountId,
      clientId: 'c-aw',
      managedId: 'AW-001',
      clientName: 'Adventure Works',
      enabled: true,
    });
    expect(Object.keys(mappings).sort()).toEqual(
      ['c-alpine', 'c-aw', 'c-contoso', 'c-fab', 'c-pro', 'c-smith', 'c-smith2'].sort(),
    );

    // A second accept finds only Müller (its entry still missing) and creates it now.
    const again = await cli('--period', PERIOD, '--accept', '--yes', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ accepted: 1, entriesCreated: 1, failed: 0 });

    // The publish bills the accepted clients whose entry has a default agreement.
    const summary = await harness.handler()({ accountId: account.accountId, period: PERIOD });
    const byClient = results(summary);
    for (const clientId of ['c-alpine', 'c-contoso', 'c-fab', 'c-muller', 'c-pro', 'c-smith', 'c-smith2'])
      expect(byClient[clientId]?.status).toBe('published');
    const billed = account.sim.billing().flatMap((b) => b.deviceIdentifiers);
    expect(billed.sort()).toEqual(['c-alpine', 'c-aw', 'c-contoso', 'c-fab', 'c-muller', 'c-smith', 'c-smith2']);
  });
});
