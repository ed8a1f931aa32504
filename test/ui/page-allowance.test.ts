import type { Browser, Page } from 'playwright-core';
import { DynamoMappingsRepository } from '../../lib/aws/dynamodb-repositories.js';
import { DynamoLedgerRepository } from '../../lib/aws/ledger-repository.js';
import { startSandboxWorld, type SandboxWorld } from '../support/sandbox-world.js';
import { TABLES } from '../support/local-aws.js';
import { launchChromium, signIn, startPage, type RunningPage } from './harness.js';

// msp-west: w-01 uses 300 GB on a plan with 250 GB included; w-02 uses 75.75 GB, no plan.
let world: SandboxWorld;
let running: RunningPage;
let browser: Browser;
let page: Page;

const row = (clientId: string) => page.locator(`tr[data-client-id="${clientId}"]`);
const cell = (clientId: string, which: 'usage-gb' | 'billed-gb') => row(clientId).locator(`td.${which}`).innerText();
const includedBox = (clientId: string) =>
  page.getByRole('textbox', { name: `Included GB for ${clientId}`, exact: true });
const mapping = (clientId: string) =>
  new DynamoMappingsRepository(world.db, TABLES.MAPPINGS_TABLE).get('msp-west', clientId);
const backupStats = (clientId: string) =>
  world.sims
    .get('msp-west')!
    .state.configurations.all()
    .filter((c) => c.type.name === 'Backup Stats' && c.deviceIdentifier === clientId);

beforeAll(async () => {
  world = await startSandboxWorld({ accounts: ['msp-west'] });
  running = await startPage(world.env);
  browser = await launchChromium();
  page = await signIn(browser, running.url);
});

afterAll(async () => {
  await browser?.close();
  await running?.stop();
  await world?.close();
});

describe('the Publish Usage page, included allowance', () => {
  it('shows a client on a plan with its usage, its Included GB and the billed overage', async () => {
    await page.goto(`${running.origin}/?account=msp-west`);
    expect(await cell('w-01', 'usage-gb')).toBe('300');
    expect(await includedBox('w-01').inputValue()).toBe('250');
    expect(await cell('w-01', 'billed-gb')).toBe('50');
    expect(await cell('w-02', 'usage-gb')).toBe('75.75');
    expect(await includedBox('w-02').inputValue()).toBe('');
    expect(await cell('w-02', 'billed-gb')).toBe('75.75');
  });

  it('refuses a negative Included GB: the box is marked invalid with the reason and nothing is saved', async () => {
    await includedBox('w-02').fill('-5');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForSelector('[role=alert]:not(:empty)');
    expect(await page.getByRole('alert').innerText()).toMatch(/Nothing was saved: 1 row has a problem \(w-02\)/);
    expect(await includedBox('w-02').getAttribute('aria-invalid')).toBe('true');
    const described = await includedBox('w-02').getAttribute('aria-describedby');
    expect(await page.locator(`#${described}`).innerText()).toBe('Included GB must be ≥ 0 (got -5)');
    expect(await includedBox('w-02').inputValue()).toBe('-5');
    expect(await mapping('w-02')).toMatchObject({ managedId: 'AW-001', includedGb: 0 });
  });

  it('saves an Included GB and bills nothing for a client within its allowance', async () => {
    await page.goto(`${running.origin}/?account=msp-west`);
    await includedBox('w-02').fill(' 100 ');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForSelector('[role=status]:not(:empty)');
    expect(await page.getByRole('status').innerText()).toContain('w-02 → AW-001, 100 GB included');
    expect(await mapping('w-02')).toMatchObject({ managedId: 'AW-001', includedGb: 100, clientName: 'AW warehouse' });
    expect(await cell('w-02', 'billed-gb')).toBe('0');
  });

  it('previews and publishes the overage: ConnectWise gets the billed GB, the Ledger and the rows both figures', async () => {
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('button', { name: 'Confirm publish' }).waitFor();
    expect(await row('w-01').innerText()).toContain('Preview: would publish 50 GB (usage 300 GB)');
    expect(await row('w-02').innerText()).toContain('Preview: would publish 0 GB (usage 75.75 GB)');
    expect(backupStats('w-01')).toEqual([]);

    await page.getByRole('button', { name: 'Confirm publish' }).click();
    await page.locator('#job[data-state=done]').waitFor();
    expect(await page.locator('#job-counts').innerText()).toMatch(/Published\s+3/);
    const billed = (id: string) => backupStats(id).map((c) => [c.activeFlag, c.backupBillableSpaceGb]);
    expect(billed('w-01')).toEqual([[true, 50]]);
    // Within its allowance: published at 0 GB, still active (the agreement keeps its line at zero).
    expect(billed('w-02')).toEqual([[true, 0]]);
    expect(billed('w-03')).toEqual([[true, 2048]]);
    expect(await row('w-01').innerText()).toContain('published 50 GB (usage 300 GB)');
    const ledger = await new DynamoLedgerRepository(world.db, TABLES.LEDGER_TABLE).list('msp-west', world.period);
    expect(ledger.find((e) => e.clientId === 'w-01')).toMatchObject({ usageGb: 300, billableSpaceGb: 50 });

    // A later visit shows the last outcome with both figures.
    await page.goto(`${running.origin}/?account=msp-west`);
    expect(await row('w-01').innerText()).toMatch(/published 50 GB \(usage 300 GB\)/);
  });
});
