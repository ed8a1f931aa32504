/**
 * `npm run docs:examples`: replays the story the documentation's examples tell (account `acme`, ten
 * clients; August and September published; in October one mapping disabled, one removed, one client
 * without usage, one Managed ID moved) with the real `cwpub` against dynalite and the ConnectWise
 * simulator, and prints each command with its output, so the examples in docs/billing-integrity.md and
 * docs/cli.md can be refreshed from real output. Needs the CLI built (`npm run build`). Writes nothing
 * outside a temporary folder.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startSimulator } from '../test/simulator/index.js';
import { startLocalAws } from '../test/support/local-aws.js';

const run = promisify(execFile);
const CWPUB = fileURLToPath(new URL('../bin/cwpub.js', import.meta.url));

/** Client, Managed ID, name, GB for September, GB for October (null: no usage). August is September − 1. */
const CLIENTS = [
  ['c-1001', 'CONTOSO-BKP', 'Contoso file server', 512, 513.25],
  ['c-1002', 'CONTOSO-BKP', 'Contoso SQL', 148, 149],
  ['c-1003', 'FABRIKAM-BKP', 'Fabrikam NAS', 1024, 1025],
  ['c-1004', 'NORTHWIND-BKP', 'Northwind file server', 37.5, 38.5],
  ['c-1005', 'NORTHWIND-BKP', 'Northwind old server', 12, 12],
  ['c-1006', 'TAILSPIN-BKP', 'Tailspin laptops', 20, null],
  ['c-1007', 'LITWARE-BKP', 'Litware mail', 64, 65],
  ['c-1008', 'ADATUM-BKP', 'Adatum CAD', 75, 76],
  ['c-1009', 'PROSEWARE-BKP', 'Proseware web', 90, 91],
  ['c-1010', 'WOODGROVE-BKP', 'Woodgrove branch', 110, 111],
] as const;
const COMPANIES = ['Contoso', 'Fabrikam', 'Northwind', 'Tailspin', 'Litware', 'Adatum', 'Proseware', 'Woodgrove'];

const aws = await startLocalAws();
const sim = await startSimulator();
const folder = mkdtempSync(join(tmpdir(), 'cwpub-docs-'));
try {
  const setup = sim.seed.backupBillingSetup({
    solutionName: 'Backup Cloud',
    deletedConfigurationStatus: 'Removed',
    addedConfigurationStatus: 'Active',
  });
  for (const name of COMPANIES) {
    sim.seed.backupClient(setup, { identifier: name, name: `${name} Ltd`, managedId: `${name.toUpperCase()}-BKP` });
  }
  aws.standIns.secrets.set(
    'connectwise-usage-publisher/acme',
    JSON.stringify({ site: sim.url, ...sim.credentials, codebase: sim.codebase }),
  );
  const env = { ...process.env, ...aws.env, COLUMNS: '110', NO_COLOR: '1' };
  const cwpub = async (...args: string[]) => {
    let output: string;
    try {
      const answer = await run('node', [CWPUB, ...args], { env, encoding: 'utf8' });
      output = answer.stdout + answer.stderr;
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string; code?: number };
      output = `${failed.stdout ?? ''}${failed.stderr ?? ''}[exit ${failed.code}]\n`;
    }
    console.log(`$ cwpub ${args.join(' ')}\n${output}`);
  };
  const file = (name: string, lines: readonly string[]) => {
    const path = join(folder, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };

  const secretId = 'connectwise-usage-publisher/acme';
  await cwpub('accounts', 'put', '--account', 'acme', '--secret-id', secretId, '--management-it-name', 'Backup Cloud');
  const mappings = file('clients.csv', [
    'clientId,managedId,clientName',
    ...CLIENTS.map(([id, managedId, name]) => `${id},${managedId},${name}`),
  ]);
  await cwpub('mappings', 'import', mappings, '--account', 'acme');
  const usage = file('usage.csv', [
    'clientId,period,billableSpaceGb',
    ...CLIENTS.flatMap(([id, , , sep, oct]) => [
      `${id},2026-08,${sep - 1}`,
      `${id},2026-09,${sep}`,
      ...(oct === null ? [] : [`${id},2026-10,${oct}`]),
    ]),
  ]);
  await cwpub('usage', 'import', usage, '--account', 'acme');
  await cwpub('publish', '--account', 'acme', '--period', '2026-08', '--yes');
  await cwpub('publish', '--account', 'acme', '--period', '2026-09', '--yes');

  // Between September and October: a mapping disabled, one removed, a Managed ID moved.
  await cwpub('mappings', 'disable', '--account', 'acme', '--client', 'c-1005');
  await cwpub('mappings', 'remove', '--account', 'acme', '--client', 'c-1007', '--yes');
  sim.seed.moveManagedId(
    'FABRIKAM-BKP',
    sim.seed.company({ identifier: 'FabrikamEU', name: 'Fabrikam Europe Ltd' }).id,
  );
  await cwpub('publish', '--account', 'acme', '--period', '2026-10', '--dry-run');
  await cwpub('publish', '--account', 'acme', '--period', '2026-10', '--yes');
  await cwpub('runs', '--account', 'acme');
  await cwpub('billing', '--account', 'acme', '--period', '2026-10');
  await cwpub('billing', '--client', 'contoso', '--period', '2026-10');

  // The guards: an older month, and a month whose usage is mostly missing.
  await cwpub('publish', '--account', 'acme', '--period', '2026-09', '--dry-run');
  const november = file('usage-2026-11.csv', [
    'clientId,period,billableSpaceGb',
    'c-1001,2026-11,514',
    'c-1002,2026-11,150',
    'c-1003,2026-11,1026',
  ]);
  await cwpub('usage', 'import', november, '--account', 'acme');
  await cwpub('publish', '--account', 'acme', '--period', '2026-11', '--dry-run');

  // After the fact: a mapping disabled without a publish is still billed, and verify says so.
  await cwpub('doctor', '--account', 'acme');
  await cwpub('mappings', 'disable', '--account', 'acme', '--client', 'c-1008');
  await cwpub('verify', '--account', 'acme', '--period', '2026-10');
} finally {
  rmSync(folder, { recursive: true, force: true });
  await sim.close();
  await aws.close();
}
