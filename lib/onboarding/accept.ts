import pLimit from 'p-limit';
import type { Agreement, ManagementBackup, ManagementEntry, ManagementItSolution } from '../connectwise/types.js';
import { ConnectWiseHttpError, ConnectWiseNetworkError, ConnectWiseResponseError, describeError } from '../errors.js';
import { mappingItemSchema } from '../records/mapping.js';
import { MAX_IDENTIFIER_LENGTH, formatProblems, validate } from '../input/schemas.js';
import { isOurSolution } from '../publisher/resolution.js';
import type { Mapping } from '../publisher/ports/index.js';
import type {
  AcceptDeps,
  AcceptInput,
  AcceptOutcome,
  AcceptReport,
  OnboardingConnection,
  Suggestion,
  SuggestionReport,
} from './ports.js';
import { lookForSuggestions, type Look } from './suggest.js';

/** Companies written at once (the ConnectWise client paces and bounds the requests themselves). */
const COMPANIES_AT_ONCE = 4;

type Exact = Suggestion & Required<Pick<Suggestion, 'company' | 'managedId' | 'action'>>;

/**
 * `cwpub mappings suggest --accept` (contract v3): applies the `exact` suggestions. For `create`, POSTs
 * the company's Management tab entry (once per company), then writes each client's mapping — only
 * where the client has none. Existing mappings and Management tab entries are never changed. A
 * ConnectWise error on one entry fails that company's clients only, with the reason.
 */
export async function acceptSuggestions(deps: AcceptDeps, input: AcceptInput): Promise<AcceptReport> {
  const look = await lookForSuggestions(deps, input);
  const { outcomes, todo } = selectWork(look.report, input);
  const byCompany = groupByCompany(todo);
  const plan = {
    suggestions: todo.map((t) => t.suggestion),
    entriesToCreate: [...byCompany.values()].filter((g) => g[0]!.suggestion.action === 'create').length,
    mappingsToWrite: todo.length,
  };
  const confirmed = todo.length === 0 || !input.confirm || (await input.confirm(plan));
  if (confirmed) outcomes.push(...(await writeAll(deps, look, byCompany)));
  outcomes.sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  const count = (status: AcceptOutcome['status']) => outcomes.filter((o) => o.status === status).length;
  return {
    accountId: input.account.accountId,
    period: look.report.period,
    confirmed,
    accepted: count('accepted'),
    failed: count('failed'),
    skipped: count('skipped'),
    entriesCreated: new Set(outcomes.filter((o) => o.entry === 'created').map((o) => o.entryId)).size,
    mappingsWritten: outcomes.filter((o) => o.mapping === 'written').length,
    outcomes,
    requests: look.connection.requestCount(),
  };
}

type Work = { suggestion: Exact; mapping: Mapping };

/** The exact suggestions to apply (of the named clients, when named); a named client that cannot be accepted fails. */
function selectWork(report: SuggestionReport, input: AcceptInput): { outcomes: AcceptOutcome[]; todo: Work[] } {
  const wanted = input.clientIds === undefined ? undefined : new Set(input.clientIds);
  const outcomes: AcceptOutcome[] = [];
  const todo: Work[] = [];
  for (const s of report.suggestions) {
    if (wanted && !wanted.has(s.clientId)) continue;
    if (!isExact(s)) {
      if (wanted) outcomes.push(notAcceptable(s));
      continue;
    }
    const mapping = mappingOf(input.account.accountId, s);
    if ('problem' in mapping) outcomes.push({ ...outcomeBase(s), status: 'failed', reason: mapping.problem });
    else todo.push({ suggestion: s, mapping });
  }
  for (const clientId of wanted ?? []) {
    if (!report.suggestions.some((s) => s.clientId === clientId))
      outcomes.push({
        clientId,
        clientName: null,
        status: 'failed',
        mapping: 'not-written',
        reason: `client ${clientId} is not an unmapped client with usage for ${report.period} (it has a mapping, or no usage)`,
      });
  }
  return { outcomes, todo };
}

