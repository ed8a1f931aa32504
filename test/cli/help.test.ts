import stringWidth from 'string-width';
import { buildProgram, forEachCommand, runCli } from '../../lib/cli/program.js';
import { CliContext } from '../../lib/cli/context.js';
import { commandPath } from '../../lib/cli/help.js';

const ENV = { ACCOUNTS_TABLE: 'a', MAPPINGS_TABLE: 'm', USAGE_TABLE: 'u', LEDGER_TABLE: 'l' };

/** Runs the real CLI in-process on a "terminal" of `columns` columns. */
async function cwpub(argv: string[], columns = 100) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (s: string) => (stdout += s), isTTY: true, columns },
    stderr: { write: (s: string) => (stderr += s), isTTY: true, columns },
    env: ENV,
  });
  return { code, stdout, stderr };
}

const widest = (text: string) => Math.max(0, ...text.split('\n').map((l) => stringWidth(l)));

/** Every command path of the tree (`publish`, `mappings import`, ...), the root's too (''). */
function commandPaths(): string[] {
  const paths: string[] = [];
  const ctx = new CliContext({ stdout: { write: () => true }, stderr: { write: () => true }, env: ENV });
  forEachCommand(
    buildProgram(ctx, () => undefined),
    (c) => paths.push(commandPath(c)),
  );
  return paths;
}

describe('cwpub --help', () => {
  const paths = commandPaths();

  it('walks the whole tree (every sub-command is checked below)', () => {
    expect(paths).toEqual(expect.arrayContaining(['', 'publish', 'runs', 'billing', 'mappings import', 'verify']));
  });

  for (const columns of [80, 100]) {
    it.each(paths)(`"cwpub %s --help" ends with an example and fits ${columns} columns`, async (path) => {
      const argv = [...(path ? path.split(' ') : []), '--help'];
      const { code, stdout } = await cwpub(argv, columns);
      expect(code).toBe(0);
      expect(widest(stdout)).toBeLessThanOrEqual(columns);
      const examples = stdout.split(/\nExamples:\n/)[1];
      expect(examples).toBeDefined();
      expect(examples!).toMatch(/^ {2}cwpub /);
    });
  }

  it('says that a publish without a terminal proceeds like the Lambda (what the code does)', async () => {
    const { stdout } = await cwpub(['publish', '--help']);
    const text = stdout.replace(/\s+/g, ' ');
    expect(text).toContain(
      'Without a terminal (cron, CI, a pipe) there is nobody to ask: the run proceeds like the scheduled Lambda',
    );
    expect(text).not.toContain('is not published');
  });
});

describe('cwpub command line', () => {
  it('prints help on stdout and exits 0 when run bare or with a command group alone', async () => {
    for (const argv of [[], ['mappings'], ['accounts']]) {
      const { code, stdout, stderr } = await cwpub(argv);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: cwpub/);
      expect(stderr).toBe('');
    }
  });

  it('names a mistyped option as unknown with a suggestion, even beside a required one', async () => {
    for (const argv of [
      ['accounts', 'put', '--acount', 'acme'],
      ['verify', '--acount', 'acme'],
    ]) {
      const { code, stderr } = await cwpub(argv);
      expect(code).toBe(2);
      expect(stderr).toMatch(/^cwpub: unknown option '--acount'\n\(Did you mean --account\?\)/);
      expect(stderr).not.toMatch(/required option/);
    }
  });

  it('still names a required option that is missing', async () => {
    const { code, stderr } = await cwpub(['accounts', 'put']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^cwpub: required option '--account <id>' not specified/);
  });

  it('uses one error prefix, cwpub:, for its own errors and the parser’s', async () => {
    const errors = [
      (await cwpub(['nope'])).stderr,
      (await cwpub(['runs', '--limit', 'x'])).stderr,
      (await cwpub(['runs', '--csv', '--json'])).stderr,
    ];
    for (const text of errors) {
      expect(text).toMatch(/^cwpub: /);
      expect(text).not.toMatch(/^error:/m);
    }
  });
});
