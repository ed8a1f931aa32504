import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ConnectWiseClient } from '../../lib/connectwise/http-client.js';
import { basicToken, createRedactor } from '../../lib/connectwise/redact.js';
import { SiteGovernorRegistry } from '../../lib/connectwise/site-governor.js';
import { ConnectWiseHttpError, describeError, RunDeadlineError, serializeError } from '../../lib/errors.js';
import { json, Loopback, text } from './loopback.js';

const CREDENTIALS = {
  companyId: 'acme',
  publicKey: 'aB3dE5fG7hJ9kL1m',
  privateKey: 'Zx8Cv6Bn4Mq2Wr0T',
  clientId: 'cid-1',
  codebase: 'v2025_1',
};
const TOKEN = basicToken(CREDENTIALS);

/** Every way the credentials could show up in text, for the negative assertions. */
function leaks(textValue: string): string[] {
  const lower = textValue.toLowerCase();
  const found = [
    CREDENTIALS.publicKey,
    CREDENTIALS.privateKey,
    TOKEN,
    `${CREDENTIALS.companyId}+${CREDENTIALS.publicKey}`,
  ].filter((secret) => lower.includes(secret.toLowerCase()));
  if (/Basic\s+[A-Za-z0-9+/=]{8,}/i.test(textValue)) found.push('Basic <token>');
  return found;
}

function everythingAbout(error: unknown): string {
  return [
    error instanceof Error ? error.message : '',
    describeError(error),
    JSON.stringify(error),
    JSON.stringify(serializeError(error)),
    error instanceof Error && error.cause !== undefined
      ? JSON.stringify(serializeError(error.cause)) + describeError(error.cause)
      : '',
  ].join('\n');
}

describe('redact', () => {
  const redact = createRedactor(CREDENTIALS);

  it('removes the keys, the user name, the token and any Basic credential, whatever the case', () => {
    const input = [
      `Authorization: Basic ${TOKEN}`,
      `token ${TOKEN}`,
      `user ${CREDENTIALS.companyId}+${CREDENTIALS.publicKey}`,
      `keys ${CREDENTIALS.publicKey.toUpperCase()} / ${CREDENTIALS.privateKey.toLowerCase()}`,
      `encoded ${encodeURIComponent(`${CREDENTIALS.companyId}+${CREDENTIALS.publicKey}`)}`,
      'someone else: basic   dXNlcjpwYXNzd29yZA==',
    ].join('\n');
    const out = redact(input);
    expect(leaks(out)).toEqual([]);
    expect(out).toBe(
      [
        'Authorization: Basic [redacted]',
        'token [redacted]',
        'user [redacted]',
        'keys [redacted] / [redacted]',
        'encoded [redacted]',
        'someone else: Basic [redacted]',
      ].join('\n'),
    );
  });

  it('leaves ordinary text alone', () => {
    expect(redact('Basic auth failed for company acme: 401')).toBe('Basic auth failed for company acme: 401');
  });
});