/** Every company's writes, a few companies at a time. */
async function writeAll(
  deps: AcceptDeps,
  look: Look,
  byCompany: ReadonlyMap<number, readonly Work[]>,
): Promise<AcceptOutcome[]> {
  const createIds = [...byCompany.values()]
    .filter((g) => g[0]!.suggestion.action === 'create')
    .map((g) => g[0]!.suggestion.company.id);
  let billing: Promise<BillingFacts> | undefined;
  const writer: Writer = {
    connection: look.connection,
    solution: look.solution,
    // One bulk read for every company that gets an entry, started by the first that needs it.
    billing: () =>
      (billing ??= Promise.all([
        look.connection.listAgreementsOfCompanies(createIds),
        look.connection.listManagementBackups(),
      ]).then(([agreements, backups]) => ({ agreements, backups }))),
  };
  const limit = pLimit(COMPANIES_AT_ONCE);
  const done = await Promise.all(
    [...byCompany.values()].map((group) => limit(() => acceptCompany(deps, writer, group))),
  );
  return done.flat();
}

function isExact(s: Suggestion): s is Exact {
  return s.match === 'exact' && s.company !== undefined && s.managedId !== undefined && s.action !== undefined;
}

function notAcceptable(s: Suggestion): AcceptOutcome {
  const why =
    s.match === 'ambiguous'
      ? `its match is ambiguous (${s.reason ?? 'several companies'}): map it with cwpub mappings put`
      : 'no company has its name: map it with cwpub mappings put';
  return { clientId: s.clientId, clientName: s.clientName, status: 'failed', mapping: 'not-written', reason: why };
}

function outcomeBase(s: Exact): Omit<AcceptOutcome, 'status'> {
  return {
    clientId: s.clientId,
    clientName: s.clientName,
    company: s.company,
    managedId: s.managedId,
    action: s.action,
    mapping: 'not-written',
  };
}

/** The mapping accept writes, validated like every other write path (a name is cut to the mapping's limit). */
function mappingOf(accountId: string, s: Exact): Mapping | { problem: string } {
  const name = s.clientName === null ? undefined : [...s.clientName].slice(0, MAX_IDENTIFIER_LENGTH).join('').trim();
  const candidate = {
    accountId,
    clientId: s.clientId,
    managedId: s.managedId,
    enabled: true,
    ...(name ? { clientName: name } : {}),
  };
  const result = validate(mappingItemSchema, candidate);
  if (!result.ok) return { problem: `the mapping would be invalid: ${formatProblems(result.problems)}` };
  return { ...result.value, enabled: true };
}

function groupByCompany(todo: readonly Work[]): Map<number, Work[]> {
  const groups = new Map<number, Work[]>();
  for (const t of todo) groups.set(t.suggestion.company.id, [...(groups.get(t.suggestion.company.id) ?? []), t]);
  return groups;
}

/** The agreements of the companies that get an entry, and the Management Backup setups (which types bill). */
interface BillingFacts {
  readonly agreements: readonly Agreement[];
  readonly backups: readonly ManagementBackup[];
}

/** What creating entries shares: the connection, the solution, the billing facts (read once, in bulk). */
interface Writer {
  readonly connection: OnboardingConnection;
  readonly solution: ManagementItSolution;
  readonly billing: () => Promise<BillingFacts>;
}

/** One company: its entry (created when needed), then its clients' mappings. */
async function acceptCompany(deps: AcceptDeps, writer: Writer, group: readonly Work[]): Promise<AcceptOutcome[]> {
  const first = group[0]!.suggestion;
  let entry: Pick<AcceptOutcome, 'entry' | 'entryId' | 'agreement' | 'note'> = { entry: 'existing' };
  if (first.action === 'create') {
    const created = await createEntry(writer, first);
    if ('error' in created)
      return group.map(({ suggestion }) => ({ ...outcomeBase(suggestion), status: 'failed', reason: created.error }));
    entry = { entry: 'created', entryId: created.entry.id, ...created.billing };
  }
  const outcomes: AcceptOutcome[] = [];
  for (const { suggestion, mapping } of group) {
    outcomes.push(await writeMapping(deps, mapping, { ...outcomeBase(suggestion), ...entry }));
  }
  return outcomes;
}

