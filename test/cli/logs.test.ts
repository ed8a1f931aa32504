import { createLineLogger, formatLogLine } from '../../lib/logger.js';

describe('CLI log lines', () => {
  it('says a retry in one readable line', () => {
    expect(
      formatLogLine({
        level: 40,
        time: 1,
        pid: 1,
        hostname: 'h',
        service: 's',
        method: 'GET',
        path: '/v4_6_release/apis/3.0/company/companies',
        status: 429,
        retryCount: 1,
        msg: 'retrying ConnectWise request',
      }),
    ).toBe('warning: retrying ConnectWise request GET /v4_6_release/apis/3.0/company/companies (429, retry 1)');
  });

  it('adds the error message and the other fields, info without a prefix', () => {
    expect(
      formatLogLine({
        level: 50,
        msg: 'account publish stopped',
        accountId: 'acme',
        err: { name: 'SecretError', message: 'field privateKey is missing' },
      }),
    ).toBe('error: account publish stopped: field privateKey is missing accountId=acme');
    expect(
      formatLogLine({ level: 30, msg: 'publish run started', runId: 'r', period: '2026-10', accounts: ['a', 'b'] }),
    ).toBe('publish run started period=2026-10 accounts=["a","b"]');
  });

  it('writes through pino, so secrets are redacted exactly as in the JSON logs, and honours the level', () => {
    const lines: string[] = [];
    const log = createLineLogger('warn', (line) => lines.push(line));
    log.info('not shown');
    log.warn({ secret: { privateKey: 'PRIVATE-123' }, headers: { authorization: 'Basic abc' } }, 'careful');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warning: careful /);
    expect(lines[0]).not.toMatch(/PRIVATE-123|Basic abc/);
    expect(lines[0]!.endsWith('\n')).toBe(true);
  });
});
