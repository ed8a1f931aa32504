/**
 * `npm run sandbox [-- --port N] [-- --open]`: the Publish Usage page on the embedded stand-ins.
 * Starts dynalite, the Secrets Manager/EventBridge stand-ins and one simulated ConnectWise site per
 * account with the demo's accounts and companies (test/support/sandbox-world.ts), prints the settings
 * to paste so `cwpub` in another terminal talks to the same stand-ins, then serves the page with the
 * real `cwpub ui` until Ctrl-C, and stops everything. Nothing leaves this machine.
 */
import { runCli } from '../lib/cli/program.js';
import { startSandboxWorld } from '../test/support/sandbox-world.js';

const world = await startSandboxWorld();
world.aws.apply();
process.env.LOG_LEVEL ??= 'warn';
const settings = Object.entries(world.env)
  .filter(([name]) => name !== 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED')
  .map(([name, value]) => `export ${name}=${value}`);
process.stdout.write(
  [
    'Sandbox: dynalite, the AWS stand-ins and two simulated ConnectWise sites on loopback, with',
    `accounts ${[...world.sims.keys()].join(' and ')} and usage for ${world.period}. Nothing leaves this machine.`,
    '',
    'To use cwpub in another terminal on the same stand-ins, paste:',
    ...settings.map((line) => `  ${line}`),
    '',
    '',
  ].join('\n'),
);
const argv = process.argv.slice(2);
const code = await runCli(['ui', ...(argv.includes('--port') ? [] : ['--port', '4780']), ...argv], {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
await world.close();
process.stdout.write('Sandbox stopped.\n');
process.exit(code);
