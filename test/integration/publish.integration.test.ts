import { TABLES } from '../support/local-aws.js';
import { Harness, results } from './harness.js';

const P = '2026-10';
const scheduled = (time: string) => ({ source: 'aws.events', 'detail-type': 'Scheduled Event', time, detail: {} });

describe('publish through the real Lambda handler (dynalite + ConnectWise simulator)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await Harness.start();
  });
  afterAll(async () => {
    await harness.close();
  });
  const newAccount = (options?: Parameters<Harness['account']>[0]) => harness.account(options);

  it('publishes several companies (two clients on one), syncs once and bills additions per client', async () => {
    const a = await newAccount();
    a.company('Contoso', 'M-CONTOSO');
    a.company('Fabrikam', 'M-FABRIKAM');
    await a.mapping('c-1', 'M-CONTOSO', { clientName: 'Contoso file server' });
    await a.mapping('c-2', 'M-FABRIKAM');
    await a.mapping('c-3', 'M-FABRIKAM');
    await a.usage('c-1', P, 120.5);
    await a.usage('c-2', P, 40);
    await a.usage('c-3', P, 2);

    const summary = await harness.handler()(scheduled('2026-11-01T06:00:00Z'));
    expect(summary.period).toBe(P);
    const account = summary.accounts.find((s) => s.accountId === a.accountId)!;
    expect(account).toMatchObject({ published: 3, failed: 0, sync: 'triggered' });

    const configs = a
      .configurations()
      .map((c) => [c.company.id, c.deviceIdentifier, c.backupBillableSpaceGb, c.backupYear, c.backupMonth, c.name]);
    const contoso = a.sim.state.companies.find((c) => c.identifier === 'Contoso')!.id;
    const fabrikam = a.sim.state.companies.find((c) => c.identifier === 'Fabrikam')!.id;
    expect(configs).toEqual(
      expect.arrayContaining([
        [contoso, 'c-1', 120.5, 2026, 10, 'Contoso file server'],
        [fabrikam, 'c-2', 40, 2026, 10, 'c-2'],
        [fabrikam, 'c-3', 2, 2026, 10, 'c-3'],
      ]),
    );
    expect(a.sim.state.syncRuns).toHaveLength(1);
    // The simulator checks every request against ConnectWise's OpenAPI document (paths, declared
    // query parameters, body schemas): none of the product's requests was refused.
    expect(a.sim.requests.filter((r) => r.status >= 400).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([]);
    expect(
      a.sim.requests.every(
        (r) => r.method !== 'GET' || r.path.startsWith('login/') || Number(r.query.pageSize ?? 1000) <= 1000,
      ),
    ).toBe(true);
    const quantities = a.sim.state.additions
      .all()
      .map((x) => x.quantity)
      .sort((x, y) => x - y);
    expect(quantities).toEqual([2, 40, 120.5]);

    // Ledger: one row per client under <accountId>#<period>.
    const ledger = (await harness.scan(TABLES.LEDGER_TABLE)).filter((r) => r.runKey === `${a.accountId}#${P}`);
    expect(ledger.map((r) => [r.clientId, r.status, r.publishedGb]).sort()).toEqual([
      ['c-1', 'published', 120.5],
      ['c-2', 'published', 40],
      ['c-3', 'published', 2],
    ]);
    // One event per account.
    const events = harness.eventsFor(a.accountId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      DetailType: 'Usage Published',
      Detail: { period: P, published: 3, failed: 0, sync: 'triggered', results: [] },
    });
  });

  it("updates last month's configuration instead of adding one, and a re-run changes nothing", async () => {
    const a = await newAccount();
    const { company } = a.company('Contoso', 'M-1');
    const old = a.sim.seed.configuration({
      companyId: company.id,
      name: 'c-1',
      deviceIdentifier: 'c-1',
      activeFlag: true,
      backupBillableSpaceGb: 80,
      backupYear: 2026,
      backupMonth: 9,
    });
    await a.mapping('c-1', 'M-1');
    await a.usage('c-1', P, 95.25);
    const handler = harness.handler();

    const first = await handler({ accountId: a.accountId, period: P });
    expect(results(first)['c-1']).toMatchObject({ status: 'published', configurationId: old.id });
    expect(a.configurations('c-1')).toHaveLength(1);
    expect(a.configurations('c-1')[0]).toMatchObject({ id: old.id, backupBillableSpaceGb: 95.25, backupMonth: 10 });
    expect(a.writes().map((r) => `${r.method} ${r.path}`)).toEqual([
      `PATCH company/configurations/${old.id}`,
      'POST company/management/1/executeManagedItSync',
    ]);

    a.sim.resetRequests();
    const again = await handler({ accountId: a.accountId, period: P });
    expect(results(again)['c-1']!.status).toBe('unchanged');
    expect(a.writes().map((r) => r.path)).toEqual(['company/management/1/executeManagedItSync']);
    expect(a.configurations('c-1')).toHaveLength(1);
  });

  it('skips disabled mappings and missing usage, and fails only an unknown Managed ID', async () => {
    const a = await newAccount();
    a.company('Contoso', 'M-1');
    await a.mapping('ok', 'M-1');
    await a.mapping('off', 'M-1', { enabled: false });
    await a.mapping('no-usage', 'M-1');
    await a.mapping('lost', 'M-DOES-NOT-EXIST');
    await a.usage('ok', P, 1);
    await a.usage('off', P, 1);
    await a.usage('lost', P, 1);

    const summary = await harness.handler()({ accountId: a.accountId, period: P });
    const r = results(summary);
    expect(r.ok!.status).toBe('published');
    expect(r.off).toMatchObject({ status: 'skipped', reason: 'mapping is disabled' });
    expect(r['no-usage']).toMatchObject({ status: 'skipped', reason: `no usage recorded for ${P}` });
    expect(r.lost).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('"M-DOES-NOT-EXIST" is not on any company'),
    });
    expect(summary.accounts[0]!.sync).toBe('triggered');
    const event = harness.eventsFor(a.accountId)[0]!;
    expect(event.DetailType).toBe('Usage Publish Failed');
    expect((event.Detail.results as { clientId: string }[]).map((x) => x.clientId).sort()).toEqual([
      'lost',
      'no-usage',
      'off',
    ]);
  });

  it('reports hand-edited invalid items by key and field and publishes the rest', async () => {
    const a = await newAccount();
    a.company('Contoso', 'M-1');
    await a.mapping('good', 'M-1');
    await a.mapping('numeric-managed-id', 12345);
    await harness.put(TABLES.MAPPINGS_TABLE, { accountId: a.accountId, clientId: 'no-managed-id' });
    await a.mapping('long-managed-id', 'M'.repeat(101));
    await a.mapping('string-enabled', 'M-1', { enabled: 'true' });
    await a.mapping('negative', 'M-1');
    for (const c of ['good', 'numeric-managed-id', 'no-managed-id', 'long-managed-id', 'string-enabled'])
      await a.usage(c, P, 5);
    await a.usage('negative', P, -3);

    const r = results(await harness.handler()({ accountId: a.accountId, period: P }));
    expect(r.good!.status).toBe('published');
    expect(r['numeric-managed-id']!.reason).toBe(
      `mapping item (accountId=${a.accountId} clientId=numeric-managed-id) is invalid: managedId must be a string (got a number)`,
    );
    expect(r['no-managed-id']!.reason).toMatch(/clientId=no-managed-id\) is invalid: managedId is missing/);
    expect(r['long-managed-id']!.reason).toMatch(/managedId must be at most 100 characters/);
    expect(r['string-enabled']!.reason).toMatch(/enabled must be a boolean \(got a string\)/);
    expect(r.negative!.reason).toBe(
      `usage item (accountId=${a.accountId} usageKey=${P}#negative) is invalid: billableSpaceGb must be ≥ 0`,
    );
    for (const c of ['numeric-managed-id', 'no-managed-id', 'long-managed-id', 'string-enabled', 'negative'])
      expect(r[c]!.status).toBe('failed');
    expect(a.configurations().map((c) => c.deviceIdentifier)).toEqual(['good']);
  });

  it("fails the account's clients on a 401 and on a secret missing a field, naming the cause and never printing a secret", async () => {
    const wrongKey = await newAccount();
    await harness.put(TABLES.ACCOUNTS_TABLE, {
      accountId: wrongKey.accountId,
      secretId: wrongKey.secretId,
      managementItName: 'Backup Cloud',
    });
    harness.aws.standIns.secrets.set(
      wrongKey.secretId,
      JSON.stringify({
        site: wrongKey.sim.url,
        ...wrongKey.sim.credentials,
        privateKey: 'WRONG-PRIVATE-KEY-VALUE',
        codebase: wrongKey.sim.codebase,
      }),
    );
    wrongKey.company('Contoso', 'M-1');
    await wrongKey.mapping('c-1', 'M-1');
    await wrongKey.usage('c-1', P, 1);
    const missing = await newAccount({
      secret: { site: 'api-na.myconnectwise.net', companyId: 'acme', publicKey: 'PUBLIC-KEY-VALUE', clientId: 'x' },
    });
    await missing.mapping('c-1', 'M-1');
    await missing.usage('c-1', P, 1);

    const handler = harness.handler();
    harness.logs.length = 0;
    const r1 = results(await handler({ accountId: wrongKey.accountId, period: P }));
    expect(r1['c-1']).toMatchObject({ status: 'failed', reason: expect.stringMatching(/401 Unauthorized/) });
    const s2 = await handler({ accountId: missing.accountId, period: P });
    expect(results(s2)['c-1']).toMatchObject({
      status: 'failed',
      reason: `secret "${missing.secretId}": privateKey is missing`,
    });

    const output = JSON.stringify([r1, s2]) + harness.logs.join('') + JSON.stringify(harness.aws.standIns.events);
    expect(output).not.toMatch(/WRONG-PRIVATE-KEY-VALUE|PUBLIC-KEY-VALUE|privkey456|pubkey123/);
    expect(harness.logs.join('')).toMatch(/account publish stopped/);
  });

  it('explains a wrong codebase in the secret', async () => {
    const a = await newAccount();
    harness.aws.standIns.secrets.set(
      a.secretId,
      JSON.stringify({ site: a.sim.url, ...a.sim.credentials, codebase: 'v2019_1' }),
    );
    a.company('Contoso', 'M-1');
    await a.mapping('c-1', 'M-1');
    await a.usage('c-1', P, 1);
    const r = results(await harness.handler()({ accountId: a.accountId, period: P }));
    expect(r['c-1']).toMatchObject({ status: 'failed', reason: expect.stringMatching(/404.*wrong site or codebase/) });
  });

  it('recovers from 429, 5xx and dropped connections without duplicating anything', async () => {
    const a = await newAccount();
    a.company('Contoso', 'M-1');
    a.company('Fabrikam', 'M-2');
    const { company } = a.company('Northwind', 'M-3');
    a.sim.seed.configuration({
      companyId: company.id,
      name: 'c-3',
      deviceIdentifier: 'c-3',
      activeFlag: true,
      backupBillableSpaceGb: 1,
      backupYear: 2026,
      backupMonth: 9,
    });
    for (const [c, m] of [
      ['c-1', 'M-1'],
      ['c-2', 'M-2'],
      ['c-3', 'M-3'],
    ] as const) {
      await a.mapping(c, m);
      await a.usage(c, P, 10);
    }
    a.sim.faults.dropAfterCommit({ method: 'POST', path: 'company/configurations', times: 2 });
    a.sim.faults.rateLimit({ method: 'GET', path: 'company/companies', times: 1, retryAfterSeconds: 1 });
    a.sim.faults.serverError({ method: 'GET', path: /managementSummaryReports/, times: 2 });
    a.sim.faults.dropAfterCommit({ method: 'PATCH', path: /company\/configurations\/\d+/, times: 1 });
    a.sim.faults.serverError({ method: 'POST', path: /executeManagedItSync/, times: 1, status: 503 });

    const summary = await harness.handler()({ accountId: a.accountId, period: P });
    expect(summary.accounts[0]).toMatchObject({ published: 3, failed: 0, sync: 'triggered' });
    for (const c of ['c-1', 'c-2', 'c-3']) {
      expect(a.configurations(c)).toHaveLength(1);
      expect(a.configurations(c)[0]).toMatchObject({ backupBillableSpaceGb: 10, backupYear: 2026, backupMonth: 10 });
    }
    expect(a.sim.requests.filter((r) => r.status === 429)).toHaveLength(1);
    // Both creates were saved but unanswered: each was confirmed by listing the company again, not re-sent.
    expect(a.sim.requests.filter((r) => r.method === 'POST' && r.path === 'company/configurations')).toHaveLength(2);
    expect(
      a.sim.requests.filter(
        (r) =>
          r.method === 'GET' && r.path === 'company/configurations' && /company\/id=/.test(r.query.conditions ?? ''),
      ),
    ).toHaveLength(2);
  });

  it('pauses the whole site after a 429 while other requests are in flight, and no client fails for it', async () => {
    // Prepare: 12 companies, so the Management tab reads run several at a time when the 429 comes.
    const a = await newAccount();
    for (let i = 1; i <= 12; i++) {
      a.company(`Co-${i}`, `M-${i}`);
      await a.mapping(`c-${i}`, `M-${i}`);
      await a.usage(`c-${i}`, P, i);
    }
    a.sim.setLatency(15);
    a.sim.faults.rateLimit({ method: 'GET', path: /managementSummaryReports/, times: 1, retryAfterSeconds: 1 });
    a.sim.faults.rateLimit({ method: 'POST', path: 'company/configurations', times: 1, retryAfterSeconds: 1 });

    // Act
    const summary = await harness.handler()({ accountId: a.accountId, period: P });

    // Assess: every request after each 429 waited out its Retry-After (the simulator counts violations).
    expect(summary.accounts[0]).toMatchObject({ published: 12, failed: 0, sync: 'triggered' });
    expect(a.sim.requests.filter((r) => r.status === 429)).toHaveLength(2);
    expect(a.sim.violations).toEqual([]);
  });

  it('changes nothing on a dry run: no ConnectWise writes, no sync, no ledger rows, no events', async () => {
    const a = await newAccount();
    const { company } = a.company('Contoso', 'M-1');
    a.company('Fabrikam', 'M-2');
    a.sim.seed.configuration({
      companyId: company.id,
      name: 'c-1',
      deviceIdentifier: 'c-1',
      activeFlag: true,
      backupBillableSpaceGb: 7,
      backupYear: 2026,
      backupMonth: 10,
    });
    await a.mapping('c-1', 'M-1');
    await a.mapping('c-2', 'M-2');
    await a.usage('c-1', P, 7);
    await a.usage('c-2', P, 9);

    const summary = await harness.handler()({
      'detail-type': 'Republish Requested',
      source: 'connectwise-usage-publisher.ops',
      detail: { accountId: a.accountId, period: P, dryRun: true },
    });
    expect(summary.dryRun).toBe(true);
    expect(results(summary)['c-1']!.status).toBe('unchanged');
    expect(results(summary)['c-2']!.status).toBe('planned');
    expect(a.writes()).toEqual([]);
    expect(a.sim.state.syncRuns).toHaveLength(0);
    expect(
      (await harness.scan(TABLES.LEDGER_TABLE)).filter((r) => String(r.runKey).startsWith(`${a.accountId}#`)),
    ).toEqual([]);
    expect(harness.eventsFor(a.accountId)).toEqual([]);
  });

  it('rejects invalid input naming the bad field', async () => {
    const handler = harness.handler();
    await expect(handler({ period: '2026-13' })).rejects.toThrow(/period must be a month as YYYY-MM/);
    await expect(handler({ clientID: ['a'] })).rejects.toThrow(/clientID is not a known field/);
    await expect(
      handler({
        'detail-type': 'Republish Requested',
        source: 'connectwise-usage-publisher.ops',
        detail: { dryRun: 'yes' },
      }),
    ).rejects.toThrow(/dryRun must be a boolean/);
    await expect(handler({ accountId: 'no-such-account' })).rejects.toThrow(/account "no-such-account" not found/);
  });
});
