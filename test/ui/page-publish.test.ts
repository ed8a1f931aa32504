import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { Browser, Page } from 'playwright-core';
import { DynamoLedgerRepository } from '../../lib/aws/ledger-repository.js';
import { DynamoRunLock } from '../../lib/aws/ownership-repository.js';
import { RUN_LOCK_LEASE_MS } from '../../lib/contract.js';
import { startSandboxWorld, type SandboxWorld } from '../support/sandbox-world.js';
import { TABLES } from '../support/local-aws.js';
import { launchChromium, signIn, startPage, type RunningPage } from './harness.js';

let world: SandboxWorld;
let running: RunningPage;
let browser: Browser;
let page: Page;

const backupStats = () =>
  world.sims
    .get('msp-east')!
    .state.configurations.all()
    .filter((c) => c.type.name === 'Backup Stats');
const ledger = () => new DynamoLedgerRepository(world.db, TABLES.LEDGER_TABLE).list('msp-east', world.period);

async function openPreview(): Promise<void> {
  await page.goto(`${running.origin}/?account=msp-east`);
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await page.getByRole('button', { name: 'Confirm publish' }).waitFor();
}

async function confirmAndWait(): Promise<void> {
  await page.getByRole('button', { name: 'Confirm publish' }).click();
  await page.locator('#job[data-state=done], #job[data-state=failed]').waitFor();
}

beforeAll(async () => {
  world = await startSandboxWorld();
  running = await startPage(world.env);
  browser = await launchChromium();
  page = await signIn(browser, running.url);
});

afterAll(async () => {
  await browser?.close();
  await running?.stop();
  await world?.close();
});

describe('the Publish Usage page, publishing', () => {
  it('previews a publish (a dry run) and writes nothing before Confirm publish', async () => {
    await openPreview();
    const count = (id: string) => page.locator(`#preview-${id}`).innerText();
    expect(await count('publish')).toBe('4');
    expect(await count('retire')).toBe('0');
    expect(await count('unchanged')).toBe('0');
    expect(await count('failed')).toBe('0');
    expect(await count('held')).toBe('0');
    expect(await page.locator('tr[data-client-id="bc-1001"]').innerText()).toContain(
      'Preview: would publish 512.25 GB',
    );
    expect(await page.getByRole('checkbox', { name: 'Allow mass retirement' }).isChecked()).toBe(false);
    expect(backupStats()).toEqual([]);
    expect(await ledger()).toEqual([]);
  });

  it('publishes on Confirm publish like cwpub publish: progress, configurations in ConnectWise, each row its outcome', async () => {
    world.sims.get('msp-east')!.setLatency(300);
    await page.getByRole('button', { name: 'Confirm publish' }).click();
    await page.locator('#job[data-state=running] progress').waitFor();
    world.sims.get('msp-east')!.setLatency(0);
    await page.locator('#job[data-state=done]').waitFor();
    const counts = await page.locator('#job-counts').innerText();
    expect(counts).toMatch(/Published\s+4/);
    expect(counts).toMatch(/Sync\s+triggered/);
    const held = backupStats()
      .filter((c) => c.activeFlag)
      .map((c) => [c.deviceIdentifier, c.backupBillableSpaceGb])
      .sort();
    expect(held).toEqual([
      ['bc-1001', 512.25],
      ['bc-1002', 148],
      ['bc-1003', 1024],
      ['bc-1004', 37.5],
    ]);
    expect(await page.locator('tr[data-client-id="bc-1003"]').innerText()).toContain('published 1024 GB');
    expect(await page.locator('tr[data-client-id="bc-1005"]').innerText()).toContain('skipped');
    expect((await ledger()).map((e) => [e.clientId, e.status]).sort()).toEqual([
      ['bc-1001', 'published'],
      ['bc-1002', 'published'],
      ['bc-1003', 'published'],
      ['bc-1004', 'published'],
      ['bc-1005', 'skipped'],
      ['bc-1006', 'skipped'],
    ]);
    // Published again, nothing changes.
    await openPreview();
    expect(await page.locator('#preview-unchanged').innerText()).toBe('4');
    expect(await page.locator('#preview-publish').innerText()).toBe('0');
  });

  it('says a busy account is busy, naming the run that holds it, and writes nothing', async () => {
    const lock = new DynamoRunLock(world.db, TABLES.LEDGER_TABLE, RUN_LOCK_LEASE_MS);
    expect(await lock.acquire('msp-east', 'other-run-42')).toBeUndefined();
    try {
      const before = JSON.stringify(backupStats());
      await openPreview();
      await confirmAndWait();
      expect(await page.getByRole('alert').innerText()).toMatch(
        /another run \(other-run-42, since .*\) is publishing account msp-east/,
      );
      expect(JSON.stringify(backupStats())).toBe(before);
    } finally {
      await lock.release('msp-east', 'other-run-42');
    }
  });

  it('Save and Publish saves the edits, then shows the preview', async () => {
    await page.goto(`${running.origin}/?account=msp-east`);
    await page.getByRole('checkbox', { name: 'Publish bc-1002', exact: true }).uncheck();
    await page.getByRole('button', { name: 'Save and Publish' }).click();
    await page.getByRole('button', { name: 'Confirm publish' }).waitFor();
    expect(await page.getByRole('status').innerText()).toContain('bc-1002 → CONTOSO-BKP (not published)');
    expect(await page.locator('#preview-retire').innerText()).toBe('1');
    await confirmAndWait();
    expect(await page.locator('#job-counts').innerText()).toMatch(/Retired\s+1/);
    const bc1002 = backupStats().find((c) => c.deviceIdentifier === 'bc-1002')!;
    expect(bc1002.activeFlag).toBe(false);
  });

  it('holds mass retirements unless Allow mass retirement is ticked', async () => {
    for (const clientId of ['bc-1001', 'bc-1003', 'bc-1004'])
      await world.db.send(
        new DeleteCommand({
          TableName: TABLES.USAGE_TABLE,
          Key: { accountId: 'msp-east', usageKey: `${world.period}#${clientId}` },
        }),
      );
    const active = () =>
      backupStats()
        .filter((c) => c.activeFlag)
        .map((c) => c.deviceIdentifier)
        .sort();
    await openPreview();
    expect(await page.locator('#preview-held').innerText()).toBe('3');
    await confirmAndWait();
    expect(await page.locator('#job-counts').innerText()).toMatch(/Failed\s+3/);
    expect(active()).toEqual(['bc-1001', 'bc-1003', 'bc-1004']);

    await openPreview();
    await page.getByRole('checkbox', { name: 'Allow mass retirement' }).check();
    await confirmAndWait();
    // The three, plus bc-1002: retired earlier this month, still the month's retirement (nothing written again).
    expect(await page.locator('#job-counts').innerText()).toMatch(/Retired\s+4/);
    for (const id of ['bc-1001', 'bc-1003', 'bc-1004'])
      expect(await page.locator(`tr[data-client-id="${id}"]`).innerText()).toContain('it has no usage for the period');
    expect(active()).toEqual([]);
  });
});
