import stringWidth from 'string-width';
import { outcomeWords, renderSummary } from '../../lib/cli/commands/publish.js';
import { statusesToList } from '../../lib/cli/listing.js';
import { displayFor } from '../../lib/cli/terminal.js';
import { CLIENT_STATUS_NAMES } from '../../lib/contract.js';
import type { AccountSummary, ClientResult, RunSummary } from '../../lib/publisher/ports/index.js';

const display = (width: number, color = false) =>
  displayFor({ write: () => true, isTTY: true, columns: width }, color ? { FORCE_COLOR: '1' } : { NO_COLOR: '1' });

function account(results: ClientResult[], extra: Partial<AccountSummary> = {}): AccountSummary {
  const n = (s: string) => results.filter((r) => r.status === s).length;
  return {
    accountId: 'acme',
    published: n('published'),
    unchanged: n('unchanged'),
    retired: n('retired'),
    skipped: n('skipped'),
    failed: n('failed'),
    planned: n('planned'),
    sync: 'triggered',
    requests: 0,
    results,
    ...extra,
  };
}

/** The run: 5,000 mappings, 3 failures, 5,002 skipped for lack of usage, a few changes. */
function bigRun(dryRun: boolean): RunSummary {
  const results: ClientResult[] = [];
  for (let i = 0; i < 5002; i++)
    results.push({
      clientId: `c-${String(i).padStart(5, '0')}`,
      managedId: `M-${i}`,
      status: 'skipped',
      reason: 'no usage recorded for 2026-10',
    });
  for (let i = 0; i < 40; i++)
    results.push({
      clientId: `u-${i}`,
      managedId: `M-u${i}`,
      status: 'unchanged',
      billableSpaceGb: 5,
      companyIdentifier: 'Contoso',
    });
  results.splice(2500, 0, {
    clientId: 'c-02500x',
    managedId: 'M-NOPE',
    status: 'failed',
    reason: 'Managed ID "M-NOPE" is not on any company',
  });
  results.push({
    clientId: 'a-first',
    managedId: 'M-X',
    status: 'failed',
    reason: 'usage 2000000 GB is above the account limit 1000000 GB',
  });
  results.push({ clientId: 'z-last', managedId: 'M-Z', status: 'failed', reason: 'ConnectWise answered 500' });
  if (dryRun) {
    results.push({
      clientId: 'p-1',
      managedId: 'M-P',
      status: 'planned',
      action: 'publish',
      billableSpaceGb: 12.5,
      companyIdentifier: 'Fabrikam',
    });
    results.push({
      clientId: 'p-2',
      managedId: 'M-Q',
      status: 'planned',
      action: 'retire',
      reason: 'its mapping is disabled',
      retiredConfigurationIds: [812],
    });
  } else {
    results.push({
      clientId: 'p-1',
      managedId: 'M-P',
      status: 'published',
      billableSpaceGb: 12.5,
      companyIdentifier: 'Fabrikam',
    });
    results.push({
      clientId: 'p-2',
      managedId: 'M-Q',
      status: 'retired',
      reason: 'its mapping is disabled',
      retiredConfigurationIds: [812],
    });
  }
  return { runId: 'run-1', period: '2026-10', dryRun, accounts: [account(results)] };
}

