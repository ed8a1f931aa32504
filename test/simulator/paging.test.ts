import type { BackupBillingSetup, CompanyRecord, Simulator } from './index.js';
import { startSimulator } from './index.js';
import { asArray, asObject, call, getUrl, parseLinks } from './test-helpers.js';

const TOTAL = 1205;

describe('ConnectWise simulator: lists, paging, orderBy, fields', () => {
  let sim: Simulator;
  let setup: BackupBillingSetup;
  let big: CompanyRecord;
  let small: CompanyRecord;

  beforeAll(async () => {
    sim = await startSimulator();
    setup = sim.seed.backupBillingSetup();
    big = sim.seed.company({ identifier: 'Big', name: 'Big Co' });
    small = sim.seed.company({ identifier: 'Small', name: 'Small Co' });
    for (let i = 0; i < TOTAL; i++) {
      // Interleave a few records of another company so that filtered paging is not trivially contiguous.
      const company = i % 100 === 7 ? small : big;
      sim.seed.configuration({
        companyId: company.id,
        typeId: setup.configurationType.id,
        name: `cfg-${String(i).padStart(4, '0')}`,
        deviceIdentifier: `client-${i}`,
        backupBillableSpaceGb: i % 10,
      });
    }
  });
  afterAll(async () => {
    await sim.close();
  });

  const smallCount = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => i % 100 === 7).length;

  it('answers 25 records by default, ordered by id, with next and last links but no first/prev on page 1', async () => {
    const res = await call(sim, 'GET', 'company/configurations');
    const rows = asArray(res.body);
    expect(rows).toHaveLength(25);
    const ids = rows.map((r) => r.id as number);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const links = parseLinks(res.headers.get('link'));
    expect(Object.keys(links).sort()).toEqual(['last', 'next']);
    expect(new URL(links.next ?? '').searchParams.get('page')).toBe('2');
    expect(new URL(links.last ?? '').searchParams.get('page')).toBe(String(Math.ceil(TOTAL / 25)));
  });

  it('answers 400 OutOfRange for pageSize above 1000 (never truncates silently)', async () => {
    for (const pageSize of [1001, 5000]) {
      const res = await call(sim, 'GET', 'company/configurations', { query: { pageSize } });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        code: 'InvalidObject',
        message: 'pageSize object is invalid',
        errors: [
          {
            code: 'OutOfRange',
            message: 'The field pageSize must be between 1 and 1000.',
            resource: 'pageSize',
            field: 'pageSize',
          },
        ],
      });
    }
    const forward = await call(sim, 'GET', 'company/configurations', {
      query: { pageSize: 1001 },
      headers: { 'pagination-type': 'forward-only' },
    });
    expect(forward.status).toBe(400);
  });

  it('serves pageSize 1000 and drops next on the last page', async () => {
    const first = await call(sim, 'GET', 'company/configurations', { query: { pageSize: 1000 } });
    expect(asArray(first.body)).toHaveLength(1000);
    const links = parseLinks(first.headers.get('link'));
    expect(links.next).toBeDefined();
    expect(new URL(links.last ?? '').searchParams.get('page')).toBe('2');

    const second = await getUrl(sim, links.next ?? '');
    expect(second.status).toBe(200);
    expect(asArray(second.body)).toHaveLength(TOTAL - 1000);
    const secondLinks = parseLinks(second.headers.get('link'));
    expect(secondLinks.next).toBeUndefined();
    expect(secondLinks.last).toBeUndefined();
    expect(new URL(secondLinks.first ?? '').searchParams.get('page')).toBe('1');
    expect(new URL(secondLinks.prev ?? '').searchParams.get('page')).toBe('1');
  });

  it('returns every record exactly once when a client follows the next links', async () => {
    const seen: number[] = [];
    let url: string | undefined = `${sim.url}/${sim.codebase}apis/3.0/company/configurations?pageSize=300`;
    let pages = 0;
    while (url) {
      const res = await getUrl(sim, url);
      seen.push(...asArray(res.body).map((r) => r.id as number));
      url = parseLinks(res.headers.get('link')).next;
      pages++;
    }
    expect(pages).toBe(Math.ceil(TOTAL / 300));
    expect(seen).toHaveLength(TOTAL);
    expect(new Set(seen).size).toBe(TOTAL);
  });

  it('keeps conditions and pageSize in the Link URLs', async () => {
    const conditions = `company/id = ${small.id}`;
    const res = await call(sim, 'GET', 'company/configurations', { query: { conditions, pageSize: 5 } });
    const links = parseLinks(res.headers.get('link'));
    const next = new URL(links.next ?? '');
    expect(next.searchParams.get('conditions')).toBe(conditions);
    expect(next.searchParams.get('pageSize')).toBe('5');
    expect(links.next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2025_1\/apis\/3\.0\/company\/configurations\?/);
    const all: Array<Record<string, unknown>> = [...asArray(res.body)];
    let url: string | undefined = links.next;
    while (url) {
      const page = await getUrl(sim, url);
      all.push(...asArray(page.body));
      url = parseLinks(page.headers.get('link')).next;
    }
    expect(all).toHaveLength(smallCount);
    expect(all.every((r) => asObject(r.company).id === small.id)).toBe(true);
  });

  it('answers no Link header when everything fits in one page, and an empty page past the end', async () => {
    const one = await call(sim, 'GET', 'company/configurations', {
      query: { conditions: `company/id = ${small.id}`, pageSize: 1000 },
    });
    expect(asArray(one.body)).toHaveLength(smallCount);
    expect(one.headers.get('link')).toBeNull();
    const past = await call(sim, 'GET', 'company/configurations', { query: { page: 99, pageSize: 1000 } });
    expect(past.status).toBe(200);
    expect(asArray(past.body)).toHaveLength(0);
    expect(parseLinks(past.headers.get('link')).next).toBeUndefined();
  });

  it.each([
    ['pageSize', '0'],
    ['pageSize', '-5'],
    ['pageSize', 'ten'],
    ['pageSize', '1001'],
    ['page', '0'],
    ['page', '1.5'],
  ])('answers 400 for %s=%s', async (name, value) => {
    const res = await call(sim, 'GET', 'company/configurations', { query: { [name]: value } });
    expect(res.status).toBe(400);
  });

  it('counts with conditions', async () => {
    const res = await call(sim, 'GET', 'company/configurations/count', {
      query: { conditions: `company/id = ${small.id}` },
    });
    expect(res.body).toEqual({ count: smallCount });
    const all = await call(sim, 'GET', 'company/configurations/count');
    expect(all.body).toEqual({ count: TOTAL });
  });

  describe('orderBy', () => {
    it('orders by a field descending, ties broken by id', async () => {
      const res = await call(sim, 'GET', 'company/configurations', { query: { orderBy: 'name desc', pageSize: 3 } });
      expect(asArray(res.body).map((r) => r.name)).toEqual(['cfg-1204', 'cfg-1203', 'cfg-1202']);
      const byGb = asArray(
        (
          await call(sim, 'GET', 'company/configurations', {
            query: { orderBy: 'backupBillableSpaceGb desc, id desc', pageSize: 2 },
          })
        ).body,
      );
      expect(byGb.map((r) => r.backupBillableSpaceGb)).toEqual([9, 9]);
      expect((byGb[0]?.id as number) > (byGb[1]?.id as number)).toBe(true);
    });

    it('orders by a nested field', async () => {
      const res = await call(sim, 'GET', 'company/configurations', {
        query: { orderBy: 'company/name desc', pageSize: 1 },
      });
      expect(asObject(asArray(res.body)[0]?.company).id).toBe(small.id);
    });

    it.each(['nope asc', 'name sideways', 'company asc'])('answers 400 for orderBy=%s', async (orderBy) => {
      expect((await call(sim, 'GET', 'company/configurations', { query: { orderBy } })).status).toBe(400);
    });
  });

  describe('forward-only paging', () => {
    const forward = { 'pagination-type': 'forward-only' };

    it('pages by pageId (id > pageId) and the next link carries the last id', async () => {
      const first = await call(sim, 'GET', 'company/configurations', { headers: forward, query: { pageSize: 1000 } });
      const rows = asArray(first.body);
      expect(rows).toHaveLength(1000);
      const links = parseLinks(first.headers.get('link'));
      expect(Object.keys(links)).toEqual(['next']);
      const lastId = rows[rows.length - 1]?.id;
      expect(new URL(links.next ?? '').searchParams.get('pageId')).toBe(String(lastId));

      const second = await getUrl(sim, links.next ?? '', forward);
      const rest = asArray(second.body);
      expect(rest).toHaveLength(TOTAL - 1000);
      expect(rest.every((r) => (r.id as number) > (lastId as number))).toBe(true);
      expect(parseLinks(second.headers.get('link')).next).toBeUndefined();

      const past = await call(sim, 'GET', 'company/configurations', {
        headers: forward,
        query: { pageSize: 1000, pageId: 2147483647 },
      });
      expect(past.status).toBe(200);
      expect(asArray(past.body)).toEqual([]);
      expect(past.headers.get('link')).toBeNull();
    });

    it('applies conditions while paging forward', async () => {
      const seen: number[] = [];
      let url: string | undefined =
        `${sim.url}/${sim.codebase}apis/3.0/company/configurations?pageSize=4&conditions=${encodeURIComponent(`company/id = ${small.id}`)}`;
      while (url) {
        const res = await getUrl(sim, url, forward);
        seen.push(...asArray(res.body).map((r) => r.id as number));
        url = parseLinks(res.headers.get('link')).next;
      }
      expect(seen).toHaveLength(smallCount);
    });

    it('refuses orderBy and page with forward-only, and pageId without it', async () => {
      expect(
        (await call(sim, 'GET', 'company/configurations', { headers: forward, query: { orderBy: 'name asc' } })).status,
      ).toBe(400);
      expect((await call(sim, 'GET', 'company/configurations', { headers: forward, query: { page: 2 } })).status).toBe(
        400,
      );
      expect((await call(sim, 'GET', 'company/configurations', { query: { pageId: 10 } })).status).toBe(400);
      expect(
        (await call(sim, 'GET', 'company/configurations', { headers: { 'pagination-type': 'sideways' } })).status,
      ).toBe(400);
    });
  });

  describe('fields', () => {
    it('projects top-level and nested fields only', async () => {
      const res = await call(sim, 'GET', 'company/configurations', {
        query: { fields: 'id,deviceIdentifier,company/id,type/name', pageSize: 2 },
      });
      const rows = asArray(res.body);
      expect(rows[0]).toEqual({
        id: expect.any(Number),
        deviceIdentifier: 'client-0',
        company: { id: big.id },
        type: { name: 'Backup Stats' },
      });
    });

    it('applies to GET by id', async () => {
      const id = sim.state.configurations.all()[0]?.id;
      const res = await call(sim, 'GET', `company/configurations/${id}`, { query: { fields: 'name' } });
      expect(res.body).toEqual({ name: 'cfg-0000' });
    });

    it.each(['id,bogus', 'type/bogus', 'id,,name'])('answers 400 for fields=%s', async (fields) => {
      expect((await call(sim, 'GET', 'company/configurations', { query: { fields } })).status).toBe(400);
    });
  });

  it('serves a company-filtered page of 1000 quickly (indexed, not a scan per record)', async () => {
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      const res = await call(sim, 'GET', 'company/configurations', {
        query: { conditions: `company/id = ${small.id}`, pageSize: 1000 },
      });
      expect(res.status).toBe(200);
    }
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
