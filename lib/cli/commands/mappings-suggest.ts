import { Option, type Command } from 'commander';
import { InputValidationError } from '../../errors.js';
import { acceptSuggestions } from '../../onboarding/accept.js';
import type { AcceptOutcome, AcceptPlan, AcceptReport, Suggestion, SuggestionReport } from '../../onboarding/ports.js';
import { suggestMappings } from '../../onboarding/suggest.js';
import { createOnboardingDeps } from '../../onboarding/wiring.js';
import { requireValidAccount, selectAccount } from '../select-account.js';
import { renderColumns, type Column } from '../columns.js';
import { EXIT, type CliContext } from '../context.js';
import { keyArgument } from '../keys.js';
import { count, plural, wrapText } from '../listing.js';
import type { Display } from '../terminal.js';
import { accountOption, periodOf, periodOption } from './ops-common.js';

interface SuggestOptions {
  account?: string;
  period?: string;
  json?: boolean;
  all?: boolean;
  accept?: boolean;
  client?: string[];
  yes?: boolean;
}

const ACTION_WORDS: Record<string, string> = { 'use-existing': 'use existing entry', create: 'create entry' };

/** `cwpub mappings suggest`: each unmapped client's company and Managed ID (contract v3); `--accept` applies them. */
export function registerMappingsSuggest(mappings: Command, ctx: CliContext, setExit: (code: number) => void): void {
  mappings
    .command('suggest')
    .description(
      "suggest a company and Managed ID for each client with usage and no mapping, by the company's name; " +
        'writes nothing unless --accept (which asks first)',
    )
    .addOption(accountOption())
    .addOption(periodOption('the month whose usage names the unmapped clients (default: last month, UTC)'))
    .option('--json', 'print the suggestions (or, with --accept, the outcomes) as JSON on stdout')
    .option('--all', 'list the ambiguous clients and those without a match too (with look-alike companies)')
    .option(
      '--accept',
      'apply the exact suggestions: create the missing Management tab entries in ConnectWise, then write ' +
        'the mappings; existing mappings and entries are never changed',
    )
    .addOption(
      new Option('--client <id>', 'only this client (repeatable)').argParser(
        (value: string, previous: string[] = []) => [...previous, keyArgument('--client')(value)],
      ),
    )
    .option('-y, --yes', 'with --accept: do not ask (for scripts; without a terminal --accept needs it)')
    .action(async (options: SuggestOptions) => {
      if (options.yes && !options.accept)
        throw new InputValidationError('--yes only goes with --accept', { field: '--yes' });
      const period = periodOf(options.period, ctx);
      const repos = await ctx.repositories();
      const account = requireValidAccount(await selectAccount(repos.accounts, options.account));
      const { config, clients } = await ctx.settings();
      const deps = createOnboardingDeps(config, clients, ctx.logger, { progress: ctx.progress(options.json) });
      const clientIds = options.client?.length ? options.client : undefined;
      if (!options.accept) {
        const report = await suggestMappings(deps, { account, period });
        const shown = clientIds ? onlyClients(report, clientIds) : report;
        if (options.json) ctx.json(shown);
        else ctx.out(renderSuggestions(shown, ctx.display, options.all ?? false));
        return;
      }
      const report = await acceptSuggestions(deps, {
        account,
        period,
        clientIds,
        confirm: async (plan) => {
          if (!options.json) ctx.out(renderPlan(plan, account.accountId, ctx.display));
          await ctx.confirm(confirmQuestion(plan, account.accountId), {
            yes: options.yes,
            refusal: 'refusing to create Management tab entries and mappings',
          });
          return true;
        },
      });
      if (options.json) ctx.json(report);
      else ctx.out(renderAccepted(report, ctx.display));
      setExit(report.failed > 0 ? EXIT.problems : EXIT.ok);
    });
}

function onlyClients(report: SuggestionReport, clientIds: readonly string[]): SuggestionReport {
  const wanted = new Set(clientIds);
  return { ...report, suggestions: report.suggestions.filter((s) => wanted.has(s.clientId)) };
}

export function confirmQuestion(plan: AcceptPlan, accountId: string): string {
  return (
    `Create ${plural(plan.entriesToCreate, 'Management tab entry', 'Management tab entries')} in ConnectWise ` +
    `and write ${plural(plan.mappingsToWrite, 'mapping')} in account ${accountId}?`
  );
}

const by = (report: SuggestionReport, match: Suggestion['match']) =>
  report.suggestions.filter((s) => s.match === match);

