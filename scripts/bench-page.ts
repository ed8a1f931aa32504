/**
 * The Publish Usage page at size (issue 19): an account of 5,000 clients served by the real `cwpub ui`
 * on the sandbox's stand-ins. Measures, with plain HTTP and with Chromium: the first load (ConnectWise
 * suggestions included), a reload, a search for one client, and a save of a whole page of edited rows.
 * Prints figures; asserts only that each step did what it says. Runs alone too: `npx tsx scripts/bench-page.ts`.
 */
import { DynamoMappingsRepository } from '../lib/aws/dynamodb-repositories.js';
import { PAGE_SIZE } from '../lib/ui/page-deps.js';
import { TABLES } from '../test/support/local-aws.js';
import { startSandboxWorld } from '../test/support/sandbox-world.js';
import { launchChromium, rawRequest, startPage } from '../test/ui/harness.js';

type World = Awaited<ReturnType<typeof startSandboxWorld>>;
type Running = Awaited<ReturnType<typeof startPage>>;
/** Runs a step, records its wall time and a note on its result as a row, and returns the result. */
type Timed = <T>(what: string, fn: () => Promise<T>, note: (value: T) => string) => Promise<T>;

export async function benchPage(clients = 5000): Promise<void> {
  const world = await startSandboxWorld({ bulkClients: clients, accounts: ['msp-east'] });
  const running = await startPage(world.env);
  const headers = { host: `127.0.0.1:${running.port}`, cookie: `cwpub_ui_token=${running.token}` };
  const rows: string[][] = [];
  const timed: Timed = async (what, fn, note) => {
    const started = performance.now();
    const value = await fn();
    rows.push([what, `${Math.round(performance.now() - started)} ms`, note(value)]);
    return value;
  };
  const get = (path: string) => rawRequest(running.port, { path, headers });
  const rowsIn = (body: string) => (body.match(/data-client-id=/g) ?? []).length;
  try {
    await timed(
      'first load (with suggestions)',
      () => get('/'),
      (r) => `${r.status}, ${rowsIn(r.body)} rows, ${(r.body.length / 1024).toFixed(0)} KiB`,
    );
    await timed(
      'reload',
      () => get('/'),
      (r) => `${r.status}, ${rowsIn(r.body)} rows`,
    );
    const target = `client-${String(Math.round(clients * 0.86)).padStart(5, '0')}`;
    await timed(
      `search "${target}"`,
      () => get(`/?q=${target}`),
      (r) => {
        if (!r.body.includes(`data-client-id="${target}"`)) throw new Error(`${target} is not on the page`);
        return `${r.status}, ${rowsIn(r.body)} row`;
      },
    );
    await timed(
      'last page',
      () => get(`/?page=${Math.ceil(clients / PAGE_SIZE) + 1}`),
      (r) => `${r.status}, ${rowsIn(r.body)} rows`,
    );

    await saveEditedRows(world, running, headers, timed);
    await browseWithChromium(running, target, timed);
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
    console.log(
      `\nPublish Usage page, one account of ${clients + 10} clients (${PAGE_SIZE} rows a page), cwpub ui on dynalite:`,
    );
    for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  } finally {
    await running.stop();
    await world.close();
  }
}

/** Saves a whole page of edited rows through the form, and checks the last one reached DynamoDB. */
async function saveEditedRows(
  world: World,
  running: Running,
  headers: Record<string, string>,
  timed: Timed,
): Promise<void> {
  const form = new URLSearchParams({ account: 'msp-east', period: world.period, intent: 'save' });
  for (let i = 1; i <= PAGE_SIZE; i++) {
    const id = `client-${String(i).padStart(5, '0')}`;
    const managedId = `${['CONTOSO', 'FABRIKAM', 'NORTHWIND'][i % 3]}-BKP`;
    form.append('row', id);
    form.append(`was.enabled.${id}`, '1');
    form.append(`was.managedId.${id}`, managedId);
    form.append(`enabled.${id}`, '1');
    form.append(`managedId.${id}`, `EDITED-${i}`);
  }
  await timed(
    `save ${PAGE_SIZE} edited rows`,
    () =>
      rawRequest(running.port, {
        method: 'POST',
        path: '/save',
        headers: {
          ...headers,
          'content-type': 'application/x-www-form-urlencoded',
          origin: `http://127.0.0.1:${running.port}`,
        },
        body: form.toString(),
      }),
    (r) => `${r.status} → ${r.headers.location ? 'saved' : 'not saved'}`,
  );
  const saved = await new DynamoMappingsRepository(world.db, TABLES.MAPPINGS_TABLE).get(
    'msp-east',
    `client-${String(PAGE_SIZE).padStart(5, '0')}`,
  );
  if (!saved || !('managedId' in saved) || saved.managedId !== `EDITED-${PAGE_SIZE}`)
    throw new Error('the save did not reach DynamoDB');
}

/** The same page in Chromium: sign in and render, then a search. */
async function browseWithChromium(running: Running, target: string, timed: Timed): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext()).newPage();
    await timed(
      'Chromium: sign in and render',
      () => page.goto(running.url),
      () => 'load event',
    );
    await timed(
      'Chromium: search and render',
      async () => {
        await page.getByRole('searchbox', { name: 'Search clients' }).fill(target);
        await Promise.all([
          page.waitForURL(/q=/),
          page.getByRole('searchbox', { name: 'Search clients' }).press('Enter'),
        ]);
        return page.locator('tbody tr').count();
      },
      (n) => `${n} row`,
    );
  } finally {
    await browser.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPage();
