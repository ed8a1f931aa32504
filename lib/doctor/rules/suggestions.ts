import { buildSuggestions } from '../../onboarding/suggest.js';
import { warn, type Rule } from '../runner.js';
import { need, type DoctorContext } from '../types.js';

/** How many client ids the note names before "…". */
const NAMED = 5;

/**
 * A note, not a failure: clients with usage for the month and no mapping whose name matches exactly one
 * company (contract v3 onboarding). Reuses the Management tabs the `managedIds` check read; otherwise
 * lists the companies and reads only the matching companies' tabs. No row when there is nothing to say.
 */
export const suggestions: Rule<DoctorContext> = {
  id: 'suggestions',
  title: 'Unmapped clients',
  docs: {
    checks: 'a note (never a failure) naming unmapped clients with usage whose name matches exactly one company',
    fixIn: '`cwpub mappings suggest` (then `--accept`), or `cwpub mappings put`',
  },
  dependsOn: ['table:usage', 'mappings', 'solution'],
  after: ['managedIds'],
  async run(ctx) {
    const account = need(ctx.facts.account, 'the account');
    const all = need(ctx.facts.mappings, 'the mappings');
    const mapped = new Set([...all.items.map((m) => m.clientId), ...all.invalid.map((i) => i.key.clientId)]);
    const usage = await ctx.deps.usage.listByPeriod(account.accountId, ctx.period);
    const clients = usage.items
      .filter((u) => !mapped.has(u.clientId))
      .map((u) => ({ clientId: u.clientId, clientName: u.clientName ?? null }));
    if (!clients.some((c) => c.clientName)) return [];
    const cw = need(ctx.facts.connectWise, 'the ConnectWise connection');
    const tab = ctx.facts.tab;
    const found = await buildSuggestions({
      clients,
      companies: tab?.companies ?? (await cw.listCompanies()),
      solution: need(ctx.facts.solution, 'the Management IT solution'),
      readTab: async (companyId) =>
        tab
          ? tab.entries.filter((e) => e.company.id === companyId).map((e) => e.entry)
          : cw.listManagementEntries(companyId),
    });
    const exact = found.filter((s) => s.match === 'exact').map((s) => s.clientId);
    if (exact.length === 0) return [];
    return warn(
      `${exact.length} of ${clients.length} unmapped client(s) with usage for ${ctx.period.key} match exactly one ` +
        `company by name (${exact.slice(0, NAMED).join(', ')}${exact.length > NAMED ? ', …' : ''}); their usage is not billed`,
      `run \`cwpub mappings suggest --account ${account.accountId}\` to review them and accept`,
    );
  },
};
