import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { PUBLISH_BUNDLING, PUBLISH_ENTRY } from '../../infra/bundling.js';
import type { RunSummary } from '../../lib/publisher/ports/index.js';
import { loadPublishStateMachine } from '../support/local-state-machine.js';
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
    await harness.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes from a direct invocation and writes its events, with JSON logs on stdout', async () => {
    const script = `const { handler } = await import(${JSON.stringify(`file://${join(dir, 'index.mjs')}`)});
      const summary = await handler({ accountId: ${JSON.stringify(a.accountId)}, period: '2026-10' });
      process.stderr.write(JSON.stringify(summary));`;
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--no-warnings', '--input-type=module', '-e', script],
      {
        env: {
          PATH: process.env.PATH,
          ...harness.aws.env,
          LOG_LEVEL: 'info',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      },
    );
    const summary = JSON.parse(stderr) as RunSummary;
    expect(summary.accounts[0]).toMatchObject({ accountId: a.accountId, published: 1, failed: 0, sync: 'triggered' });
    expect(a.configurations('c-1')[0]).toMatchObject({ backupBillableSpaceGb: 64, backupYear: 2026, backupMonth: 10 });
    expect(harness.eventsFor(a.accountId).map((e) => e.DetailType)).toEqual(['Usage Published']);
    const logs = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string });
    expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['publish run started', 'account done']));
    expect(stdout).not.toContain(a.sim.credentials.privateKey);
  });

  it('serves the synthesized state machine: every enabled account of a scheduled run, each in its own invocation', async () => {
    // Prepare: two more accounts on their own sites; the state machine as synthesized.
    const others = [await harness.account(), await harness.account()];
    for (const [i, other] of others.entries()) {
      other.company(`Co-${i}`, `M-${i}`);
      await other.mapping(`x-${i}`, `M-${i}`);
      await other.usage(`x-${i}`, '2026-10', 10 + i);
    }
    const machine = loadPublishStateMachine({ maxParallelAccounts: '2' });
    const invoke = async (payload: unknown): Promise<unknown> => {
      // One fresh Node.js process per invocation, loading the bundle as Lambda does, with a Lambda context.
      const script = `const { handler } = await import(${JSON.stringify(`file://${join(dir, 'index.mjs')}`)});
        const answer = await handler(${JSON.stringify(payload)}, { awsRequestId: 'r-1', getRemainingTimeInMillis: () => 600000 });
        process.stderr.write(JSON.stringify(answer));`;
      const { stderr } = await promisify(execFile)(
        process.execPath,
        ['--no-warnings', '--input-type=module', '-e', script],
        {
          env: {
            PATH: process.env.PATH,
            ...harness.aws.env,
            LOG_LEVEL: 'silent',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
        },
      );
      return JSON.parse(stderr) as unknown;
    };

    // Act
    const outcome = await machine.run({ scheduledTime: '2026-11-01T06:00:00Z' }, { invokeFunction: invoke });

    // Assess
    try {
      expect(outcome.status).toBe('SUCCEEDED');
      const published = outcome.calls
        .filter((c) => c.state === 'PublishAccount')
        .map((c) => (c.payload as { accountId: string }).accountId);
      expect(published.sort()).toEqual([a.accountId, ...others.map((o) => o.accountId)].sort());
      for (const [i, other] of others.entries()) {
        expect(other.configurations(`x-${i}`)).toHaveLength(1);
        expect(other.configurations(`x-${i}`)[0]).toMatchObject({ backupBillableSpaceGb: 10 + i, backupMonth: 10 });
        expect(harness.eventsFor(other.accountId).map((e) => e.DetailType)).toEqual(['Usage Published']);
      }
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
  });
});
