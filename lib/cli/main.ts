import { runCli } from './program.js';

// Entry point of the `cwpub` binary (bundled to dist/cwpub.js by scripts/build-cli.mjs).
const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
process.exitCode = code;