/** A loopback ConnectWise that echoes what it was sent back into its error answers. */
describe('server text in errors (echoing server)', () => {
  let site: Loopback;
  const logLines: string[] = [];
  const logger = pino(
    { level: 'trace' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    }),
  );

  beforeAll(async () => {
    site = await Loopback.start();
  });
  afterAll(() => site.close());
  beforeEach(() => site.reset());
  afterEach(() => expect(leaks(logLines.join(''))).toEqual([]));

  const connect = (extra: Parameters<typeof ConnectWiseClient.connect>[1] = {}) =>
    ConnectWiseClient.connect(
      { site: site.origin, ...CREDENTIALS },
      {
        governors: new SiteGovernorRegistry(),
        logger,
        retry: { limit: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1000 },
        random: () => 0,
        ...extra,
      },
    );

  /** What the server saw: the Authorization header and the decoded credentials. */
  const echo = (authorization: string | undefined) => {
    const token = (authorization ?? '').replace(/^Basic\s+/i, '');
    const decoded = Buffer.from(token, 'base64').toString();
    const [user = '', privateKey = ''] = decoded.split(':');
    const publicKey = user.split('+')[1] ?? '';
    return `auth=${authorization} token=${token} user=${user} public=${publicKey.toUpperCase()} private=${privateKey} encoded=${encodeURIComponent(user)}`;
  };

  it.each([400, 401, 404, 500])(
    'JSON %i: message, code and errors[] are scrubbed; unknown detail fields are dropped',
    async (status) => {
      site.handler = (req, res) => {
        const said = echo(req.headers.authorization);
        json(res, status, {
          code: `Invalid ${said}`,
          message: `You sent ${said}`,
          errors: [{ code: 'Echo', message: said, field: said, resource: said, value: said, headers: req.headers }],
        });
      };
      const client = await connect();
      const error = (await client
        .request('GET', 'company/configurations')
        .catch((e: unknown) => e)) as ConnectWiseHttpError;
      expect(error).toBeInstanceOf(ConnectWiseHttpError);
      expect(error.message).toContain('You sent auth=Basic [redacted] token=[redacted] user=[redacted]');
      expect(Object.keys(error.details[0]!).sort()).toEqual(['code', 'field', 'message', 'resource']);
      expect(leaks(everythingAbout(error))).toEqual([]);
    },
  );

  it.each([401, 502, 503])('plain-text %i from a proxy: its words become the message, scrubbed', async (status) => {
    site.handler = (req, res) =>
      text(
        res,
        status,
        `<html><body><h1>Gateway error</h1><pre>${echo(req.headers.authorization)}</pre></body></html>`,
      );
    const client = await connect();
    const error = (await client.request('GET', 'system/info').catch((e: unknown) => e)) as ConnectWiseHttpError;
    expect(error.message).toMatch(new RegExp(`failed: ${status}: Gateway error auth=Basic \\[redacted\\]`));
    expect(leaks(everythingAbout(error))).toEqual([]);
  });

  it('a 429 message over the cap (no deadline) is scrubbed', async () => {
    site.handler = (req, res) =>
      json(
        res,
        429,
        { error: 'ConnectWiseAPI', message: `Slow down ${echo(req.headers.authorization)}` },
        { 'retry-after': '5' },
      );
    const client = await connect();
    const error = await client.request('GET', 'system/info').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectWiseHttpError);
    expect(leaks(everythingAbout(error))).toEqual([]);
  });

  it('a 429 past the deadline: the RunDeadlineError and its cause are scrubbed', async () => {
    site.handler = (req, res) =>
      json(
        res,
        429,
        { error: 'ConnectWiseAPI', message: `Slow down ${echo(req.headers.authorization)}` },
        { 'retry-after': '60' },
      );
    const client = await connect({ deadlineAt: Date.now() + 5_000 });
    const error = await client.request('GET', 'system/info').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunDeadlineError);
    expect(describeError((error as Error).cause)).toContain('Slow down auth=Basic [redacted]');
    expect(leaks(everythingAbout(error))).toEqual([]);
  });

  it('a 429 waited out and then a 5xx retried: the warnings carry nothing the server said', async () => {
    site.handler = (req, res, _hit, index) =>
      index === 1
        ? json(res, 429, { error: 'ConnectWiseAPI', message: echo(req.headers.authorization) }, { 'retry-after': '0' })
        : json(res, 500, { code: 'ServerError', message: echo(req.headers.authorization) });
    const client = await connect();
    const error = await client.request('GET', 'system/info').catch((e: unknown) => e);
    expect(leaks(everythingAbout(error))).toEqual([]);
    expect(logLines.join('')).toMatch(/ConnectWise rate limit/);
    expect(logLines.join('')).toMatch(/retrying ConnectWise request/);
  });

  it('a redirect whose Location carries the token names only a scrubbed host', async () => {
    site.handler = (req, res) => {
      res.writeHead(302, {
        location: `https://${CREDENTIALS.privateKey}.example.com/?auth=${encodeURIComponent(req.headers.authorization ?? '')}`,
      });
      res.end();
    };
    const client = await connect();
    const error = await client.request('GET', 'system/info').catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      'ConnectWise answered 302 (redirect to [redacted].example.com); redirects are not followed: check the site in the secret',
    );
    expect(leaks(everythingAbout(error))).toEqual([]);
  });
});