/** A table error fails this client (named), not the accept: every other client's outcome is still reported. */
async function writeMapping(
  deps: AcceptDeps,
  mapping: Mapping,
  base: Omit<AcceptOutcome, 'status'>,
): Promise<AcceptOutcome> {
  try {
    if (await deps.mappingCreator.createIfAbsent(mapping)) return { ...base, status: 'accepted', mapping: 'written' };
    return {
      ...base,
      status: 'skipped',
      reason: 'a mapping for this client was written meanwhile; it was left as it is',
    };
  } catch (error) {
    return { ...base, status: 'failed', reason: `the mapping was not written: ${describeError(error)}` };
  }
}

/**
 * POSTs the entry, with the company's default agreement when exactly one qualifies. A POST is never
 * repeated blindly: when its answer is lost (network, 5xx, unreadable body) the company's tab is read
 * back and an entry of ours with the Managed ID counts as created.
 */
async function createEntry(
  writer: Writer,
  s: Exact,
): Promise<{ entry: ManagementEntry; billing: Pick<AcceptOutcome, 'agreement' | 'note'> } | { error: string }> {
  const where = `Management tab entry "${s.managedId}" on company ${s.company.identifier} (#${s.company.id})`;
  let billing: Awaited<ReturnType<typeof chooseAgreement>>;
  try {
    billing = await chooseAgreement(writer, s.company.id);
  } catch (error) {
    return { error: `${where} not created: reading the company's agreements failed: ${describeError(error)}` };
  }
  const body = {
    groupIdentifier: s.managedId,
    managementSolution: { id: writer.solution.id },
    deviceType: 'BackupStats' as const,
    ...(billing.agreement ? { agreement: { id: billing.agreement.id } } : {}),
  };
  try {
    return { entry: await writer.connection.createManagementEntry(s.company.id, body), billing };
  } catch (error) {
    if (!uncertain(error)) return { error: `${where} not created: ${describeError(error)}` };
    try {
      const landed = (await writer.connection.listManagementEntries(s.company.id)).find(
        (e) => e.groupIdentifier === s.managedId && isOurSolution(e, writer.solution),
      );
      if (landed) return { entry: landed, billing };
      return { error: `${where} not created: ${describeError(error)}` };
    } catch (readError) {
      return {
        error: `${where} may or may not exist (${describeError(error)}; reading it back failed: ${describeError(readError)})`,
      };
    }
  }
}

/**
 * The default agreement for a new entry: the company's only Active agreement whose type has a
 * Management Backup setup (what the sync bills on). None or several: the entry gets none, and the
 * outcome says to pick one, as `cwpub doctor` would.
 */
async function chooseAgreement(writer: Writer, companyId: number): Promise<Pick<AcceptOutcome, 'agreement' | 'note'>> {
  const { agreements, backups } = await writer.billing();
  const billable = new Set(backups.map((b) => b.type?.id).filter((id) => id !== undefined));
  const fit = agreements.filter(
    (a) => a.company?.id === companyId && a.agreementStatus === 'Active' && a.type && billable.has(a.type.id),
  );
  if (fit.length === 1) return { agreement: { id: fit[0]!.id, name: fit[0]!.name } };
  const why =
    fit.length === 0 ? 'the company has no Active agreement' : `the company has ${fit.length} Active agreements`;
  return {
    note:
      `no default agreement set (${why} of a type with a Management Backup setup): pick one on the ` +
      'Management tab entry, or the sync bills nothing for it',
  };
}

function uncertain(error: unknown): boolean {
  return (
    error instanceof ConnectWiseNetworkError ||
    error instanceof ConnectWiseResponseError ||
    (error instanceof ConnectWiseHttpError && error.status >= 500)
  );
}