/** Counts first, then the exact ones; ambiguous and unmatched clients are counted unless --all. */
export function renderSuggestions(report: SuggestionReport, display: Display, all: boolean): string {
  const exact = by(report, 'exact');
  const ambiguous = by(report, 'ambiguous');
  const none = by(report, 'none');
  const creates = exact.filter((s) => s.action === 'create').length;
  const lines = [
    wrapText(
      `Account ${report.accountId}, ${report.period}: ${plural(report.suggestions.length, 'unmapped client')} with usage · ` +
        `${count(exact.length)} exact (${count(exact.length - creates)} with an existing Management tab entry, ` +
        `${count(creates)} needing one) · ${count(ambiguous.length)} ambiguous · ${count(none.length)} without a match`,
      display,
    ),
  ];
  if (exact.length > 0) lines.push('', `Exact matches (${count(exact.length)}):`, exactTable(exact, display));
  if (all && ambiguous.length > 0) {
    lines.push('', `Ambiguous (${count(ambiguous.length)}), none suggested:`);
    lines.push(otherTable(ambiguous, 'COMPANIES', display));
  }
  if (all && none.length > 0) {
    lines.push('', `Without a match (${count(none.length)}); look-alikes, never suggested:`);
    lines.push(otherTable(none, 'LOOK-ALIKES', display));
  }
  const folded = [
    ambiguous.length ? `${count(ambiguous.length)} ambiguous` : '',
    none.length ? `${count(none.length)} without a match` : '',
  ].filter(Boolean);
  if (!all && folded.length > 0)
    lines.push('', wrapText(`${folded.join(', ')} not listed (--all lists them, with look-alike companies)`, display));
  if (exact.length > 0)
    lines.push(
      '',
      wrapText(
        `Nothing was written. To accept the exact ones: cwpub mappings suggest --account ${report.accountId} --accept ` +
          `(creates ${plural(creates, 'Management tab entry', 'Management tab entries')}, ` +
          `writes ${plural(exact.length, 'mapping')}; asks first)`,
        display,
      ),
    );
  return lines.join('\n');
}

function exactTable(rows: readonly Suggestion[], display: Display): string {
  const columns: Column<Suggestion>[] = [
    { header: 'CLIENT', value: (s) => s.clientId, fit: 'truncate', minWidth: 10 },
    { header: 'NAME', value: (s) => s.clientName, fit: 'truncate', minWidth: 12 },
    { header: 'COMPANY', value: (s) => s.company && `${s.company.identifier} (#${s.company.id})`, fit: 'truncate' },
    { header: 'MANAGED ID', value: (s) => s.managedId, fit: 'truncate', minWidth: 12 },
    {
      header: 'ACTION',
      value: (s) => ACTION_WORDS[s.action ?? ''] ?? '',
      style: (t, s, c) => (s.action === 'create' ? c.yellow(t) : t),
    },
  ];
  return renderColumns(columns, rows, display);
}

function otherTable(rows: readonly Suggestion[], header: string, display: Display): string {
  const columns: Column<Suggestion>[] = [
    { header: 'CLIENT', value: (s) => s.clientId, fit: 'truncate', minWidth: 10 },
    { header: 'NAME', value: (s) => s.clientName, fit: 'truncate', minWidth: 12 },
    {
      header,
      value: (s) =>
        [s.candidates.map((c) => `${c.name} (${c.identifier})`).join('; ') || '–', s.reason].filter(Boolean).join(': '),
      fit: 'wrap',
      minWidth: 30,
    },
  ];
  return renderColumns(columns, rows, display);
}

function renderPlan(plan: AcceptPlan, accountId: string, display: Display): string {
  if (plan.suggestions.length === 0) return `Account ${accountId}: no exact suggestion to accept.`;
  return [`To accept (${count(plan.suggestions.length)}):`, exactTable(plan.suggestions, display)].join('\n');
}

const RESULT_WORDS: Record<AcceptOutcome['status'], (o: AcceptOutcome) => string> = {
  accepted: (o) =>
    (o.entry === 'created'
      ? `entry created${o.agreement ? ` (agreement ${o.agreement.name})` : ''}, mapping written`
      : 'existing entry used, mapping written') + (o.note ? `; ${o.note}` : ''),
  skipped: (o) => `skipped: ${o.reason ?? ''}`,
  failed: (o) => `FAILED: ${o.reason ?? ''}`,
};

export function renderAccepted(report: AcceptReport, display: Display): string {
  const head =
    `Account ${report.accountId}, ${report.period}: ${count(report.accepted)} accepted ` +
    `(${plural(report.entriesCreated, 'Management tab entry', 'Management tab entries')} created, ` +
    `${plural(report.mappingsWritten, 'mapping')} written)` +
    `${report.skipped ? `, ${count(report.skipped)} skipped` : ''}${report.failed ? `, ${count(report.failed)} failed` : ''}.`;
  const lines = [wrapText(head, display)];
  if (report.outcomes.length > 0)
    lines.push(
      renderColumns<AcceptOutcome>(
        [
          { header: 'CLIENT', value: (o) => o.clientId, fit: 'truncate', minWidth: 10 },
          { header: 'COMPANY', value: (o) => o.company?.identifier, fit: 'truncate' },
          { header: 'MANAGED ID', value: (o) => o.managedId, fit: 'truncate', minWidth: 12 },
          {
            header: 'RESULT',
            value: (o) => RESULT_WORDS[o.status](o),
            fit: 'wrap',
            minWidth: 30,
            style: (t, o, c) => (o.status === 'failed' ? c.red(t) : o.status === 'skipped' ? c.yellow(t) : t),
          },
        ],
        report.outcomes,
        display,
      ),
    );
  if (report.failed > 0)
    lines.push(wrapText('The failed clients have no mapping; fix the cause and accept again.', display));
  return lines.join('\n');
}
