/**
 * Measures the publish function's bundle: its size, and its module initialisation time (the
 * time to import it in a fresh Node.js process, which is what a Lambda cold start adds to the
 * runtime's own start-up).
 *
 *   npx tsx scripts/measure-bundle.ts [--runs 15] [--json] [--no-compare]
 *
 * The bundle measured is the one `cdk deploy` uploads: the stack is synthesized in-process with
 * cdk.json's context, so the esbuild options are the stack's own. Each run imports it in a new
 * process with the function's environment (NODE_OPTIONS=--enable-source-maps included) and
 * reports the median. For comparison it also measures the same bundle without source maps, and a
 * build that leaves the AWS SDK to the runtime (loaded here from node_modules, so only indicative).
 *
 * Local numbers are relative: Lambda runs Node.js 22 on Graviton with CPU in proportion to memory.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { App } from 'aws-cdk-lib';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { build } from 'esbuild';
import { ESM_REQUIRE_BANNER, PROJECT_ROOT, PUBLISH_ENTRY } from '../infra/bundling.js';
import { settingsFromContext } from '../infra/context.js';
import { PublisherStack } from '../infra/publisher-stack.js';

interface Options {
  readonly runs: number;
  readonly json: boolean;
  readonly compare: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  let runs = 15;
  const index = argv.indexOf('--runs');
  if (index >= 0) {
    runs = Number(argv[index + 1]);
    if (!Number.isInteger(runs) || runs < 1)
      throw new Error(`--runs must be a positive whole number (got "${argv[index + 1]}")`);
  }
  return { runs, json: argv.includes('--json'), compare: !argv.includes('--no-compare') };
}

/** The function's environment, with placeholder names: importing the bundle makes no AWS call. */
const FUNCTION_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  ACCOUNTS_TABLE: 'accounts',
  MAPPINGS_TABLE: 'mappings',
  USAGE_TABLE: 'usage',
  LEDGER_TABLE: 'ledger',
  EVENT_BUS_NAME: 'bus',
  LOG_LEVEL: 'info',
};

/** Synthesizes the stack as cdk.json configures it and returns the function's staged asset directory. */
function synthesizedAssetDir(outdir: string): string {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({ outdir, context: cdkJson.context });
  const settings = settingsFromContext(app.node);
  const stack = new PublisherStack(app, settings.stackName, { publisher: settings.publisher });
  const assembly = app.synth();
  const asset = stack.publisher.publishFunction.node.findChild('Code') as Asset;
  return join(assembly.directory, asset.assetPath);
}

/** Imports `file` in a fresh Node.js process `runs` times; milliseconds per import. */
function importTimes(file: string, runs: number, env: Record<string, string>): number[] {
  const script = [
    'const start = performance.now();',
    `const module = await import(${JSON.stringify(pathToFileURL(file).href)});`,
    'const ms = performance.now() - start;',
    "if (typeof module.handler !== 'function') throw new Error('the bundle does not export handler');",
    'process.stdout.write(String(ms));',
  ].join('\n');
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const result = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
      cwd: tmpdir(),
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', ...FUNCTION_ENV, ...env },
    });
    if (result.status !== 0) throw new Error(`importing ${file} failed:\n${result.stderr}`);
    times.push(Number(result.stdout));
  }
  return times;
}

interface Timing {
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly runs: number;
}

function summarize(times: readonly number[]): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    medianMs: round(median),
    minMs: round(sorted[0] as number),
    maxMs: round(sorted[sorted.length - 1] as number),
    runs: sorted.length,
  };
}

interface Size {
  readonly bytes: number;
  readonly deflatedBytes: number;
}

function sizeOf(file: string): Size {
  return { bytes: statSync(file).size, deflatedBytes: deflateRawSync(readFileSync(file), { level: 9 }).length };
}

/** The same bundle with the AWS SDK (and its @smithy packages) left external, as the runtime provides them. */
async function buildWithExternalSdk(outdir: string): Promise<string> {
  const outfile = join(outdir, 'index.mjs');
  await build({
    entryPoints: [PUBLISH_ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    minify: true,
    keepNames: true,
    sourcemap: true,
    sourcesContent: false,
    banner: { js: ESM_REQUIRE_BANNER },
    external: ['@aws-sdk/*', '@smithy/*'],
    logLevel: 'silent',
  });
  return outfile;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const outdir = mkdtempSync(join(tmpdir(), 'cwpub-measure-'));
  // Inside the project, so the external-SDK build resolves @aws-sdk/* from node_modules.
  const externalDir = join(PROJECT_ROOT, 'node_modules', '.cache', 'cwpub-measure-external-sdk');
  try {
    const assetDir = synthesizedAssetDir(outdir);
    const bundle = join(assetDir, 'index.mjs');
    const result: Record<string, unknown> = {
      node: process.version,
      platform: `${process.platform}/${process.arch}`,
      bundle: { code: sizeOf(bundle), sourceMap: sizeOf(join(assetDir, 'index.mjs.map')) },
      init: {
        deployed: summarize(importTimes(bundle, options.runs, { NODE_OPTIONS: '--enable-source-maps' })),
        withoutSourceMaps: summarize(importTimes(bundle, options.runs, {})),
      },
    };
    if (options.compare) {
      mkdirSync(externalDir, { recursive: true });
      const external = await buildWithExternalSdk(externalDir);
      result.externalSdk = {
        code: sizeOf(external),
        init: summarize(importTimes(external, options.runs, { NODE_OPTIONS: '--enable-source-maps' })),
      };
    }

    if (options.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    const b = result.bundle as { code: Size; sourceMap: Size };
    const init = result.init as { deployed: Timing; withoutSourceMaps: Timing };
    const line = (label: string, t: Timing) => `| ${label} | ${t.medianMs} ms | ${t.minMs}–${t.maxMs} ms | ${t.runs} |`;
    const lines = [
      `Publish function bundle (Node.js ${process.version}, ${process.platform}/${process.arch})`,
      '',
      '| file | size | deflated (≈ zip) |',
      '| --- | --- | --- |',
      `| index.mjs | ${kb(b.code.bytes)} (${b.code.bytes} B) | ${kb(b.code.deflatedBytes)} |`,
      `| index.mjs.map | ${kb(b.sourceMap.bytes)} | ${kb(b.sourceMap.deflatedBytes)} |`,
      `| asset total | ${kb(b.code.bytes + b.sourceMap.bytes)} | ${kb(b.code.deflatedBytes + b.sourceMap.deflatedBytes)} |`,
      '',
      '| module initialisation (import in a fresh process) | median | min–max | runs |',
      '| --- | --- | --- | --- |',
      line('as deployed (--enable-source-maps)', init.deployed),
      line('without source maps', init.withoutSourceMaps),
    ];
    if (result.externalSdk) {
      const e = result.externalSdk as { code: Size; init: Timing };
      lines.push(line(`AWS SDK external, for comparison (${kb(e.code.bytes)}, SDK from node_modules)`, e.init));
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
    rmSync(externalDir, { recursive: true, force: true });
  }
}

await main();
