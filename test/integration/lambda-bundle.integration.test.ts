import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { PUBLISH_BUNDLING, PUBLISH_ENTRY } from '../../infra/bundling.js';
import type { RunSummary } from '../../lib/publisher/ports.js';
import { Harness, type TestAccount } from './harness.js';

/**
 * The deployed artefact, not the sources: bundle the handler with the stack's own bundling options,
 * load it in a fresh Node.js process as Lambda would, and publish against dynalite + the simulator.
 */
describe('the bundled Lambda (index.mjs) end to end', () => {
  let harness: Harness;
  let a: TestAccount;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cwpub-bundle-'));
    await build({
      entryPoints: [PUBLISH_ENTRY],
      outfile: join(dir, 'index.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: PUBLISH_BUNDLING.target,
      mainFields: PUBLISH_BUNDLING.mainFields,
      minify: PUBLISH_BUNDLING.minify,
      keepNames: PUBLISH_BUNDLING.keepNames,
      banner: { js: PUBLISH_BUNDLING.banner! },
      logLevel: 'silent',
    });
    harness = await Harness.start();
    a = await harness.account();
    a.company('Contoso', 'M-1');
    await a.mapping('c-1', 'M-1');
    await a.usage('c-1', '2026-10', 64);
  });
  afterAll(async () => {
    await a.close();
    await harness.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes from a direct invocation and writes its events, with JSON logs on stdout', async () => {
    const script = `const { handler } = await import(${JSON.stringify(`file://${join(dir, 'index.mjs')}`)});
      const summary = await handler({ accountId: ${JSON.stringify(a.accountId)}, period: '2026-10' });
      process.stderr.write(JSON.stringify(summary));`;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH, ...harness.aws.env, LOG_LEVEL: 'info', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    const summary = JSON.parse(stderr) as RunSummary;
    expect(summary.accounts[0]).toMatchObject({ accountId: a.accountId, published: 1, failed: 0, sync: 'triggered' });
    expect(a.configurations('c-1')[0]).toMatchObject({ backupBillableSpaceGb: 64, backupYear: 2026, backupMonth: 10 });
    expect(harness.eventsFor(a.accountId).map((e) => e.DetailType)).toEqual(['Usage Published']);
    const logs = stdout.trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
    expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['publish run started', 'account done']));
    expect(stdout).not.toContain(a.sim.credentials.privateKey);
  });
});
