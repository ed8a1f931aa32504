import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { selectAccount } from '../select-account.js';
import { createPageApp } from '../../ui/app.js';
import { localAccess, newToken } from '../../ui/local-access.js';
import { createOnboardingDeps } from '../../onboarding/wiring.js';
import { CoreOnboarding } from '../../ui/onboarding.js';
import { EXIT, type CliContext } from '../context.js';
import { accountOption } from './ops-common.js';

interface UiOptions {
  account?: string;
  port: number;
  open?: boolean;
}

export const DEFAULT_UI_PORT = 4780;

/** `cwpub ui`: the Publish Usage page on this machine (contract v3), until SIGINT/SIGTERM. */
export function registerUi(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  program
    .command('ui')
    .description('serve the Publish Usage page on 127.0.0.1: tick clients, edit, save, publish')
    .addOption(accountOption('the account shown first (default: the first one)'))
    .addOption(
      new Option('--port <n>', 'port on 127.0.0.1 (0 = any free port)').default(DEFAULT_UI_PORT).argParser(portNumber),
    )
    .option('--open', 'open the page in the default browser')
    .addHelpText(
      'after',
      `
The page uses this machine's settings and credentials, like every other command.
It prints one address with a one-time token: only a browser that opened that
address can use the page (the token becomes an HttpOnly cookie). Publishing
from the page is the same run as \`cwpub publish\`. Ctrl-C stops it.`,
    )
    .action(async (options: UiOptions) => {
      const deps = await ctx.publisherDeps();
      if (options.account !== undefined) await selectAccount(deps.accounts, options.account);
      const mappings = (await ctx.repositories()).mappings;
      const { config, clients } = await ctx.settings();
      const onboarding = new CoreOnboarding(
        createOnboardingDeps(config, clients, ctx.logger),
        deps.accounts,
        deps.clock,
      );
      const token = newToken();
      let port = options.port;
      const app = createPageApp(
        { ...deps, mappings, onboarding, defaultAccountId: options.account },
        { access: localAccess({ token, port: () => port }) },
      );
      const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
        const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: options.port }, () => resolve(s));
        s.once('error', reject);
      });
      port = (server.address() as AddressInfo).port;
      // Listening for the stop signals before the address is printed: whoever reads it may stop us at once.
      const stopped = new Promise<string>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      const url = `http://127.0.0.1:${port}/?token=${token}`;
      ctx.out(`Publish Usage page: ${url}  (Ctrl-C to stop)`);
      if (options.open) openBrowser(url);
      const signal = await stopped;
      const running = app.jobs.running();
      if (running > 0)
        ctx.err(
          `cwpub: ${signal}: stopping with ${running} publish(es) still running; the account's lock frees itself, publish again to finish`,
        );
      (server as Server).closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      setExit(EXIT.ok);
    });
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('--port must be a number from 0 to 65535');
  return n;
}

function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', () => undefined);
  child.unref();
}
