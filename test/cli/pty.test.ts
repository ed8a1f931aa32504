import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { screenLines } from '../support/screen.js';
import stringWidth from 'string-width';
import { PERIOD, startWorld, type World } from './world.js';

/**
 * The real binary on a real pseudo-terminal (util-linux `script`), as an operator runs it: table
 * width, colour, and the confirmation prompt answered on the terminal.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const binary = `${root}bin/cwpub.js`;
const hasScript = spawnSync('script', ['--version']).status === 0;

interface PtyRun {
  readonly code: number;
  /** Everything the terminal showed (stdout and stderr), CRs removed. */
  readonly screen: string;
}

/** Runs `cwpub ARGS` on a pty of `columns` columns; `input` is typed once the prompt shows. */
function onPty(
  world: World,
  args: string[],
  options: { columns?: number; env?: Record<string, string>; input?: string } = {},
): Promise<PtyRun> {
  const quoted = args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const command = `stty cols ${options.columns ?? 100} rows 50; ${JSON.stringify(process.execPath)} ${binary} ${quoted}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', TERM: 'xterm-256color', ...world.env, ...options.env },
    });
    let screen = '';
    let typed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
      if (options.input !== undefined && !typed && screen.includes('[y/N]')) {
        typed = true;
        child.stdin.write(options.input);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin.destroy();
      resolve({ code: code ?? -1, screen: screen.replace(/\r/g, '') });
    });
    if (options.input === undefined) child.stdin.end();
  });
}

// eslint-disable-next-line no-control-regex
const plain = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');

(hasScript ? describe : describe.skip)('cwpub on a terminal (pty)', () => {
  let world: World;
  beforeAll(async () => {
    expect(existsSync(`${root}dist/cwpub.js`)).toBe(true);
    world = await startWorld({ clients: 12, companies: 4, failing: 1, longNames: true });
  });
  afterAll(async () => {
    await world.close();
  });

  it('fits the terminal width with colour, and drops colour for NO_COLOR', async () => {
    const list = await onPty(world, ['mappings', 'list'], { columns: 60 });
    expect(list.code).toBe(0);
    const lines = plain(list.screen).split('\n').filter(Boolean);
    expect(lines).toHaveLength(2 + 13);
    for (const line of lines.slice(1)) expect(stringWidth(line)).toBeLessThanOrEqual(60);
    expect(lines.find((l) => l.startsWith('client-00001'))).toMatch(
      /^client-00001 {2}M-0 +Client 1 of the Norther… {2}yes$/,
    );
    expect(list.screen).toContain('\u001b[1mCLIENT');
    const noColor = await onPty(world, ['mappings', 'list'], { columns: 60, env: { NO_COLOR: '1' } });
    // eslint-disable-next-line no-control-regex
    expect(noColor.screen).not.toMatch(/\u001b\[[0-9;]*m/);
  });

  it('publish --dry-run: counts, the failure in red, changes in words, no SDK notice', async () => {
    const run = await onPty(world, ['publish', '--dry-run', '--period', PERIOD], { columns: 80 });
    expect(run.code).toBe(1);
    const screen = plain(run.screen);
    expect(screen).toMatch(/Account acme: 1 FAILED, 12 would publish · sync not needed/);
    expect(screen).toMatch(/^bad-1 .*FAILED: Managed ID "M-NOWHERE-1" is not on/m);
    expect(screen).toMatch(/^client-00001 .*would publish 10 GB$/m);
    expect(run.screen).toContain('\u001b[31m');
    expect(screen).not.toMatch(/NodeVersionSupportWarning|AWS SDK for JavaScript/);
    for (const line of screenLines(run.screen)) expect(stringWidth(line)).toBeLessThanOrEqual(80);
  });

  it('asks before removing a mapping and does nothing on "n"; removes it on "y"', async () => {
    const no = await onPty(world, ['mappings', 'remove', '--client', 'client-00012'], { input: 'n\n' });
    expect(no.code).toBe(2);
    expect(plain(no.screen)).toMatch(
      /Remove mapping client-00012 \(→ M-3\) from account acme\? The next publish stops billing this client\.\s\[y\/N\] n/,
    );
    expect(plain(no.screen)).toMatch(/cwpub: not confirmed; nothing was changed/);
    const yes = await onPty(world, ['mappings', 'remove', '--client', 'client-00012'], { input: 'y\n' });
    expect(yes.code).toBe(0);
    expect(plain(yes.screen)).toMatch(/Mapping client-00012 removed from account acme\./);
    const list = await onPty(world, ['mappings', 'list', '--json']);
    expect(list.screen).not.toContain('client-00012');
  });
});
