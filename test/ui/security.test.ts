import { PassThrough } from 'node:stream';
import { runCli } from '../../lib/cli/program.js';
import { startSandboxWorld, type SandboxWorld } from '../support/sandbox-world.js';
import { rawRequest, startPage, type RunningPage } from './harness.js';

let world: SandboxWorld;
let page: RunningPage;

beforeAll(async () => {
  world = await startSandboxWorld({ accounts: ['msp-east'] });
  page = await startPage(world.env);
});

afterAll(async () => {
  await page?.stop();
  await world?.close();
});

const host = () => `127.0.0.1:${page.port}`;
const cookie = () => `cwpub_ui_token=${page.token}`;

describe('cwpub ui: who may use the page', () => {
  it('prints one line with a 127.0.0.1 URL and a token of at least 128 random bits', () => {
    const lines = page.output().stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(page.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+$/);
    expect(Buffer.from(page.token, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
  });

  it('answers 401 without the token, and with a wrong one', async () => {
    expect((await rawRequest(page.port, { headers: { host: host() } })).status).toBe(401);
    const wrong = await rawRequest(page.port, { path: '/?token=not-the-token', headers: { host: host() } });
    expect(wrong.status).toBe(401);
    const wrongCookie = await rawRequest(page.port, { headers: { host: host(), cookie: 'cwpub_ui_token=nope' } });
    expect(wrongCookie.status).toBe(401);
  });

  it('turns the token in the URL into an HttpOnly SameSite=Strict cookie and drops it from the address', async () => {
    const res = await rawRequest(page.port, { path: `/?token=${page.token}`, headers: { host: host() } });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toContain(`cwpub_ui_token=${page.token}`);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const withCookie = await rawRequest(page.port, { headers: { host: host(), cookie: cookie() } });
    expect(withCookie.status).toBe(200);
    expect(withCookie.body).toContain('data-client-id="bc-1001"');
  });

  it('refuses a Host other than 127.0.0.1:PORT or localhost:PORT, even with the token', async () => {
    for (const bad of ['evil.example', `evil.example:${page.port}`, '127.0.0.1', `127.0.0.1:${page.port + 1}`]) {
      const res = await rawRequest(page.port, { headers: { host: bad, cookie: cookie() } });
      expect(res.status).toBe(403);
    }
    const local = await rawRequest(page.port, { headers: { host: `localhost:${page.port}`, cookie: cookie() } });
    expect(local.status).toBe(200);
  });

  it('refuses a POST from a foreign Origin (403) and writes nothing', async () => {
    const body = new URLSearchParams({
      account: 'msp-east',
      period: world.period,
      row: 'bc-1103',
      'was.enabled.bc-1103': '0',
      'was.managedId.bc-1103': '',
      'enabled.bc-1103': '1',
      'managedId.bc-1103': 'EVIL',
    }).toString();
    const headers = {
      host: host(),
      cookie: cookie(),
      'content-type': 'application/x-www-form-urlencoded',
    };
    const foreign = await rawRequest(page.port, {
      method: 'POST',
      path: '/save',
      headers: { ...headers, origin: 'http://evil.example' },
      body,
    });
    expect(foreign.status).toBe(403);
    const otherPort = await rawRequest(page.port, {
      method: 'POST',
      path: '/publish',
      headers: { ...headers, origin: `http://127.0.0.1:${page.port + 1}` },
      body,
    });
    expect(otherPort.status).toBe(403);
    const listed = await rawRequest(page.port, { path: '/?q=bc-1103', headers: { host: host(), cookie: cookie() } });
    expect(listed.body).not.toContain('value="EVIL"');
  });

  it('refuses state changes by any method but POST', async () => {
    const res = await rawRequest(page.port, {
      method: 'PUT',
      path: '/save',
      headers: { host: host(), cookie: cookie() },
    });
    expect(res.status).toBe(405);
  });

  it('answers a bad period with the page and an alert naming it, not a crash', async () => {
    const res = await rawRequest(page.port, { path: '/?period=2026-13', headers: { host: host(), cookie: cookie() } });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/role="alert"[^>]*>\s*Something went wrong: period/);
  });

  it('stops on SIGTERM with exit status 0', async () => {
    const other = await startPage(world.env);
    expect(await other.stop()).toBe(0);
  });
});

describe('cwpub ui without settings', () => {
  it('says what is missing exactly like cwpub publish, with the same exit status', async () => {
    const run = async (argv: string[]) => {
      const out = new PassThrough();
      const err = new PassThrough();
      let stderr = '';
      err.on('data', (d: Buffer) => (stderr += d.toString()));
      out.resume();
      const code = await runCli(argv, { stdout: out, stderr: err, env: {} });
      return { code, stderr };
    };
    const ui = await run(['ui', '--port', '0']);
    const publish = await run(['publish', '--dry-run']);
    expect(ui.code).toBe(3);
    expect(ui).toEqual(publish);
    expect(ui.stderr).toContain('ACCOUNTS_TABLE');
  });
});
