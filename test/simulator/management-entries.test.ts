import { normalForm } from '../../lib/onboarding/normal-form.js';
import type { BackupBillingSetup, Simulator } from './index.js';
import { startSimulator } from './index.js';
import { seedOnboardingSite, type OnboardingSite } from './onboarding-seed.js';
import { asArray, asObject, call } from './test-helpers.js';

/** The Management tab POST onboarding sends, validated like ConnectWise against its OpenAPI document. */
describe('ConnectWise simulator: POST company/companies/{id}/managementSummaryReports', () => {
  let sim: Simulator;
  let setup: BackupBillingSetup;
  let site: OnboardingSite;
  const path = (identifier: string) => `company/companies/${site.companies[identifier]!.id}/managementSummaryReports`;
  const fields = (body: unknown) => asArray(asObject(body).errors).map((e) => String(e.field));

  beforeAll(async () => {
    sim = await startSimulator();
    setup = sim.seed.backupBillingSetup();
    site = seedOnboardingSite(sim.seed, setup);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('creates the entry onboarding sends and lists it on the company’s tab', async () => {
    const res = await call(sim, 'POST', path('Fabrikam'), {
      body: { groupIdentifier: 'Fabrikam', managementSolution: { id: setup.solution.id }, deviceType: 'BackupStats' },
    });
    expect(res.status).toBe(201);
    expect(asObject(res.body)).toMatchObject({
      groupIdentifier: 'Fabrikam',
      managementSolution: { id: setup.solution.id, name: setup.solution.name },
      deviceType: 'BackupStats',
      company: { id: site.companies.Fabrikam!.id },
    });
    const tab = asArray((await call(sim, 'GET', path('Fabrikam'))).body);
    expect(tab.map((e) => e.groupIdentifier)).toEqual(['Fabrikam']);
  });

  it.each([
    ['a missing groupIdentifier', { deviceType: 'BackupStats' }, ['groupIdentifier']],
    ['an empty groupIdentifier', { groupIdentifier: '  ', deviceType: 'BackupStats' }, ['groupIdentifier']],
    ['a groupIdentifier over 100 characters', { groupIdentifier: 'x'.repeat(101) }, ['groupIdentifier']],
    ['a deviceType ConnectWise does not know', { groupIdentifier: 'S-1', deviceType: 'Backup Stats' }, ['deviceType']],
    ['a number for groupIdentifier', { groupIdentifier: 7 }, ['groupIdentifier']],
  ])('refuses %s with 400 naming the field, storing nothing', async (_what, body, expected) => {
    const before = sim.state.managementEntries.size;
    const res = await call(sim, 'POST', path('SmithSons'), {
      body: { managementSolution: { id: setup.solution.id }, ...body },
    });
    expect(res.status).toBe(400);
    expect(asObject(res.body).code).toBe('InvalidObject');
    expect(fields(res.body)).toEqual(expected);
    expect(sim.state.managementEntries.size).toBe(before);
  });

  it('refuses a solution that does not exist, and an entry without one', async () => {
    const unknown = await call(sim, 'POST', path('SmithSons'), {
      body: { groupIdentifier: 'S-2', managementSolution: { id: 987654 }, deviceType: 'BackupStats' },
    });
    expect(unknown.status).toBe(400);
    expect(fields(unknown.body)).toEqual(['managementSolution/id']);
    const none = await call(sim, 'POST', path('SmithSons'), { body: { groupIdentifier: 'S-3' } });
    expect(fields(none.body)).toEqual(['managementSolution']);
  });

  it('refuses a deleted company, and answers 404 for one that does not exist', async () => {
    const deleted = await call(sim, 'POST', path('TailspinOld'), {
      body: { groupIdentifier: 'T-1', managementSolution: { id: setup.solution.id }, deviceType: 'BackupStats' },
    });
    expect(deleted.status).toBe(400);
    const missing = await call(sim, 'POST', 'company/companies/99999999/managementSummaryReports', {
      body: { groupIdentifier: 'T-2', managementSolution: { id: setup.solution.id } },
    });
    expect(missing.status).toBe(404);
  });
});

describe('Simulator seed: the onboarding site', () => {
  let sim: Simulator;
  let site: OnboardingSite;
  beforeAll(async () => {
    sim = await startSimulator();
    const setup = sim.seed.backupBillingSetup();
    site = seedOnboardingSite(sim.seed, setup);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('holds realistic names: a deleted company, two companies with one normal form, suffixes and ampersands', async () => {
    const listed = asArray(
      (await call(sim, 'GET', 'company/companies', { query: { conditions: 'deletedFlag = false', pageSize: 1000 } }))
        .body,
    );
    expect(listed.map((c) => c.identifier)).not.toContain('TailspinOld');
    expect(site.companies.TailspinOld?.deletedFlag).toBe(true);
    expect(normalForm(site.companies.Northwind!.name)).toBe(normalForm(site.companies.NorthwindInc!.name));
    expect(site.companies.SmithSons?.name).toContain('&');
    expect(site.entries.Litware).toHaveLength(2);
  });
});
