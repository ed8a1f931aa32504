// Bundles the CLI (lib/cli/main.ts) into dist/cwpub.js with the local esbuild; dependencies stay in node_modules.
import { build } from 'esbuild';

await build({
  entryPoints: ['lib/cli/main.ts'],
  outfile: 'dist/cwpub.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
