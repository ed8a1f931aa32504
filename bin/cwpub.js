#!/usr/bin/env node
// Runs the bundled CLI; `npm install` builds it (the `prepare` script).
try {
  await import('../dist/cwpub.js');
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cwpub.js')) {
    process.stderr.write('cwpub: the CLI is not built yet; run `npm run build` in the project folder\n');
    process.exit(3);
  }
  throw error;
}
