import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { ESM_REQUIRE_BANNER } from '../../infra/bundling.js';
import { synthesize } from './helpers.js';

/** Generous ceiling on the minified bundle; a jump past it means a heavy dependency slipped in. */
const BUNDLE_BUDGET_BYTES = 2 * 1024 * 1024;

describe('Asset: the publish function bundle', () => {
  let dir: string;
  let code: string;

  beforeAll(() => {
    const { app, stack } = synthesize();
    const assembly = app.synth();
    // The function's code asset, as staged in the cloud assembly that `cdk deploy` uploads.
    const asset = stack.publisher.publishFunction.node.findChild('Code') as Asset;
    dir = join(assembly.directory, asset.assetPath);
    code = readFileSync(join(dir, 'index.mjs'), 'utf8');
  });

  it('is one minified ES module, index.mjs, with its source map and nothing else', () => {
    expect(readdirSync(dir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
    expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    // Minified: the only line breaks left are inside template literals.
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
  });

  it('bundles the AWS SDK instead of importing it from the runtime', () => {
    expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
    expect(code).not.toMatch(/import\(\s*["']@aws-sdk\//);
    expect(code).toContain('PutEventsCommand');
  });

  it('keeps the source map small: mappings only, no sources', () => {
    const map = JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8')) as { sourcesContent?: unknown };
    expect(map.sourcesContent).toBeUndefined();
  });

  it(`stays under ${BUNDLE_BUDGET_BYTES / 1024 / 1024} MB`, () => {
    expect(statSync(join(dir, 'index.mjs')).size).toBeLessThan(BUNDLE_BUDGET_BYTES);
  });

  it('loads in a fresh Node.js process and exports handler (the createRequire banner works for bundled CommonJS)', () => {
    // Act: import the bundle as Lambda would, with the environment the stack sets.
    const result = spawnSync(
      process.execPath,
      [
        '--no-warnings',
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(`file://${join(dir, 'index.mjs')}`)}); process.stdout.write(typeof m.handler);`,
      ],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          NODE_OPTIONS: '--enable-source-maps',
          AWS_REGION: 'us-east-1',
          ACCOUNTS_TABLE: 'accounts',
          MAPPINGS_TABLE: 'mappings',
          USAGE_TABLE: 'usage',
          LEDGER_TABLE: 'ledger',
          EVENT_BUS_NAME: 'bus',
          LOG_LEVEL: 'silent',
        },
      },
    );
    // Assess
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('function');
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
  });
});
