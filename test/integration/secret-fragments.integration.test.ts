import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basicToken } from '../../lib/connectwise/redact.js';
import type { RunSummary } from '../../lib/publisher/ports/index.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import { TABLES } from '../support/local-aws.js';
import { Harness } from './harness.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const P = '2026-10';
const CREDENTIALS = { companyId: 'acme', publicKey: 'Qm7Tz2Lx9Vc4Rb8N', privateKey: 'Hk3Wp6Yd1Fs5Gj0E' };
const TOKEN = basicToken(CREDENTIALS);
const SECRETS = { publicKey: CREDENTIALS.publicKey, privateKey: CREDENTIALS.privateKey, token: TOKEN };

/** Which secrets have 8+ consecutive characters (any case) in `text`, read plainly or URL/JSON-decoded. */
function fragmentLeaks(text: string): string[] {
  const readings = [text, text.replace(/\\u([0-9a-f]{4})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)))];
  readings.push(text.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
  const found = new Set<string>();
  for (const reading of readings.map((r) => r.toLowerCase())) {
    for (const [name, secret] of Object.entries(SECRETS)) {
      for (let i = 0; i + 8 <= secret.length; i++) {
        if (reading.includes(secret.slice(i, i + 8).toLowerCase())) found.add(name);
      }
    }
  }
  return [...found].sort();
}

/**
 * What a careless proxy in front of ConnectWise answers: an error page quoting what it received, cut
 * and wrapped — the token without `Basic` and missing its last 2 characters, a 9-character key prefix,
 * the token URL-encoded, the private key JSON-escaped.
 */
function errorPage(authorization: string): string {
  const token = authorization.replace(/^Basic\s+/i, '');
  const [user = '', privateKey = ''] = Buffer.from(token, 'base64').toString().split(':');
  const publicKey = user.split('+')[1] ?? '';
  const escaped = [...privateKey].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
  return (
    `<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>` +
    `<p>upstream refused credential ${token.slice(0, -2)}</p><p>key ${publicKey.slice(0, 9)}…</p>` +
    `<p>trace: auth=${encodeURIComponent(token)}</p><script>var k="${escaped}";</script></body></html>`
  );
}

/** A loopback proxy to the simulator that answers `shouldFail` requests with the error page. */
async function startProxy(
  target: string,
): Promise<{ url: string; shouldFail: (req: IncomingMessage) => boolean; close(): Promise<void>; failures: number }> {
  const proxy = {
    url: '',
    failures: 0,
    shouldFail: (_req: IncomingMessage) => false,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (proxy.shouldFail(req)) {
      proxy.failures++;
      req.resume();
      res.writeHead(502, { 'content-type': 'text/html' }).end(errorPage(String(req.headers.authorization ?? '')));
      return;
    }
    const upstream = request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

describe('secret fragments in server text never reach an output (contract v3, case 10)', () => {
  let harness: Harness;
  let sim: Simulator;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  const accountId = 'acct-fragments';

  beforeAll(async () => {
    harness = await Harness.start();
    sim = await startSimulator({ ...CREDENTIALS });
    proxy = await startProxy(sim.url);
    const setup = sim.seed.backupBillingSetup({ solutionName: 'Backup Cloud' });
    sim.seed.backupClient(setup, { identifier: 'Contoso', name: 'Contoso Ltd', managedId: 'M-1' });
    sim.seed.backupClient(setup, { identifier: 'Fabrikam', name: 'Fabrikam Ltd', managedId: 'M-2' });
    const secretId = `cwpub/${accountId}`;
    harness.aws.standIns.secrets.set(
      secretId,
      JSON.stringify({ site: proxy.url, ...sim.credentials, codebase: sim.codebase }),
    );
    await harness.put(TABLES.ACCOUNTS_TABLE, { accountId, secretId, managementItName: 'Backup Cloud' });
    for (const [clientId, managedId, gb] of [
      ['c-1', 'M-1', 11],
      ['c-2', 'M-2', 22],
    ] as const) {
      await harness.put(TABLES.MAPPINGS_TABLE, { accountId, clientId, managedId });
      await harness.put(TABLES.USAGE_TABLE, {
        accountId,
        usageKey: `${P}#${clientId}`,
        period: P,
        clientId,
        billableSpaceGb: gb,
      });
    }
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
    await harness.close();
  });

  it('a proxy error page quoting a truncated token, a key prefix and escaped keys leaks nothing anywhere', async () => {
    // Every configuration write and the sync are answered by the proxy's error page.
    proxy.shouldFail = (req) => req.method !== 'GET';
    const outputs: string[] = [];

    const cli = await harness.cli(['publish', '--account', accountId, '--period', P, '--json', '--log-json']);
    outputs.push(cli.stdout, cli.stderr);
    const summary = JSON.parse(cli.stdout) as RunSummary;
    expect(cli.code).toBe(1);
    const failed = summary.accounts[0]!.results.filter((r) => r.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    // The page's words arrive (so the test sees server text), its secrets do not.
    expect(failed[0]!.reason).toMatch(/Bad Gateway/);

    const viaLambda = await harness.handler()({ accountId, period: P });
    outputs.push(JSON.stringify(viaLambda));
    expect(proxy.failures).toBeGreaterThan(1);

    // verify reads ConnectWise through the proxy too: its listing answered with the page.
    proxy.shouldFail = (req) => (req.url ?? '').includes('company/configurations');
    for (const args of [
      ['verify', '--account', accountId, '--period', P, '--json'],
      ['verify', '--account', accountId, '--period', P],
      ['runs', '--account', accountId, '--json'],
      ['runs', '--account', accountId],
      ['billing', '--account', accountId, '--period', P, '--json'],
      ['billing', '--account', accountId, '--period', P],
    ]) {
      const out = await harness.cli(args);
      outputs.push(out.stdout, out.stderr);
    }
    outputs.push(JSON.stringify(harness.aws.standIns.events), harness.logs.join('\n'));
    outputs.push(JSON.stringify(await harness.scan(TABLES.LEDGER_TABLE)));

    expect(outputs.join('\n')).toMatch(/Bad Gateway/);
    expect(harness.aws.standIns.events.length).toBeGreaterThan(0);
    for (const output of outputs) expect(fragmentLeaks(output)).toEqual([]);
  });
});
