import type { BackupBillingSetup, CompanyRecord, Simulator } from './index.js';
import { startSimulator } from './index.js';
import { asArray, asObject, call } from './test-helpers.js';

describe('ConnectWise simulator: writes', () => {
  let sim: Simulator;
  let setup: BackupBillingSetup;
  let company: CompanyRecord;

  beforeAll(async () => {
    sim = await startSimulator();
    setup = sim.seed.backupBillingSetup();
    company = sim.seed.company({ identifier: 'Writer', name: 'Writer Ltd' });
  });
  afterAll(async () => {
    await sim.close();
  });

  const validBody = (): Record<string, unknown> => ({
    name: 'Backup - client-9',
    type: { id: setup.configurationType.id },
    company: { id: company.id },
    deviceIdentifier: 'client-9',
    backupBillableSpaceGb: 12.25,
    backupYear: 2026,
    backupMonth: 9,
  });

  function errorFields(body: unknown): string[] {
    return asArray(asObject(body).errors).map((e) => String(e.field));
  }

  describe('POST company/configurations', () => {
    it('answers 201 with the full created record, stored in state', async () => {
      const res = await call(sim, 'POST', 'company/configurations', { body: validBody() });
      expect(res.status).toBe(201);
      const body = asObject(res.body);
      expect(body).toMatchObject({
        name: 'Backup - client-9',
        type: { id: setup.configurationType.id, name: 'Backup Stats' },
        company: { id: company.id, identifier: 'Writer' },
        status: { id: setup.activeStatus.id, name: 'Active' },
        activeFlag: true,
        backupBillableSpaceGb: 12.25,
        backupYear: 2026,
        backupMonth: 9,
      });
      expect(typeof body.id).toBe('number');
      const stored = sim.state.configurations.get(body.id as number);
      expect(stored?.deviceIdentifier).toBe('client-9');
      const read = await call(sim, 'GET', `company/configurations/${String(body.id)}`);
      expect(read.body).toEqual(body);
    });

    it('resolves references by name or identifier (case-insensitively)', async () => {
      const res = await call(sim, 'POST', 'company/configurations', {
        body: {
          ...validBody(),
          type: { name: 'backup stats' },
          company: { identifier: 'WRITER' },
          status: { name: 'Inactive' },
        },
      });
      expect(res.status).toBe(201);
      expect(asObject(res.body)).toMatchObject({
        type: { id: setup.configurationType.id },
        company: { id: company.id },
        status: { id: setup.inactiveStatus.id },
      });
    });

    it('ignores id and _info in the body', async () => {
      const res = await call(sim, 'POST', 'company/configurations', {
        body: { ...validBody(), id: 1, _info: { lastUpdated: 'x' } },
      });
      expect(res.status).toBe(201);
      expect(asObject(res.body).id).not.toBe(1);
    });

    it.each([
      ['a missing name', { name: undefined }, 'name', 'NullOrEmpty'],
      ['an empty name', { name: '   ' }, 'name', 'NullOrEmpty'],
      ['a missing type', { type: undefined }, 'type', 'NullOrEmpty'],
      ['a missing company', { company: undefined }, 'company', 'NullOrEmpty'],
      ['a name over 100 characters', { name: 'x'.repeat(101) }, 'name', 'MaxLengthField'],
      [
        'a deviceIdentifier over 100 characters',
        { deviceIdentifier: 'd'.repeat(101) },
        'deviceIdentifier',
        'MaxLengthField',
      ],
      ['a string for a double', { backupBillableSpaceGb: '12.5' }, 'backupBillableSpaceGb', 'InvalidField'],
      ['a fraction for an int32', { backupMonth: 9.5 }, 'backupMonth', 'InvalidField'],
      ['a string for an int32', { backupYear: '2026' }, 'backupYear', 'InvalidField'],
      ['a number for a string', { deviceIdentifier: 42 }, 'deviceIdentifier', 'InvalidField'],
      ['a string for a boolean', { activeFlag: 'true' }, 'activeFlag', 'InvalidField'],
      ['null for a non-nullable string', { deviceIdentifier: null }, 'deviceIdentifier', 'InvalidField'],
      ['an unknown property', { billableSpace: 3 }, 'billableSpace', 'InvalidField'],
      ['a wrongly cased property', { BackupYear: 2026 }, 'BackupYear', 'InvalidField'],
      ['a malformed date-time', { lastBackupDate: '2026-13-45' }, 'lastBackupDate', 'InvalidField'],
      ['a reference that is not an object', { type: 31 }, 'type', 'InvalidField'],
      ['an unknown key inside a reference', { type: { id: 31, label: 'x' } }, 'type/label', 'InvalidField'],
      ['an unknown configuration type', { type: { id: 99999 } }, 'type/id', 'NotFound'],
      ['an unknown configuration type name', { type: { name: 'Nope' } }, 'type/name', 'NotFound'],
      ['an unknown company', { company: { id: 42 } }, 'company/id', 'NotFound'],
      ['an unknown status', { status: { id: 999 } }, 'status/id', 'NotFound'],
      ['a reference with neither id nor name', { type: {} }, 'type/id', 'NullOrEmpty'],
      ['an unmodelled reference', { contact: { id: 1 } }, 'contact', 'InvalidField'],
    ])('answers 400 InvalidObject for %s', async (_label, change, field, code) => {
      const before = sim.state.configurations.size;
      const body = { ...validBody(), ...change };
      const res = await call(sim, 'POST', 'company/configurations', { body });
      expect(res.status).toBe(400);
      const error = asObject(res.body);
      expect(error.code).toBe('InvalidObject');
      expect(asArray(error.errors)).toContainEqual(expect.objectContaining({ field, code, resource: 'configuration' }));
      expect(sim.state.configurations.size).toBe(before);
    });

    it('accepts null where the schema says nullable', async () => {
      const res = await call(sim, 'POST', 'company/configurations', {
        body: { ...validBody(), backupBillableSpaceGb: null, backupYear: null },
      });
      expect(res.status).toBe(201);
      expect('backupBillableSpaceGb' in asObject(res.body)).toBe(false);
    });

    it('refuses an inactive configuration type and a deleted company', async () => {
      const inactive = sim.seed.configurationType({ name: 'Retired', inactiveFlag: true });
      const gone = sim.seed.company({ identifier: 'Gone', name: 'Gone', deletedFlag: true });
      const a = await call(sim, 'POST', 'company/configurations', {
        body: { ...validBody(), type: { id: inactive.id } },
      });
      expect(errorFields(a.body)).toEqual(['type/id']);
      const b = await call(sim, 'POST', 'company/configurations', {
        body: { ...validBody(), company: { id: gone.id } },
      });
      expect(errorFields(b.body)).toEqual(['company/id']);
    });

    it('answers 400 for bad JSON, a JSON array, and an empty body', async () => {
      expect((await call(sim, 'POST', 'company/configurations', { rawBody: '{"name":' })).status).toBe(400);
      expect((await call(sim, 'POST', 'company/configurations', { body: [validBody()] })).status).toBe(400);
      expect((await call(sim, 'POST', 'company/configurations', { rawBody: '' })).status).toBe(400);
    });

    it('answers 415 for a non-JSON content type', async () => {
      const res = await call(sim, 'POST', 'company/configurations', {
        rawBody: JSON.stringify(validBody()),
        headers: { 'content-type': 'text/plain' },
      });
      expect(res.status).toBe(415);
    });

    it('stores managedInformation from the query and filters lists by managedIdentifier', async () => {
      const res = await call(sim, 'POST', 'company/configurations', {
        body: { ...validBody(), name: 'managed' },
        query: {
          'managedInformation[managementSolutionName]': 'Backup Cloud',
          'managedInformation[managedIdentifier]': 'MI-77',
        },
      });
      expect(res.status).toBe(201);
      const id = asObject(res.body).id as number;
      expect(sim.state.configurations.get(id)?.managedInformation).toEqual({
        managementSolutionName: 'Backup Cloud',
        managedIdentifier: 'MI-77',
      });
      expect('managedInformation' in asObject(res.body)).toBe(false);
      const list = asArray(
        (await call(sim, 'GET', 'company/configurations', { query: { managedIdentifier: 'MI-77' } })).body,
      );
      expect(list.map((r) => r.id)).toEqual([id]);
      const bad = await call(sim, 'POST', 'company/configurations', {
        body: validBody(),
        query: { 'managedInformation[bogus]': 'x' },
      });
      expect(bad.status).toBe(400);
    });
  });

  describe('PATCH company/configurations/{id}', () => {
    async function created(): Promise<number> {
      const res = await call(sim, 'POST', 'company/configurations', { body: validBody() });
      return asObject(res.body).id as number;
    }

    it('applies replace operations and answers the full record', async () => {
      const id = await created();
      const res = await call(sim, 'PATCH', `company/configurations/${id}`, {
        body: [
          { op: 'replace', path: 'backupBillableSpaceGb', value: 99.5 },
          { op: 'replace', path: '/backupMonth', value: 10 },
        ],
      });
      expect(res.status).toBe(200);
      expect(asObject(res.body)).toMatchObject({
        id,
        backupBillableSpaceGb: 99.5,
        backupMonth: 10,
        backupYear: 2026,
        name: 'Backup - client-9',
      });
      expect(sim.state.configurations.get(id)?.backupBillableSpaceGb).toBe(99.5);
    });

    it('replaces a reference whole, or through its id sub-path', async () => {
      const id = await created();
      const res = await call(sim, 'PATCH', `company/configurations/${id}`, {
        body: [{ op: 'replace', path: 'status', value: { id: setup.inactiveStatus.id } }],
      });
      expect(asObject(asObject(res.body).status).id).toBe(setup.inactiveStatus.id);
      const res2 = await call(sim, 'PATCH', `company/configurations/${id}`, {
        body: [{ op: 'replace', path: 'status/id', value: setup.activeStatus.id }],
      });
      expect(asObject(asObject(res2.body).status)).toMatchObject({ id: setup.activeStatus.id, name: 'Active' });
    });

    it('validates a status against company/configurations/statuses (404 NotFound for an unknown id, by description otherwise)', async () => {
      const id = await created();
      const bad = await call(sim, 'PATCH', `company/configurations/${id}`, {
        body: [{ op: 'replace', path: 'status', value: { id: 999 } }],
      });
      expect(bad.status).toBe(400);
      expect(asObject(asArray(asObject(bad.body).errors)[0])).toMatchObject({ code: 'NotFound', field: 'status/id' });
      const statuses = asArray((await call(sim, 'GET', 'company/configurations/statuses')).body).map(
        (r) => r.description,
      );
      expect(statuses).toEqual(expect.arrayContaining(['Active', 'Inactive']));
      const retire = await call(sim, 'PATCH', `company/configurations/${id}`, {
        body: [
          { op: 'replace', path: 'activeFlag', value: false },
          { op: 'replace', path: 'status', value: { id: setup.inactiveStatus.id } },
        ],
      });
      expect(asObject(retire.body)).toMatchObject({
        activeFlag: false,
        status: { id: setup.inactiveStatus.id, name: 'Inactive' },
      });
    });

    it('removes an optional value', async () => {
      const id = await created();
      const res = await call(sim, 'PATCH', `company/configurations/${id}`, {
        body: [{ op: 'remove', path: 'backupMonth' }],
      });
      expect(res.status).toBe(200);
      expect('backupMonth' in asObject(res.body)).toBe(false);
    });

    it.each([
      ['a wrongly cased path', [{ op: 'replace', path: 'BackupBillableSpaceGb', value: 1 }], 'BackupBillableSpaceGb'],
      ['an unknown path', [{ op: 'replace', path: 'billableGb', value: 1 }], 'billableGb'],
      ['an unsupported op', [{ op: 'move', from: 'name', path: 'notes' }], '[0]/op'],
      ['a missing value', [{ op: 'replace', path: 'backupYear' }], '[0]/value'],
      ['a wrongly typed value', [{ op: 'replace', path: 'backupYear', value: '2026' }], 'backupYear'],
      ['an over-long value', [{ op: 'replace', path: 'name', value: 'n'.repeat(101) }], 'name'],
      ['removing a required field', [{ op: 'remove', path: 'name' }], 'name'],
      ['a read-only field', [{ op: 'replace', path: 'id', value: 5 }], 'id'],
      ['a deep path', [{ op: 'replace', path: 'company/name', value: 'x' }], 'company/name'],
      ['an unknown reference', [{ op: 'replace', path: 'type', value: { id: 4242 } }], 'type/id'],
    ])('answers 400 and changes nothing for %s', async (_label, ops, field) => {
      const id = await created();
      const before = JSON.stringify(sim.state.configurations.get(id));
      const res = await call(sim, 'PATCH', `company/configurations/${id}`, { body: ops });
      expect(res.status).toBe(400);
      expect(errorFields(res.body)).toContain(field);
      expect(JSON.stringify(sim.state.configurations.get(id))).toBe(before);
    });

    it('answers 400 when the body is not a JSON Patch array', async () => {
      const id = await created();
      const res = await call(sim, 'PATCH', `company/configurations/${id}`, { body: { backupYear: 2027 } });
      expect(res.status).toBe(400);
      expect(sim.state.configurations.get(id)?.backupYear).toBe(2026);
    });

    it('answers 404 for a missing configuration', async () => {
      expect(
        (
          await call(sim, 'PATCH', 'company/configurations/999999', {
            body: [{ op: 'replace', path: 'name', value: 'x' }],
          })
        ).status,
      ).toBe(404);
    });
  });

  describe('PUT and DELETE company/configurations/{id}', () => {
    it('PUT replaces the record and validates it like a POST', async () => {
      const id = asObject((await call(sim, 'POST', 'company/configurations', { body: validBody() })).body).id as number;
      const put = await call(sim, 'PUT', `company/configurations/${id}`, {
        body: { name: 'replaced', type: { id: setup.configurationType.id }, company: { id: company.id } },
      });
      expect(put.status).toBe(200);
      const body = asObject(put.body);
      expect(body).toMatchObject({ id, name: 'replaced' });
      expect('backupYear' in body).toBe(false);
      const bad = await call(sim, 'PUT', `company/configurations/${id}`, { body: { name: 'no type' } });
      expect(bad.status).toBe(400);
      expect(sim.state.configurations.get(id)?.name).toBe('replaced');
    });

    it('DELETE answers 204 with no body, then the record is gone', async () => {
      const id = asObject((await call(sim, 'POST', 'company/configurations', { body: validBody() })).body).id as number;
      const res = await call(sim, 'DELETE', `company/configurations/${id}`);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(sim.state.configurations.has(id)).toBe(false);
      expect((await call(sim, 'GET', `company/configurations/${id}`)).status).toBe(404);
      expect((await call(sim, 'DELETE', `company/configurations/${id}`)).status).toBe(404);
      const list = asArray(
        (
          await call(sim, 'GET', 'company/configurations', {
            query: { conditions: `company/id = ${company.id}`, pageSize: 1000 },
          })
        ).body,
      );
      expect(list.map((r) => r.id)).not.toContain(id);
    });
  });

  describe('company/companies/{id}/managementSummaryReports', () => {
    it('creates an entry under the company in the URL, validating solution, deviceType and agreement', async () => {
      const agreement = sim.seed.agreement({
        name: 'Writer MS',
        companyId: company.id,
        typeId: setup.agreementType.id,
      });
      const path = `company/companies/${company.id}/managementSummaryReports`;
      const ok = await call(sim, 'POST', path, {
        body: {
          groupIdentifier: 'W-1',
          managementSolution: { name: setup.solution.name },
          deviceType: 'BackupStats',
          agreement: { id: agreement.id },
        },
      });
      expect(ok.status).toBe(201);
      expect(asObject(ok.body)).toMatchObject({
        groupIdentifier: 'W-1',
        company: { id: company.id },
        agreement: { id: agreement.id, name: 'Writer MS' },
      });

      const badEnum = await call(sim, 'POST', path, {
        body: { groupIdentifier: 'W-2', managementSolution: { id: setup.solution.id }, deviceType: 'backupstats' },
      });
      expect(errorFields(badEnum.body)).toEqual(['deviceType']);
      const noSolution = await call(sim, 'POST', path, { body: { groupIdentifier: 'W-3' } });
      expect(errorFields(noSolution.body)).toEqual(['managementSolution']);
      const long = await call(sim, 'POST', path, {
        body: { groupIdentifier: 'g'.repeat(101), managementSolution: { id: setup.solution.id } },
      });
      expect(errorFields(long.body)).toEqual(['groupIdentifier']);
      const other = sim.seed.company({ identifier: 'OtherW', name: 'Other' });
      const foreign = sim.seed.agreement({ name: 'Foreign', companyId: other.id, typeId: setup.agreementType.id });
      const wrongAgreement = await call(sim, 'POST', path, {
        body: { groupIdentifier: 'W-4', managementSolution: { id: setup.solution.id }, agreement: { id: foreign.id } },
      });
      expect(errorFields(wrongAgreement.body)).toEqual(['agreement/id']);
      const wrongCompany = await call(sim, 'POST', path, {
        body: { groupIdentifier: 'W-5', managementSolution: { id: setup.solution.id }, company: { id: other.id } },
      });
      expect(errorFields(wrongCompany.body)).toEqual(['company']);
      expect(
        sim.state.managementEntries.filter((e) => e.company.id === company.id).map((e) => e.groupIdentifier),
      ).toEqual(['W-1']);
    });
  });

  describe('read-only collections', () => {
    it('answers 501 for writes ConnectWise has but the simulator does not model', async () => {
      expect((await call(sim, 'POST', 'company/companies', { body: { identifier: 'x', name: 'x' } })).status).toBe(501);
      expect((await call(sim, 'PATCH', `company/management/${setup.management.id}`, { body: [] })).status).toBe(501);
    });
  });
});
