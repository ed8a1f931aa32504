import { formatGb } from '../cli/listing.js';
import { applyImport } from '../imports/apply-import.js';
import { summarizePlan, type ImportChange } from '../imports/import-plan.js';
import type { Account, Mapping } from '../publisher/ports/index.js';
import { checkRow, isEdited, type PageField, type RowInput } from './fields.js';
import type { AcceptOutcome } from './onboarding.js';
import { loadRows } from './page-model.js';
import type { PageDeps } from './page-deps.js';

export interface SaveRequest {
  readonly account: Account;
  readonly period: string;
  readonly rows: readonly RowInput[];
  /** Clients whose `exact` suggestion the person accepted. */
  readonly accept: readonly string[];
  readonly acceptAll: boolean;
}

export interface RowProblem {
  readonly field: PageField['key'];
  readonly message: string;
}

export type SaveResult =
  | { readonly ok: true; readonly message: string; readonly written: number; readonly accepted: AcceptOutcome[] }
  | { readonly ok: false; readonly message: string; readonly problems: ReadonlyMap<string, RowProblem> };

/**
 * Save (contract v3): every edited row at once, or nothing. Each edited row is checked like every
 * other mapping write; one bad row writes nothing at all. Accepted suggestions are applied first
 * (they may need a Management tab entry in ConnectWise), then the edited mappings in one import
 * that rolls itself back when a write fails.
 */
export async function saveRows(deps: PageDeps, request: SaveRequest): Promise<SaveResult> {
  const accountId = request.account.accountId;
  const known = new Map((await loadRows(deps, request.account, request.period)).map((r) => [r.clientId, r]));
  let accept = [...new Set(request.accept)];
  if (request.acceptAll) {
    const report = await deps.onboarding.suggest(accountId, request.period);
    accept = [...new Set([...accept, ...report.suggestions.filter((s) => s.match === 'exact').map((s) => s.clientId)])];
  }
  const accepting = new Set(accept);
  const problems = new Map<string, RowProblem>();
  const changes: ImportChange<Mapping>[] = [];
  request.rows.forEach((row, index) => {
    if (accepting.has(row.clientId) || !isEdited(row)) return;
    const stored = known.get(row.clientId);
    if (!stored) {
      problems.set(row.clientId, { field: 'managedId', message: 'this client is not in the account for this period' });
      return;
    }
    const checked = checkRow(accountId, row, stored.mapping, stored.name);
    if (!checked.ok) {
      problems.set(row.clientId, { field: checked.field, message: checked.message });
      return;
    }
    changes.push({
      row: index + 1,
      key: row.clientId,
      action: stored.mapping ? 'changed' : 'new',
      changes: [],
      item: checked.mapping,
      ...(stored.mapping ? { previous: stored.mapping } : {}),
      ...(stored.invalidMapping ? { replacesInvalid: stored.invalidMapping } : {}),
    });
  });
  if (problems.size > 0) {
    const n = problems.size;
    return {
      ok: false,
      problems,
      message: `Nothing was saved: ${n} row${n === 1 ? ' has' : 's have'} a problem (${[...problems.keys()].slice(0, 5).join(', ')}${n > 5 ? ', …' : ''}). Fix ${n === 1 ? 'it' : 'them'} and save again.`,
    };
  }
  const accepted = accept.length ? await deps.onboarding.accept(accountId, request.period, accept) : [];
  const written = await applyImport(summarizePlan(changes), {
    table: deps.mappings.table,
    putMany: (items) => deps.mappings.putMany(items),
    removeMany: async (items) => {
      for (const m of items) await deps.mappings.remove(m.accountId, m.clientId);
    },
  });
  return { ok: true, written, accepted, message: savedMessage(changes, accepted) };
}

function savedMessage(changes: readonly ImportChange<Mapping>[], accepted: readonly AcceptOutcome[]): string {
  const parts: string[] = [];
  if (changes.length)
    parts.push(
      `Saved ${changes.length} mapping${changes.length === 1 ? '' : 's'}: ` +
        changes
          .map((c) => `${c.key} → ${c.item.managedId}${included(c.item)}${c.item.enabled ? '' : ' (not published)'}`)
          .join(', '),
    );
  const ok = accepted.filter((a) => a.status === 'accepted');
  if (ok.length)
    parts.push(
      `Accepted ${ok.length} suggestion${ok.length === 1 ? '' : 's'}: ` +
        ok
          .map((a) => `${a.clientId} → ${a.managedId}${a.action === 'create' ? ' (Management tab entry created)' : ''}`)
          .join(', '),
    );
  const failed = accepted.filter((a) => a.status === 'failed');
  if (failed.length) parts.push(`Not accepted: ${failed.map((a) => `${a.clientId} (${a.reason})`).join(', ')}`);
  return parts.length ? `${parts.join('. ')}.` : 'Nothing to save: no row was changed.';
}

const included = (m: Mapping): string => (m.includedGb ? `, ${formatGb(m.includedGb)} GB included` : '');
