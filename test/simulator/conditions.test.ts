import { ConditionError, compileConditions, parseConditions } from './conditions.js';
import type { Simulator } from './index.js';
import { loadOpenApi, startSimulator } from './index.js';
import { asArray, asObject, call } from './test-helpers.js';

const api = loadOpenApi();

/** Evaluates a condition against a rendered Company.Configuration-shaped record. */
function matches(condition: string, record: Record<string, unknown>): boolean {
  return compileConditions(parseConditions(condition), api, 'Company.Configuration')(record) === true;
}

const cfg = {
  id: 10,
  name: 'Backup - Client 1',
  deviceIdentifier: 'client-1',
  type: { id: 31, name: 'Backup Stats' },
  company: { id: 19301, identifier: 'Contoso', name: 'Contoso Ltd' },
  activeFlag: true,
  backupBillableSpaceGb: 12.5,
  backupYear: 2026,
  lastBackupDate: '2026-10-15T10:00:00Z',
  _info: { lastUpdated: '2026-10-20T00:00:00Z' },
};

describe('conditions parser and evaluator', () => {
  describe('comparisons', () => {
    it.each([
      ['id = 10', true],
      ['id != 10', false],
      ['id > 9 and id < 11', true],
      ['id >= 10 and id <= 10', true],
      ['backupBillableSpaceGb = 12.5', true],
      ['backupBillableSpaceGb > 12.49', true],
      ['company/id = 19301', true],
      ['company/id = 19302', false],
      ['type/name = "Backup Stats"', true],
      ['type/name = "BACKUP STATS"', true],
      ['type/name = "Backup Stats  "', true],
      ['type/name = "Backup"', false],
      ['activeFlag = True', true],
      ['activeFlag = false', false],
      ['lastBackupDate > [2026-10-01T00:00:00Z]', true],
      ['lastBackupDate < [2026-10-01T00:00:00Z]', false],
      ['lastUpdated >= [2026-10-20T00:00:00Z]', true],
      ['_info/lastUpdated < [2026-10-20]', false],
    ])('%s → %s', (condition, expected) => {
      expect(matches(condition, cfg)).toBe(expected);
    });
  });

  describe('like, contains, in, not', () => {
    it.each([
      ['name like "Backup*"', true],
      ['name like "backup%client 1"', true],
      ['name like "*Client_1"', true],
      ['name like "Client*"', false],
      ['name not like "Client*"', true],
      ['name contains "CLIENT"', true],
      ['name not contains "client"', false],
      ['id in (1, 10, 20)', true],
      ['id in (1,2)', false],
      ['id not in (1,2)', true],
      ['deviceIdentifier in ("CLIENT-1", "client-2")', true],
      ['not (id = 10)', false],
      ['not id = 11', true],
    ])('%s → %s', (condition, expected) => {
      expect(matches(condition, cfg)).toBe(expected);
    });
  });

  describe('and / or / parentheses', () => {
    it.each([
      ['id = 1 or id = 10', true],
      ['id = 1 OR id = 2', false],
      // and binds tighter than or: (id = 1 and ...) or id = 10
      ['id = 1 and company/id = 19301 or id = 10', true],
      ['id = 1 and (company/id = 19301 or id = 10)', false],
      ['(id = 10 AND (type/name = "Backup Stats" or type/name = "Other")) and not (activeFlag = False)', true],
    ])('%s → %s', (condition, expected) => {
      expect(matches(condition, cfg)).toBe(expected);
    });
  });

  describe('null and three-valued logic', () => {
    const sparse = { id: 11, name: 'sparse', type: { id: 31, name: 'Backup Stats' }, company: { id: 1 } };
    it.each([
      ['backupYear = null', true],
      ['backupYear != null', false],
      ['backupYear = 2026', false],
      ['backupYear != 2026', false],
      ['not (backupYear = 2026)', false],
      ['backupYear = 2026 or id = 11', true],
      ['status/id = null', true],
    ])('%s on a record without backupYear → %s', (condition, expected) => {
      expect(matches(condition, sparse)).toBe(expected);
    });
  });

  describe('errors', () => {
    it.each([
      ['', /empty/],
      ['id =', /value/],
      ['id = 1 and', /field name/],
      ['(id = 1', /'\)'/],
      ['id = 1)', /unexpected/],
      ['name = Backup', /quotes/],
      ['name = "unterminated', /unterminated/],
      ['name = "a\\"b"', /backslash/],
      ['id == 1', /value/],
      ['bogus = 1', /unknown field 'bogus'/],
      ['type/bogus = "x"', /unknown field 'type\/bogus'/],
      ['Name = "x"', /unknown field 'Name'/],
      ['company = 1', /reference/],
      ['id = "10"', /number/],
      ['name = 5', /quoted string/],
      ['activeFlag = 1', /True or False/],
      ['lastBackupDate > "2026-01-01"', /datetime/],
      ['lastBackupDate > [yesterday]', /invalid datetime/],
      ['id like "1*"', /text fields/],
      ['id in ()', /value/],
      ['id < null', /null/],
      ['id = 1 xor id = 2', /unexpected/],
    ])('rejects %j', (condition, message) => {
      expect(() => compileConditions(parseConditions(condition), api, 'Company.Configuration')).toThrow(ConditionError);
      expect(() => compileConditions(parseConditions(condition), api, 'Company.Configuration')).toThrow(message);
    });
  });
});

