import { fileURLToPath } from 'node:url';
import { LogLevel, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/** Repository root: esbuild runs here, next to package-lock.json and node_modules/.bin/esbuild. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The publish handler's source (exports `handler`). */
export const PUBLISH_ENTRY = fileURLToPath(new URL('../functions/publish/index.ts', import.meta.url));

/** The lock file NodejsFunction hashes into the asset and uses to find the project root. */
export const LOCK_FILE = fileURLToPath(new URL('../package-lock.json', import.meta.url));

/**
 * Prepended to the ESM bundle. Bundled CommonJS dependencies (pino and its helpers, parts of
 * the AWS SDK) call `require` for Node built-ins; esbuild's ESM output turns those calls into a
 * shim that needs a real `require` in scope, which ESM does not have. The import alias is
 * unusual on purpose so it cannot collide with a name in the bundle.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __cwpubCreateRequire } from 'node:module'; const require = __cwpubCreateRequire(import.meta.url);";

/**
 * How the publish function is bundled: one minified ES module, `index.mjs`, by the esbuild in
 * node_modules (never Docker).
 *
 * The AWS SDK v3 is bundled rather than taken from the runtime: the bundle then runs exactly
 * the SDK versions package.json pins and the tests ran against (the runtime's copy changes
 * with runtime updates, outside our control), and esbuild tree-shakes the clients to what the
 * code uses, so the runtime reads one file at cold start instead of resolving hundreds of
 * modules under /var/runtime. scripts/measure-bundle.ts measures the resulting size and
 * module initialisation time.
 */
export const PUBLISH_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  // Prefer the dependencies' ES module builds: better tree-shaking, no CJS interop wrappers.
  mainFields: ['module', 'main'],
  target: 'node22',
  minify: true,
  // Keep constructor and function names: error classes and log lines stay readable after minification.
  keepNames: true,
  // Stack traces map back to the TypeScript sources via NODE_OPTIONS=--enable-source-maps;
  // the sources themselves are not needed in the map, which keeps the asset small.
  sourceMap: true,
  sourcesContent: false,
  banner: ESM_REQUIRE_BANNER,
  bundleAwsSDK: true,
  externalModules: [],
  forceDockerBundling: false,
  // Warnings and errors only: esbuild's per-build size report adds nothing to `cdk synth` and
  // would be printed once per synthesized stack in the tests (scripts/measure-bundle.ts measures size).
  logLevel: LogLevel.WARNING,
};
