/**
 * `npx tsx scripts/screenshots.ts`: the page's main states as PNGs in docs/screenshots/, taken with
 * Debian's Chromium on the sandbox's data (the same world as `npm run sandbox`).
 */
import { DynamoRunLock } from '../lib/aws/ownership-repository.js';
import { RUN_LOCK_LEASE_MS } from '../lib/contract.js';
import { startSandboxWorld } from '../test/support/sandbox-world.js';
import { TABLES } from '../test/support/local-aws.js';
import { launchChromium, startPage } from '../test/ui/harness.js';

const OUT = 'docs/screenshots';
const world = await startSandboxWorld();
const running = await startPage(world.env);
const browser = await launchChromium();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const shot = (name: string) => page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });
  await page.goto(running.url);
  await page.getByRole('button', { name: 'Accept suggestion for bc-1101' }).waitFor();
  await shot('page');

  await page.getByRole('searchbox', { name: 'Search clients' }).fill('contoso');
  await page.getByRole('searchbox', { name: 'Search clients' }).press('Enter');
  await page.waitForURL(/q=contoso/);
  await page.getByRole('textbox', { name: 'Managed ID for bc-1001', exact: true }).fill('');
  await page.getByRole('checkbox', { name: 'Publish bc-1002', exact: true }).uncheck();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForSelector('[role=alert]:not(:empty)');
  await shot('page-invalid');

  await page.goto(`${running.origin}/`);
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await page.getByRole('button', { name: 'Confirm publish' }).waitFor();
  await shot('page-preview');

  world.sims.get('msp-east')!.setLatency(400);
  await page.getByRole('button', { name: 'Confirm publish' }).click();
  await page.locator('#job[data-state=running] progress[value]').waitFor();
  await shot('page-publishing');
  world.sims.get('msp-east')!.setLatency(0);
  await page.locator('#job[data-state=done]').waitFor();
  await shot('page-published');

  // A client on a plan (msp-west's w-01: 300 GB used, 250 GB included): usage and billed GB.
  await page.goto(`${running.origin}/?account=msp-west`);
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await page.getByRole('button', { name: 'Confirm publish' }).waitFor();
  await shot('page-allowance');

  const lock = new DynamoRunLock(world.db, TABLES.LEDGER_TABLE, RUN_LOCK_LEASE_MS);
  await lock.acquire('msp-east', 'c0ffee00-run-from-the-schedule');
  await page.goto(`${running.origin}/`);
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await page.getByRole('button', { name: 'Confirm publish' }).click();
  await page.locator('#job[data-state=done]').waitFor();
  await shot('page-busy');
  await lock.release('msp-east', 'c0ffee00-run-from-the-schedule');
  process.stdout.write(`Screenshots written to ${OUT}/\n`);
} finally {
  await browser.close();
  await running.stop();
  await world.close();
}