describe('conditions over HTTP', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator();
    const setup = sim.seed.backupBillingSetup();
    const other = sim.seed.configurationType({ name: 'Server' });
    const a = sim.seed.company({ identifier: 'Alpha', name: 'Alpha' });
    const b = sim.seed.company({ identifier: 'Beta', name: 'Beta' });
    sim.seed.configuration({
      companyId: a.id,
      typeId: setup.configurationType.id,
      name: 'a-backup',
      deviceIdentifier: 'c1',
      backupBillableSpaceGb: 5,
    });
    sim.seed.configuration({ companyId: a.id, typeId: other.id, name: 'a-server', deviceIdentifier: 'c1' });
    sim.seed.configuration({
      companyId: b.id,
      typeId: setup.configurationType.id,
      name: 'b-backup',
      deviceIdentifier: 'c2',
      backupBillableSpaceGb: 7,
    });
    sim.seed.configuration({
      companyId: b.id,
      typeId: setup.configurationType.id,
      name: 'b-old',
      deviceIdentifier: 'c3',
      activeFlag: false,
    });
    sim.seed.company({ identifier: 'Gone', name: 'Gone', deletedFlag: true });
  });
  afterAll(async () => {
    await sim.close();
  });

  async function names(conditions: string): Promise<string[]> {
    const res = await call(sim, 'GET', 'company/configurations', { query: { conditions } });
    expect(res.status).toBe(200);
    return asArray(res.body).map((r) => String(r.name));
  }

  it('filters on nested paths with and/or and parentheses (percent-encoded in the query)', async () => {
    expect(
      await names('type/name = "Backup Stats" and (company/identifier = "alpha" or deviceIdentifier = "c3")'),
    ).toEqual(['a-backup', 'b-old']);
    expect(await names('type/name = "Backup Stats" and activeFlag = true and backupBillableSpaceGb >= 6')).toEqual([
      'b-backup',
    ]);
    expect(await names('name like "*-backup" and company/name in ("Alpha", "Beta")')).toEqual(['a-backup', 'b-backup']);
  });

  it('filters Management tab entries on managementSolution/name', async () => {
    const setup = sim.seed.backupBillingSetup({
      solutionName: 'Other Sol',
      itemIdentifier: 'O-GB',
      agreementTypeName: 'O type',
    });
    const client = sim.seed.backupClient(setup, { identifier: 'Gamma', name: 'Gamma', managedId: 'G-1' });
    const res = await call(sim, 'GET', `company/companies/${client.company.id}/managementSummaryReports`, {
      query: { conditions: 'managementSolution/name = "other sol" and groupIdentifier = "G-1"' },
    });
    expect(asArray(res.body)).toHaveLength(1);
    const none = await call(sim, 'GET', `company/companies/${client.company.id}/managementSummaryReports`, {
      query: { conditions: 'groupIdentifier = "G-2"' },
    });
    expect(asArray(none.body)).toHaveLength(0);
  });

  it.each(['type/name = Backup Stats', 'bogus = 1', 'id = 1 and', 'name = "x" ) or ('])(
    'answers 400 InvalidObject for %j',
    async (conditions) => {
      const res = await call(sim, 'GET', 'company/configurations', { query: { conditions } });
      expect(res.status).toBe(400);
      const body = asObject(res.body);
      expect(body.code).toBe('InvalidObject');
      expect(String(body.message)).toMatch(/conditions/i);
      expect(asArray(body.errors)[0]).toMatchObject({ field: 'conditions' });
    },
  );

  describe('the conditions the product sends', () => {
    it('reads only known companies by id: id in (…) with fields', async () => {
      const [a, b] = sim.state.companies.all();
      const res = await call(sim, 'GET', 'company/companies', {
        query: { conditions: `id in (${a?.id},${b?.id}, 1)`, fields: 'id,identifier,name,deletedFlag', pageSize: 1000 },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual([
        { id: a?.id, identifier: 'Alpha', name: 'Alpha', deletedFlag: false },
        { id: b?.id, identifier: 'Beta', name: 'Beta', deletedFlag: false },
      ]);
      const spaced = await call(sim, 'GET', 'company/companies', {
        query: { conditions: `id in ( ${b?.id} )`, fields: 'id' },
      });
      expect(spaced.body).toEqual([{ id: b?.id }]);
    });

    it('deletedFlag=False (no spaces, capitalised literal) leaves deleted companies out', async () => {
      const res = await call(sim, 'GET', 'company/companies', {
        query: { conditions: 'deletedFlag=False', fields: 'identifier', pageSize: 1000 },
      });
      const identifiers = asArray(res.body).map((r) => r.identifier);
      expect(identifiers).toEqual(expect.arrayContaining(['Alpha', 'Beta']));
      expect(identifiers).not.toContain('Gone');
      const deleted = await call(sim, 'GET', 'company/companies', {
        query: { conditions: 'deletedFlag = true and id in (1, 2)' },
      });
      expect(deleted.body).toEqual([]);
    });

    it('type/name="Backup Stats" and company/id=N (no spaces) select one company’s backup configurations, status and activeFlag included', async () => {
      const b = sim.state.companies.find((c) => c.identifier === 'Beta');
      const res = await call(sim, 'GET', 'company/configurations', {
        query: {
          conditions: `type/name="Backup Stats" and company/id=${b?.id}`,
          fields: 'id,deviceIdentifier,activeFlag,status/id,status/name',
        },
      });
      expect(res.status).toBe(200);
      const rows = asArray(res.body);
      expect(rows.map((r) => [r.deviceIdentifier, r.activeFlag])).toEqual([
        ['c2', true],
        ['c3', false],
      ]);
      expect(rows[0]?.status).toEqual({ id: expect.any(Number), name: 'Active' });
      const ids = await call(sim, 'GET', 'company/configurations', {
        query: { conditions: `company/id in (${b?.id}) and activeFlag=True` },
      });
      expect(asArray(ids.body).map((r) => r.name)).toEqual(['b-backup']);
    });

    it('answers 400 for a quoted id list or an empty list', async () => {
      expect((await call(sim, 'GET', 'company/companies', { query: { conditions: 'id in ("19301")' } })).status).toBe(
        400,
      );
      expect((await call(sim, 'GET', 'company/companies', { query: { conditions: 'id in ()' } })).status).toBe(400);
    });
  });

  it('also validates conditions on count', async () => {
    expect((await call(sim, 'GET', 'company/configurations/count', { query: { conditions: 'nope = 1' } })).status).toBe(
      400,
    );
  });
});
