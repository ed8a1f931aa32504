import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { screenLines } from '../support/screen.js';
import stringWidth from 'string-width';
import { PERIOD, startWorld, type World } from './world.js';

/**
 * Issue 16: every line fits the terminal. Each command's normal and error output on a real
 * pseudo-terminal (util-linux `script`) of 80 and 100 columns: runs, billing, imports (their headings and
 * their bad-row reports), the verify heading, prompts, the missing-settings message, the open-month
 * refusal, help screens.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const binary = `${root}bin/cwpub.js`;
const hasScript = spawnSync('script', ['--version']).status === 0;

function onPty(
  env: Record<string, string>,
  args: string[],
  columns: number,
  input?: string,
): Promise<{ code: number; screen: string }> {
  const quoted = args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const command = `stty cols ${columns} rows 50; ${JSON.stringify(process.execPath)} ${binary} ${quoted}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', TERM: 'xterm-256color', ...env },
    });
    let screen = '';
    let typed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
      if (input !== undefined && !typed && screen.includes('[y/N]')) {
        typed = true;
        child.stdin.write(input);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin.destroy();
      resolve({ code: code ?? -1, screen: screen.replace(/\r/g, '') });
    });
    if (input === undefined) child.stdin.end();
  });
}

/** `cwpub ARGS` with stdout and stderr piped (no terminal). */
function onPipe(env: Record<string, string>, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binary, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => resolve({ stdout, stderr }));
  });
}

// eslint-disable-next-line no-control-regex
const plain = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
const widest = (screen: string) => Math.max(0, ...screenLines(screen).map((l) => stringWidth(l)));

(hasScript ? describe : describe.skip)('every line fits the terminal (pty, 80 and 100 columns)', () => {
  let world: World;
  let dir: string;
  const now = new Date();
  const openMonth = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  let runId = '';

  beforeAll(async () => {
    expect(existsSync(`${root}dist/cwpub.js`)).toBe(true);
    world = await startWorld({ clients: 12, companies: 4, failing: 1, longNames: true });
    // A long, realistic path: import headings name the file.
    dir = mkdtempSync(join(tmpdir(), 'cwpub-widths-with-a-rather-long-folder-name-for-the-imports-'));
    writeFileSync(
      join(dir, 'mappings-from-the-partner-portal-export-2026-10.csv'),
      'clientId,managedId,clientName\n' +
        'client-00001,M-0,Client 1 of the Northern Regional Health and Social Care Partnership Trust (renamed)\n' +
        'client-new-with-a-long-identifier-0000000000000000001,M-1,A new client with a long name and id\n',
    );
    writeFileSync(
      join(dir, 'mappings-with-bad-rows.csv'),
      'clientId,managedId,enabled\n#c1,M-1,perhaps\n,M-2,true\nc3,' + 'x'.repeat(101) + ',false\n',
    );
    writeFileSync(
      join(dir, 'usage-2026-10-from-the-metering-export-of-the-backup-cloud.csv'),
      `clientId,period,billableSpaceGb\nclient-00001,${PERIOD},12.5\nclient-00002,${PERIOD},"12,5"\n`,
    );
    // A month published for real: runs, billing and verify have something to show.
    const first = await onPty(world.env, ['publish', '--period', PERIOD, '--yes', '--json'], 100);
    runId = (JSON.parse(plain(first.screen).slice(plain(first.screen).indexOf('{'))) as { runId: string }).runId;
  });
  afterAll(async () => {
    await world.close();
  });

  const cases: [string, () => string[], { code?: number; input?: string; env?: () => Record<string, string> }?][] = [
    ['publish --dry-run', () => ['publish', '--dry-run', '--period', PERIOD]],
    ['runs', () => ['runs']],
    ['runs --run', () => ['runs', '--account', 'acme', '--period', PERIOD, '--run', runId]],
    ['billing', () => ['billing', '--period', PERIOD, '--all']],
    ['billing --client', () => ['billing', '--period', PERIOD, '--client', 'client-00001']],
    ['accounts list', () => ['accounts', 'list']],
    ['mappings list', () => ['mappings', 'list']],
    ['usage list', () => ['usage', 'list', '--period', PERIOD]],
    [
      'mappings import (heading, plan)',
      () => ['mappings', 'import', join(dir, 'mappings-from-the-partner-portal-export-2026-10.csv'), '--dry-run'],
    ],
    ['mappings import (bad rows)', () => ['mappings', 'import', join(dir, 'mappings-with-bad-rows.csv')]],
    [
      'usage import (bad rows)',
      () => ['usage', 'import', join(dir, 'usage-2026-10-from-the-metering-export-of-the-backup-cloud.csv')],
    ],
    ['verify (heading)', () => ['verify', '--period', PERIOD, '--all']],
    ['doctor', () => ['doctor', '--all']],
    ['open-month refusal', () => ['publish', '--period', openMonth]],
    [
      'missing settings',
      () => ['publish'],
      { env: () => ({ PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }) },
    ],
    ['prompt: accounts disable', () => ['accounts', 'disable', '--account', 'acme'], { input: 'n\n' }],
    ['prompt: mappings remove', () => ['mappings', 'remove', '--client', 'client-00012'], { input: 'n\n' }],
    ['unknown option', () => ['runs', '--acount', 'acme']],
    ['help', () => ['--help']],
    ['publish --help', () => ['publish', '--help']],
  ];

  for (const columns of [80, 100]) {
    it.each(cases)(`%s fits ${columns} columns`, async (_name, args, options = {}) => {
      const env = options.env ? options.env() : world.env;
      const run = await onPty(env, args(), columns, options.input);
      expect(plain(run.screen).trim()).not.toBe('');
      if (process.env.WIDTHS_REPORT) process.stderr.write(`WIDTH ${columns} ${_name}: ${widest(run.screen)}\n`);
      if (process.env.WIDTHS_REPORT === 'screens') process.stderr.write(`${plain(run.screen)}\n`);
      expect(widest(run.screen)).toBeLessThanOrEqual(columns);
    });
  }

  it('shows the Managed-ID look-up as it goes on a terminal; nothing of it with --json or without a terminal', async () => {
    world.sim.setLatency(300);
    try {
      const args = ['publish', '--dry-run', '--rescan', '--period', PERIOD];
      const shown = await onPty(world.env, args, 100);
      expect(plain(shown.screen)).toMatch(/acme · Reading Management tabs \[/);
      const json = await onPty(world.env, [...args, '--json'], 100);
      expect(json.screen).not.toMatch(/Reading Management tabs|\[[░█]+\]/);
      // Not spawnSync: the simulator answers from this process.
      const piped = await onPipe({ ...world.env, PATH: process.env.PATH ?? '' }, args);
      expect(piped.stderr).not.toMatch(/Reading Management tabs/);
      expect(piped.stdout).toMatch(/^Run /);
    } finally {
      world.sim.setLatency(0);
    }
  });

  it('asks before stopping billing, and the prompt fits 80 columns', async () => {
    // A disabled mapping: this month's re-run would stop billing it, so a terminal is asked first.
    const disable = await onPty(world.env, ['mappings', 'disable', '--client', 'client-00003'], 100);
    expect(disable.code).toBe(0);
    const run = await onPty(world.env, ['publish', '--period', PERIOD], 80, 'n\n');
    const screen = plain(run.screen);
    expect(screen).toMatch(/this run would STOP billing 1 client/);
    expect(screen).toMatch(/\[y\/N\]/);
    expect(widest(run.screen)).toBeLessThanOrEqual(80);
  });
});
