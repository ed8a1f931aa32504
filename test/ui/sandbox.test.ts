import { spawn } from 'node:child_process';

describe('npm run sandbox', () => {
  it('prints the settings to paste and the page URL, serves the page, and stops cleanly on Ctrl-C', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/sandbox.ts', '--port', '0'], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(stdout);
        if (m) resolve(m[1]!);
      });
      void exited.then((code) => reject(new Error(`sandbox exited with ${code}: ${stderr}`)));
    });
    for (const name of ['ACCOUNTS_TABLE', 'MAPPINGS_TABLE', 'USAGE_TABLE', 'LEDGER_TABLE', 'AWS_ENDPOINT_URL_DYNAMODB'])
      expect(stdout).toMatch(new RegExp(`^  export ${name}=\\S+$`, 'm'));
    const signIn = await fetch(url, { redirect: 'manual' });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const page = await fetch(new URL('/', url), { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('data-client-id="bc-1001"');
    expect(html).toContain('msp-west');

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toContain('Sandbox stopped.');
    expect(stderr).toBe('');
  });
});
