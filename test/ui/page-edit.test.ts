import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { DynamoMappingsRepository } from '../../lib/aws/dynamodb-repositories.js';
import { startSandboxWorld, type SandboxWorld } from '../support/sandbox-world.js';
import { TABLES } from '../support/local-aws.js';
import { launchChromium, signIn, startPage, type RunningPage } from './harness.js';

let world: SandboxWorld;
let running: RunningPage;
let browser: Browser;
let page: Page;

const mapping = async (clientId: string) =>
  new DynamoMappingsRepository(world.db, TABLES.MAPPINGS_TABLE).get('msp-east', clientId);
const row = (clientId: string) => page.locator(`tr[data-client-id="${clientId}"]`);
const managedIdBox = (clientId: string) =>
  page.getByRole('textbox', { name: `Managed ID for ${clientId}`, exact: true });
const publishBox = (clientId: string) => page.getByRole('checkbox', { name: `Publish ${clientId}`, exact: true });

async function search(text: string): Promise<void> {
  await page.getByRole('searchbox', { name: 'Search clients' }).fill(text);
  await Promise.all([page.waitForURL(/q=/), page.getByRole('searchbox', { name: 'Search clients' }).press('Enter')]);
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

describe('the Publish Usage page, editing', () => {
  it('signs in with the printed URL, forgets the token in the address and shows the account', async () => {
    expect(page.url()).not.toContain('token=');
    await expect(page.getByRole('heading', { name: 'Publish Usage' }).isVisible()).resolves.toBe(true);
    expect(await page.getByRole('combobox', { name: 'Account' }).inputValue()).toBe('msp-east');
    expect(await page.getByRole('combobox', { name: 'Period' }).inputValue()).toBe(world.period);
    expect(await page.locator('dl[aria-label=Account]').innerText()).toContain('Backup Cloud');
    expect(await page.locator('#count-clients').innerText()).toBe('10');
    expect(await page.locator('#count-mapped').innerText()).toBe('6');
    expect(await page.locator('#count-unmapped').innerText()).toBe('4');
    expect(await row('bc-1001').innerText()).toContain('512.25');
    expect(await publishBox('bc-1005').isChecked()).toBe(false);
    expect(await managedIdBox('bc-1001').inputValue()).toBe('CONTOSO-BKP');
  });

  it('searches clients by name or id, case-insensitively', async () => {
    await search('NORTHWIND');
    expect(
      await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-client-id'))),
    ).toEqual(['bc-1004', 'bc-1005']);
    await search('Bc-1003');
    expect(await page.locator('tbody tr').count()).toBe(1);
    await search('');
  });

  it('saves nothing when one edited row is invalid, and says why next to each bad box', async () => {
    await managedIdBox('bc-1001').fill('');
    await managedIdBox('bc-1002').fill('X'.repeat(101));
    await managedIdBox('bc-1003').fill('FABRIKAM-OTHER');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForSelector('[role=alert]:not(:empty)');
    expect(await page.getByRole('alert').innerText()).toMatch(/Nothing was saved: 2 rows have a problem/);
    for (const id of ['bc-1001', 'bc-1002']) {
      const box = managedIdBox(id);
      expect(await box.getAttribute('aria-invalid')).toBe('true');
      const described = await box.getAttribute('aria-describedby');
      expect(await page.locator(`#${described}`).innerText()).toMatch(/Managed ID must/);
    }
    expect(await managedIdBox('bc-1003').getAttribute('aria-invalid')).toBeNull();
    // Nothing reached DynamoDB, not even the valid row.
    expect(await mapping('bc-1001')).toMatchObject({ managedId: 'CONTOSO-BKP' });
    expect(await mapping('bc-1002')).toMatchObject({ managedId: 'CONTOSO-BKP' });
    expect(await mapping('bc-1003')).toMatchObject({ managedId: 'FABRIKAM-BKP' });
  });

  it('saves every edited row at once and says what was saved', async () => {
    await page.goto(`${running.origin}/`);
    await publishBox('bc-1002').uncheck();
    await managedIdBox('bc-1103').fill('  CONTOSO-BKP ');
    await publishBox('bc-1103').check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForSelector('[role=status]:not(:empty)');
    expect(await page.getByRole('status').innerText()).toMatch(
      /Saved 2 mappings: bc-1002 → CONTOSO-BKP \(not published\), bc-1103 → CONTOSO-BKP/,
    );
    expect(await mapping('bc-1002')).toMatchObject({ managedId: 'CONTOSO-BKP', enabled: false });
    expect(await mapping('bc-1103')).toMatchObject({
      managedId: 'CONTOSO-BKP',
      enabled: true,
      clientName: 'Blue Yonder Airlines',
    });
    expect(await publishBox('bc-1103').isChecked()).toBe(true);
  });

  it('asks before leaving with unsaved edits', async () => {
    const other = await signIn(browser, running.url);
    await other.getByRole('textbox', { name: 'Managed ID for bc-1004', exact: true }).fill('SOMETHING-ELSE');
    const dialog = new Promise<string>((resolve) =>
      other.once('dialog', (d) => {
        resolve(d.type());
        void d.accept();
      }),
    );
    await other.close({ runBeforeUnload: true });
    expect(await dialog).toBe('beforeunload');
  });

  it('saves by keyboard alone', async () => {
    await page.goto(`${running.origin}/?q=bc-1004`);
    await page.locator('body').focus();
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const label = await page.evaluate<string | null>("document.activeElement?.getAttribute('aria-label') ?? null");
      if (label === 'Managed ID for bc-1004') break;
    }
    expect(await page.evaluate<string | null>("document.activeElement?.getAttribute('aria-label') ?? null")).toBe(
      'Managed ID for bc-1004',
    );
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('NORTHWIND-KB');
    await Promise.all([page.waitForURL(/notice=/), page.keyboard.press('Enter')]);
    expect(await page.getByRole('status').innerText()).toContain('bc-1004 → NORTHWIND-KB');
    expect(await mapping('bc-1004')).toMatchObject({ managedId: 'NORTHWIND-KB' });
  });

  it('accepts a suggestion (existing Management tab entry), then all the rest (a new entry is created)', async () => {
    await page.goto(`${running.origin}/`);
    const accept = page.getByRole('button', { name: 'Accept suggestion for bc-1101', exact: true });
    await accept.waitFor();
    expect(await row('bc-1101').innerText()).toContain('LITWARE-BKP');
    expect(await page.locator('#count-suggested').innerText()).toBe('2');
    // Ambiguous (two Coho Winery companies) and unmatched clients get no suggestion.
    expect(await row('bc-1104').getByRole('button').count()).toBe(0);
    await accept.click();
    await page.waitForSelector('[role=status]:not(:empty)');
    expect(await page.getByRole('status').innerText()).toContain('bc-1101 → LITWARE-BKP');
    expect(await mapping('bc-1101')).toMatchObject({
      managedId: 'LITWARE-BKP',
      enabled: true,
      clientName: 'Litware, Inc.',
    });

    await page.getByRole('button', { name: 'Accept all suggestions' }).click();
    await page.waitForSelector('[role=status]:not(:empty)');
    expect(await page.getByRole('status').innerText()).toContain(
      'bc-1102 → AlpineSkiHouse (Management tab entry created)',
    );
    expect(await mapping('bc-1102')).toMatchObject({ managedId: 'AlpineSkiHouse' });
    const sim = world.sims.get('msp-east')!;
    const company = sim.state.companies.all().find((c) => c.identifier === 'AlpineSkiHouse')!;
    const entries = sim.state.managementEntries.all().filter((e) => e.company?.id === company.id);
    expect(entries.map((e) => e.groupIdentifier)).toEqual(['AlpineSkiHouse']);
    expect(await page.getByRole('button', { name: 'Accept all suggestions' }).count()).toBe(0);
  });

  it('has no serious or critical accessibility violations (axe-core)', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const checked = await context.newPage();
    await checked.goto(running.url);
    const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    await checked.addScriptTag({ content: axe });
    const violations = await checked.evaluate(async () => {
      const result = await (
        globalThis as unknown as {
          axe: { run: () => Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> };
        }
      ).axe.run();
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
    });
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
    await context.close();
  });
});
