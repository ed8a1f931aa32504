import type { Account } from '../../lib/publisher/ports/index.js';
import type { PageModel } from '../../lib/ui/page-model.js';
import { renderPage } from '../../lib/ui/render.js';

const account: Account = {
  accountId: 'acme',
  secretId: 'cw/acme',
  managementItName: 'Backup Cloud',
  enabled: true,
  configurationTypeName: 'Backup Stats',
  maxBillableSpaceGb: 1_000_000,
  requestsPerMinute: 600,
};

function model(over: Partial<PageModel> = {}): PageModel {
  const rows = [
    {
      clientId: 'c"1<x>',
      name: '<script>alert(1)</script>',
      gb: 12,
      mapping: { accountId: 'acme', clientId: 'c"1<x>', managedId: 'M&"1', enabled: true },
    },
  ];
  return {
    accounts: ['acme', 'other'],
    account,
    period: '2026-10',
    periods: ['2026-10', '2026-09'],
    site: 'https://api-na.myconnectwise.net',
    counts: { clients: 1, mapped: 1, unmapped: 0, suggested: 0 },
    matching: rows,
    rows,
    q: '"><img src=x>',
    page: 1,
    pageCount: 1,
    suggestions: { state: 'ready', report: { accountId: 'acme', period: '2026-10', suggestions: [] } },
    ...over,
  };
}

const render = async (m: PageModel, extras = {}) => String(await renderPage(m, extras));

describe('renderPage', () => {
  it('escapes every stored or typed value (names, ids, Managed IDs, the search)', async () => {
    const page = await render(model());
    expect(page).not.toContain('<script>alert');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('"><img');
    expect(page).toContain('data-client-id="c&quot;1&lt;x&gt;"');
    expect(page).toContain('value="M&amp;&quot;1"');
  });

  it('names the controls as the contract says and has one alert and one status region', async () => {
    const page = await render(model());
    expect(page).toContain('aria-label="Publish c&quot;1&lt;x&gt;"');
    expect(page).toContain('aria-label="Managed ID for c&quot;1&lt;x&gt;"');
    expect(page.match(/role="alert"/g)).toHaveLength(1);
    expect(page.match(/role="status"/g)).toHaveLength(1);
    expect(page).toMatch(/<label for="account"\s*>Account<select id="account"/);
    expect(page).toMatch(/<label for="period"\s*>Period<select id="period"/);
    expect(page).toContain('Search clients');
  });

  it('marks a bad box invalid and ties the message to it', async () => {
    const page = await render(model(), {
      alert: 'Nothing was saved',
      problems: new Map([['c"1<x>', { field: 'managedId', message: 'Managed ID must not be empty' }]]),
    });
    expect(page).toMatch(/aria-invalid="true"\s+aria-describedby="error-0"/);
    expect(page).toMatch(/id="error-0"[^>]*>Managed ID must not be empty</);
  });

  it('shows usage, Included GB and billed GB, and bills nothing for an unpublished or unmapped client', async () => {
    const rows = [
      {
        clientId: 'plan',
        gb: 300,
        billedGb: 50,
        mapping: { accountId: 'acme', clientId: 'plan', managedId: 'M', enabled: true, includedGb: 250 },
      },
      {
        clientId: 'off',
        gb: 12,
        billedGb: 12,
        mapping: { accountId: 'acme', clientId: 'off', managedId: 'M', enabled: false },
      },
      { clientId: 'new', gb: 7 },
    ];
    const page = await render(model({ rows, matching: rows }));
    expect(page).toMatch(/Usage GB<\/th>[\s\S]*Managed ID<\/th>[\s\S]*Included GB<\/th>[\s\S]*Billed GB<\/th>/);
    const cells = (id: string) => page.slice(page.indexOf(`data-client-id="${id}"`)).split('</tr>')[0]!;
    expect(cells('plan')).toMatch(
      /usage-gb">300<[\s\S]*value="250"[\s\S]*aria-label="Included GB for plan"[\s\S]*billed-gb">50</,
    );
    expect(cells('off')).toMatch(/billed-gb"><span class="muted">not published</);
    expect(cells('new')).toMatch(/billed-gb"><span class="muted">not mapped</);
  });

  it('offers no Account picker when there is one account', async () => {
    const page = await render(model({ accounts: ['acme'] }));
    expect(page).not.toMatch(/<label for="account"/);
    expect(page).toContain('name="account" value="acme"');
  });
});
