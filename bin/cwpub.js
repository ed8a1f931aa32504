#!/usr/bin/env node
// Runs the bundled CLI; `npm install` builds it (the `prepare` script).
try {
  await import('../dist/cwpub.js');
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND') {
    // Either the bundle itself is missing (never built) or one of its dependencies is (not installed).
    const bundleMissing = /Cannot find module '[^']*dist[\\/]cwpub\.js'/.test(String(error.message));
    process.stderr.write(
      bundleMissing
        ? 'cwpub: the CLI is not built yet; run `npm run build` in the project folder\n'
        : `cwpub: ${error.message}\ncwpub: run \`npm install\` in the project folder\n`,
    );
    process.exit(3);
  }
  throw error;
}