describe('publish output at real size', () => {
  it('a 5,000-client dry run is counts, failures, then changes, in a screenful', () => {
    const out = renderSummary(bigRun(true), display(100));
    const lines = out.split('\n');
    expect(lines.length).toBeLessThan(20);
    for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(100);
    // The heading wraps to the width like everything else.
    expect(`${lines[2]} ${lines[3]}`).toBe(
      'Account acme: 3 FAILED, 1 would publish, 1 would STOP billing, 40 already up to date, 5,002 skipped · sync triggered',
    );
    const body = lines.slice(4).join('\n');
    // Failures first (by client), then the changes in words.
    expect(body.indexOf('a-first')).toBeLessThan(body.indexOf('c-02500x'));
    expect(body.indexOf('z-last')).toBeLessThan(body.indexOf('p-2'));
    expect(body.indexOf('p-2')).toBeLessThan(body.indexOf('p-1'));
    expect(body).toMatch(/^p-1 .*Fabrikam\s+would publish 12.5 GB$/m);
    expect(body).toMatch(/^p-2 .*would STOP billing: its mapping is disabled \(configuration 812\)$/m);
    expect(body).not.toMatch(/^c-00001/m);
    expect(body.replace(/\s+/g, ' ')).toMatch(
      /5,002 skipped \(5,002 no usage recorded for 2026-10\), 40 already up to date not listed \(--all lists every row/,
    );
  });

  it('a real run says what stopped being billed and on which configuration', () => {
    const out = renderSummary(bigRun(false), display(120));
    expect(out).toMatch(
      /Account acme: 3 FAILED, 1 billing stopped \(retired\), 1 published, 40 already up to date, 5,002 skipped/,
    );
    expect(out).toMatch(/^p-2 .*billing stopped \(retired\): its mapping is disabled \(configuration 812\)$/m);
    expect(out).toMatch(/^p-1 .*published 12.5 GB$/m);
  });

  it('--all lists every client; --status lists only those', () => {
    expect(
      renderSummary(bigRun(true), display(100), statusesToList({ all: true }, CLIENT_STATUS_NAMES, [])).split('\n')
        .length,
    ).toBeGreaterThan(5045);
    const failedOnly = renderSummary(
      bigRun(true),
      display(100),
      statusesToList({ status: ['failed'] }, CLIENT_STATUS_NAMES, []),
    );
    expect(failedOnly).not.toMatch(/^p-1/m);
    expect(failedOnly).toMatch(/^z-last/m);
    expect(() => statusesToList({ status: ['oops'] }, CLIENT_STATUS_NAMES, [])).toThrow(
      /--status oops: not a status \(use published, unchanged, retired, skipped, failed, planned\)/,
    );
  });

  it('colours outcomes only when colour is on', () => {
    expect(renderSummary(bigRun(true), display(100, true))).toContain('\u001b[31m');
    // eslint-disable-next-line no-control-regex
    expect(renderSummary(bigRun(true), display(100))).not.toMatch(/\u001b\[/);
  });

  it('names an account-level error and the sync reason', () => {
    const summary: RunSummary = {
      runId: 'r',
      period: '2026-10',
      dryRun: false,
      accounts: [
        account([], {
          error: 'secret cw/acme: field privateKey is missing',
          sync: 'failed',
          syncReason: 'ConnectWise answered 500',
        }),
      ],
    };
    const out = renderSummary(summary, display(100));
    expect(out).toMatch(/sync failed \(ConnectWise answered 500\)/);
    expect(out).toMatch(/^error: secret cw\/acme: field privateKey is missing$/m);
  });

  it.each<[ClientResult, string]>([
    [{ clientId: 'c', managedId: 'm', status: 'unchanged', billableSpaceGb: 3 }, 'already up to date (3 GB)'],
    [
      { clientId: 'c', managedId: 'm', status: 'published', billableSpaceGb: 3, retiredConfigurationIds: [7] },
      'published 3 GB; billing stopped on the old (configuration 7)',
    ],
    [
      {
        clientId: 'c',
        managedId: 'm',
        status: 'retired',
        reason: 'billing stopped: it has no usage for the period',
        retiredConfigurationIds: [7, 8],
      },
      'billing stopped (retired): it has no usage for the period (configurations 7, 8)',
    ],
    [
      {
        clientId: 'c',
        managedId: 'm',
        status: 'planned',
        action: 'retire',
        reason: 'would stop billing: its mapping was removed',
      },
      'would STOP billing: its mapping was removed',
    ],
    [{ clientId: 'c', managedId: 'm', status: 'skipped', reason: 'no usage' }, 'skipped: no usage'],
  ])('outcome of %p reads "%s"', (result, words) => {
    expect(outcomeWords(result)).toBe(words);
  });
});

describe('Function: renderSummary (held retirements)', () => {
  const reason =
    "retirement held: 2000 of the account's 2400 billed configurations have no usage for 2026-10 (more than 480 " +
    'at once), which usually means the metering is incomplete; nothing was changed for this client. Fix the usage ' +
    'data and publish again, or, if these clients really stopped, re-run with --allow-mass-retire (allowMassRetire: true)';
  const results: ClientResult[] = [
    ...Array.from({ length: 2000 }, (_, i): ClientResult => ({
      clientId: `held-${i}`,
      managedId: `M-${i}`,
      status: 'failed',
      reason,
    })),
    { clientId: 'broken', managedId: 'M-X', status: 'failed', reason: 'Managed ID "M-X" is not on any company' },
  ];
  const run: RunSummary = { runId: 'r1', period: '2026-10', dryRun: false, accounts: [account(results)] };

  it('says it once per account and folds the held clients, listing the other failures', () => {
    const out = renderSummary(run, display(100));
    const lines = out.split('\n');
    expect(lines.length).toBeLessThan(15);
    expect(out.match(/Retirement held for 2,000 clients/g)).toHaveLength(1);
    expect(out).toMatch(/--allow-mass-retire/);
    expect(out).not.toMatch(/held-\d/);
    expect(out).toMatch(/^broken\s/m);
    expect(out).toMatch(
      /2,000 held retirements not listed \(--all lists every row; --status failed lists only those\)/,
    );
    for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(100);
  });

  it('lists the held clients, shortly, when asked (--all, --status failed)', () => {
    const out = renderSummary(run, display(200), statusesToList({ all: true }, CLIENT_STATUS_NAMES, []), true);
    expect(out.match(/retirement held \(see the account's message\)/g)).toHaveLength(2000);
    expect(out.match(/Retirement held for 2,000 clients/g)).toHaveLength(1);
  });
});
