import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VerifyReport } from '../../lib/verify/reconcile.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { startLocalAws, TABLES, type LocalAws } from '../support/local-aws.js';
import {
  ACCOUNT_ID,
  NOW,
  clearTables,
  closeDb,
  cwpub,
  putItem,
  resetSimulator,
  scanTable,
  seedWorld,
} from './run-cwpub.js';

/** Contract v3 "Included allowance" through the CLI: put, list, import, publish, billing, verify. */
let aws: LocalAws;
let sim: Simulator;
let dir: string;

beforeAll(async () => {
  aws = await startLocalAws();
  aws.apply();
  sim = await startSimulator();
  sim.state.now = () => NOW;
  dir = await mkdtemp(join(tmpdir(), 'cwpub-included-'));
});

afterAll(async () => {
  closeDb();
  await sim.close();
  await aws.close();
});

beforeEach(async () => {
  await clearTables(aws);
  aws.standIns.secrets.clear();
  resetSimulator(sim);
  // c1 uses 10.5 GB, c2 20.5 GB in 2026-10.
  await seedWorld(aws, sim, 2);
});

const mappingItem = async (clientId: string) =>
  (await scanTable(aws, TABLES.MAPPINGS_TABLE)).find((m) => m.clientId === clientId)!;

async function csv(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('Command: cwpub mappings put --included-gb', () => {
  it('stores the allowance, keeps it when not given, clears it with an empty value, and lists it', async () => {
    // Act
    const put = await cwpub(aws.env, ['mappings', 'put', '--client', 'c1', '--included-gb', '12.5', '--json']);
    const keep = await cwpub(aws.env, ['mappings', 'put', '--client', 'c1', '--client-name', 'Renamed']);
    const stored = await mappingItem('c1');
    const list = await cwpub(aws.env, ['mappings', 'list']);
    const clear = await cwpub(aws.env, ['mappings', 'put', '--client', 'c1', '--included-gb', '']);
    // Assess
    expect(put.json()).toMatchObject({ action: 'updated', mapping: { clientId: 'c1', includedGb: 12.5 } });
    expect(keep.code).toBe(0);
    expect(stored).toMatchObject({ clientName: 'Renamed', includedGb: 12.5 });
    expect(list.stdout).toMatch(/^CLIENT\s+MANAGED ID\s+NAME\s+ENABLED\s+INCLUDED GB$/m);
    expect(list.stdout).toMatch(/^c1\s+M-1\s+Renamed\s+yes\s+12\.5$/m);
    expect(clear.code).toBe(0);
    expect((await mappingItem('c1')).includedGb).toBeUndefined();
  });

  it.each([
    ['-5', '--included-gb must be ≥ 0 (got -5)'],
    ['lots', '--included-gb must be a number of GB (got "lots")'],
    ['1,5', 'use . as the decimal separator'],
  ])('refuses --included-gb %s naming the flag, writing nothing', async (value, message) => {
    const run = await cwpub(aws.env, ['mappings', 'put', '--client', 'c1', '--included-gb', value]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect((await mappingItem('c1')).includedGb).toBeUndefined();
  });
});

describe('Command: cwpub mappings import (includedGb column)', () => {
  it('reads the optional includedGb column; an empty cell means none', async () => {
    const file = await csv('plans.csv', 'clientId,managedId,includedGb\nc1,M-1,5\nc2,M-2,\n');
    const run = await cwpub(aws.env, ['mappings', 'import', file, '--json']);
    expect(run.json()).toMatchObject({ ok: true, changed: 1, unchanged: 1 });
    expect((await mappingItem('c1')).includedGb).toBe(5);
    expect((await mappingItem('c2')).includedGb).toBeUndefined();
  });

  it('refuses a negative or non-numeric includedGb by row and column, writing nothing', async () => {
    const file = await csv('bad.csv', 'clientId,managedId,includedGb\nc1,M-1,-1\nc2,M-2,ten\n');
    const run = await cwpub(aws.env, ['mappings', 'import', file]);
    expect(run.code).toBe(2);
    expect(run.stderr + run.stdout).toContain('row 2, column includedGb: must be ≥ 0 (got -1)');
    expect(run.stderr + run.stdout).toContain('row 3, column includedGb: must be a number of GB (got "ten")');
    expect((await mappingItem('c1')).includedGb).toBeUndefined();
  });
});

describe('Commands: cwpub publish, billing and verify with an allowance', () => {
  it('publishes the billed GB, shows usage and billed in billing, and verify expects the billed value', async () => {
    // Prepare
    await cwpub(aws.env, ['mappings', 'put', '--client', 'c2', '--included-gb', '15']);
    // Act
    const publish = await cwpub(aws.env, ['publish', '--period', '2026-10', '--json']);
    const billing = await cwpub(aws.env, ['billing', '--period', '2026-10', '--json']);
    const verify = await cwpub(aws.env, ['verify', '--period', '2026-10', '--json']);
    // Assess
    expect(publish.code).toBe(0);
    const c2 = sim.state.configurations.find((c) => c.deviceIdentifier === 'c2')!;
    expect(c2.backupBillableSpaceGb).toBe(5.5);
    expect(JSON.stringify(billing.json())).toMatch(/"clientId":"c2"[^}]*"usageGb":20\.5,"publishedGb":5\.5/);
    expect(verify.code).toBe(0);
    expect(verify.json<VerifyReport>().mismatches).toEqual([]);
  });

  it('verify reports a configuration that holds the whole usage instead of the billed GB', async () => {
    // Prepare: published without the allowance, then the plan is added and nobody re-published.
    await cwpub(aws.env, ['publish', '--period', '2026-10']);
    await putItem(aws, TABLES.MAPPINGS_TABLE, {
      accountId: ACCOUNT_ID,
      clientId: 'c2',
      managedId: 'M-2',
      includedGb: 15,
    });
    // Act
    const verify = await cwpub(aws.env, ['verify', '--period', '2026-10', '--json']);
    // Assess
    expect(verify.code).toBe(1);
    expect(verify.json<VerifyReport>().mismatches).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'wrong-gb',
          clientIds: ['c2'],
          expected: 5.5,
          found: 20.5,
          detail: expect.stringContaining('billable space for 2026-10 is 5.5 GB (usage 20.5 GB, 15 GB included)'),
        }),
      ]),
    );
  });
});
