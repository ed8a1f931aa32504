import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { outcomeWords } from '../cli/commands/publish.js';
import { formatGb } from '../cli/listing.js';
import type { AccountSummary, ClientResult, LedgerEntry } from '../publisher/ports/index.js';
import { includedGbText, PAGE_FIELDS, type PageFieldKey, type RowInput } from './fields.js';
import type { ClientRow, PageModel } from './page-model.js';
import { PAGE_SIZE } from './page-deps.js';
import { previewCounts, type PublishJob } from './publish-jobs.js';
import type { RowProblem } from './save-rows.js';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** What the page says besides the model: messages, a failed save's edits, a preview, a publish. */
export interface PageExtras {
  readonly notice?: string | undefined;
  readonly alert?: string | undefined;
  readonly problems?: ReadonlyMap<string, RowProblem> | undefined;
  /** A failed save's rows as the person left them (shown again, still unsaved). */
  readonly inputs?: ReadonlyMap<string, RowInput> | undefined;
  readonly preview?: AccountSummary | undefined;
  readonly job?: PublishJob | undefined;
}

export function pageQuery(model: Pick<PageModel, 'account' | 'period' | 'q'>, extra: Record<string, string> = {}) {
  const params = new URLSearchParams({
    ...(model.account ? { account: model.account.accountId } : {}),
    period: model.period,
    ...(model.q ? { q: model.q } : {}),
    ...extra,
  });
  return `/?${params.toString()}`;
}

export function renderPage(model: PageModel, extras: PageExtras = {}): Html {
  const refresh = extras.job?.state === 'running';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Publish Usage${model.account ? ` · ${model.account.accountId}` : ''}</title>
        <link rel="stylesheet" href="/assets/page.css" />
        ${refresh ? html`<noscript><meta http-equiv="refresh" content="2" /></noscript>` : ''}
        <script src="/assets/page.js" defer></script>
      </head>
      <body>
        <header><h1>Publish Usage</h1></header>
        <main>
          ${pickers(model)}
          <div role="alert" id="alert">${extras.alert ?? model.accountProblem ?? ''}</div>
          <div role="status" id="status">${extras.notice ?? ''}</div>
          ${model.account ? accountBody(model, extras) : ''}
        </main>
      </body>
    </html>`;
}

function pickers(model: PageModel): Html {
  return html`<form class="pickers" method="get" action="/">
    ${
      model.accounts.length > 1
        ? html`<label for="account"
            >Account<select id="account" name="account">
              ${model.accounts.map(
                (a) => html`<option ${a === model.account?.accountId ? 'selected' : ''}>${a}</option>`,
              )}
            </select></label
          >`
        : model.account
          ? html`<input type="hidden" name="account" value="${model.account.accountId}" />`
          : ''
    }
    <label for="period"
      >Period<select id="period" name="period">
        ${model.periods.map((p) => html`<option ${p === model.period ? 'selected' : ''}>${p}</option>`)}
      </select></label
    >
    <label for="q"
      >Search clients<input type="search" id="q" name="q" value="${model.q}" placeholder="client id or name"
    /></label>
    <button type="submit">Show</button>
  </form>`;
}

function accountBody(model: PageModel, extras: PageExtras): Html {
  const account = model.account!;
  const { counts } = model;
  return html`<dl class="facts" aria-label="Account">
      <div>
        <dt>Account</dt>
        <dd>${account.accountId}</dd>
      </div>
      <div>
        <dt>ConnectWise site</dt>
        <dd>${model.site ?? html`<span class="muted">${model.siteProblem ?? 'unknown'}</span>`}</dd>
      </div>
      <div>
        <dt>Management IT name</dt>
        <dd>${account.managementItName}</dd>
      </div>
      <div>
        <dt>Clients</dt>
        <dd id="count-clients">${counts.clients}</dd>
      </div>
      <div>
        <dt>Mapped</dt>
        <dd id="count-mapped">${counts.mapped}</dd>
      </div>
      <div>
        <dt>Unmapped</dt>
        <dd id="count-unmapped">${counts.unmapped}</dd>
      </div>
      <div>
        <dt>With a suggestion</dt>
        <dd id="count-suggested">${counts.suggested}</dd>
      </div>
    </dl>
    ${suggestionNote(model)} ${extras.preview ? previewPanel(model, extras.preview) : ''}
    ${extras.job ? jobPanel(extras.job) : ''}
    ${extras.preview || extras.job?.state === 'running' ? '' : publishForm(model)} ${rowsForm(model, extras)}`;
}

function publishForm(model: PageModel): Html {
  return html`<form method="post" action="/publish/preview" class="actions" aria-label="Publish">
    ${hiddenContext(model)}
    <button type="submit" class="primary">Publish</button>
    <span class="muted">Shows what would happen first; nothing is written before you confirm.</span>
  </form>`;
}

function hiddenContext(model: PageModel): Html {
  return html`<input type="hidden" name="account" value="${model.account!.accountId}" />
    <input type="hidden" name="period" value="${model.period}" />`;
}

function suggestionNote(model: PageModel): Html | string {
  const s = model.suggestions;
  if (s.state === 'pending') {
    const url = `/suggestions?${new URLSearchParams({ account: model.account!.accountId, period: model.period }).toString()}`;
    return html`<p class="muted" id="suggestions-pending" data-url="${url}">
      Looking up Managed-ID suggestions in ConnectWise… (reload to see them)
    </p>`;
  }
  if (s.state === 'failed') return html`<p class="muted">Suggestions are not available: ${s.error}</p>`;
  return '';
}

function previewPanel(model: PageModel, summary: AccountSummary): Html {
  const c = previewCounts(summary);
  return html`<section class="panel warn" aria-labelledby="preview-heading" id="preview">
    <h2 id="preview-heading">Publish preview: ${summary.accountId}, ${model.period}</h2>
    ${summary.error ? html`<p class="outcome-failed">${summary.error}</p>` : ''}
    <p>
      A dry run: nothing has been written. Confirming publishes the account as
      <code>cwpub publish --account ${summary.accountId} --period ${model.period}</code> would.
    </p>
    <dl class="facts">
      <div>
        <dt>Publish</dt>
        <dd id="preview-publish">${c.publish}</dd>
      </div>
      <div>
        <dt>Retire (stop billing)</dt>
        <dd id="preview-retire">${c.retire}</dd>
      </div>
      <div>
        <dt>Unchanged</dt>
        <dd id="preview-unchanged">${c.unchanged}</dd>
      </div>
      <div>
        <dt>Failed</dt>
        <dd id="preview-failed">${c.failed}</dd>
      </div>
      <div>
        <dt>Held retirements</dt>
        <dd id="preview-held">${c.held}</dd>
      </div>
    </dl>
    <form method="post" action="/publish" class="actions">
      ${hiddenContext(model)}
      <label><input type="checkbox" name="allowMassRetire" value="1" /> Allow mass retirement</label>
      <button type="submit" class="primary">Confirm publish</button>
      <a href="${pageQuery(model)}">Cancel</a>
    </form>
  </section>`;
}

function jobPanel(job: PublishJob): Html {
  if (job.state === 'running') {
    const { done, total } = job.progress;
    return html`<section
      class="panel"
      id="job"
      data-job-id="${job.id}"
      data-state="running"
      aria-labelledby="job-heading"
    >
      <h2 id="job-heading">Publishing ${job.accountId}, ${job.period}</h2>
      <progress
        id="job-progress"
        ${total > 0 ? html`max="${total}" value="${done}"` : ''}
        aria-label="Publish progress"
      ></progress>
      <p id="job-text" aria-live="polite">
        ${total > 0 ? `Publishing: ${done} of ${total} clients done` : 'Starting…'}
      </p>
    </section>`;
  }
  const s = job.summary;
  if (!s || (s.error !== undefined && s.results.length === 0))
    return html`<section
      class="panel warn"
      id="job"
      data-job-id="${job.id}"
      data-state="${job.state}"
      aria-labelledby="job-heading"
    >
      <h2 id="job-heading">Not published: ${job.accountId}, ${job.period}</h2>
      <p>Nothing was written for this account (the message above says why). Publish again to retry.</p>
    </section>`;
  return html`<section
    class="panel"
    id="job"
    data-job-id="${job.id}"
    data-state="${job.state}"
    aria-labelledby="job-heading"
  >
    <h2 id="job-heading">
      Publish of ${job.accountId}, ${job.period}${job.runId ? html` <span class="muted">(run ${job.runId})</span>` : ''}
    </h2>
    ${
      s
        ? html`<dl class="facts" id="job-counts">
            <div>
              <dt>Published</dt>
              <dd>${s.published}</dd>
            </div>
            <div>
              <dt>Unchanged</dt>
              <dd>${s.unchanged}</dd>
            </div>
            <div>
              <dt>Retired</dt>
              <dd>${s.retired ?? 0}</dd>
            </div>
            <div>
              <dt>Skipped</dt>
              <dd>${s.skipped}</dd>
            </div>
            <div>
              <dt>Failed</dt>
              <dd>${s.failed}</dd>
            </div>
            <div>
              <dt>Sync</dt>
              <dd>${s.sync}${s.syncReason ? ` (${s.syncReason})` : ''}</dd>
            </div>
          </dl>`
        : ''
    }
  </section>`;
}

function rowsForm(model: PageModel, extras: PageExtras): Html {
  const first = model.matching.length === 0 ? 0 : (model.page - 1) * PAGE_SIZE + 1;
  const last = first === 0 ? 0 : first + model.rows.length - 1;
  const results = new Map<string, ClientResult>(
    (extras.job?.summary?.results ?? extras.preview?.results ?? []).map((r) => [r.clientId, r]),
  );
  return html`<form method="post" action="/save" id="rows-form" data-dirty="${extras.inputs ? 'true' : 'false'}">
    ${hiddenContext(model)}
    <input type="hidden" name="q" value="${model.q}" /><input type="hidden" name="page" value="${model.page}" />
    <div class="actions">
      <button type="submit" name="intent" value="save" class="primary">Save</button>
      <button type="submit" name="intent" value="save-publish">Save and Publish</button>
      ${model.counts.suggested > 0 ? html`<button type="submit" name="acceptAll" value="1">Accept all suggestions</button>` : ''}
    </div>
    <table>
      <caption>
        Clients of ${model.account!.accountId} for ${model.period}:
        ${
          model.matching.length === 0 ? 'none' : `${first}–${last} of ${model.matching.length}`
        }${model.q ? ` matching “${model.q}”` : ''}
      </caption>
      <thead>
        <tr>
          <th scope="col">${PAGE_FIELDS.enabled.column}</th>
          <th scope="col">Client</th>
          <th scope="col">Name</th>
          <th scope="col" class="num">Usage GB</th>
          <th scope="col">${PAGE_FIELDS.managedId.column}</th>
          <th scope="col" class="num">${PAGE_FIELDS.includedGb.column}</th>
          <th scope="col" class="num">Billed GB</th>
          <th scope="col">Company</th>
          <th scope="col">Last outcome</th>
        </tr>
      </thead>
      <tbody>
        ${model.rows.map((row, i) => rowHtml(row, i, extras, results.get(row.clientId), extras.job ? 'job' : extras.preview ? 'preview' : undefined))}
      </tbody>
    </table>
    ${pager(model)}
  </form>`;
}

function rowHtml(
  row: ClientRow,
  index: number,
  extras: PageExtras,
  result: ClientResult | undefined,
  from: 'job' | 'preview' | undefined,
): Html {
  const id = row.clientId;
  const input = extras.inputs?.get(id);
  const was = {
    enabled: row.mapping?.enabled ?? false,
    managedId: row.mapping?.managedId ?? '',
    includedGb: includedGbText(row.mapping),
  };
  const now = input ?? was;
  const edited =
    input &&
    (input.enabled !== was.enabled || input.managedId !== was.managedId || input.includedGb !== was.includedGb);
  const problem = extras.problems?.get(id);
  const errorId = `error-${index}`;
  const invalid = (key: PageFieldKey) =>
    problem?.field === key ? html` aria-invalid="true" aria-describedby="${errorId}"` : '';
  const message = (key: PageFieldKey) =>
    problem?.field === key ? html`<span class="field-error" id="${errorId}">${problem.message}</span>` : '';
  return html`<tr data-client-id="${id}" ${edited ? raw(' class="edited"') : ''}>
    <td>
      <input type="hidden" name="row" value="${id}" />${(['enabled', 'managedId', 'includedGb'] as const).map(
        (k) =>
          html`<input
            type="hidden"
            name="was.${PAGE_FIELDS[k].formName(id)}"
            value="${k === 'enabled' ? (was.enabled ? '1' : '0') : was[k]}"
          />`,
      )}
      <input
        type="checkbox"
        name="${PAGE_FIELDS.enabled.formName(id)}"
        value="1"
        aria-label="${PAGE_FIELDS.enabled.label(id)}"
        ${now.enabled ? 'checked' : ''}${invalid('enabled')}
      />
    </td>
    <td class="client">${id}</td>
    <td>${row.name ?? ''}</td>
    <td class="num usage-gb">${row.gb === undefined ? html`<span class="muted">no usage</span>` : formatGb(row.gb)}</td>
    <td>
      <input
        type="text"
        name="${PAGE_FIELDS.managedId.formName(id)}"
        value="${now.managedId}"
        aria-label="${PAGE_FIELDS.managedId.label(id)}"
        maxlength="${PAGE_FIELDS.managedId.maxLength}"
        size="18"
        ${invalid('managedId')}
      />${message('managedId')}${row.invalidMapping ? html`<span class="field-error">stored item is invalid: ${row.invalidMapping}</span>` : ''}
    </td>
    <td class="num">
      <input
        type="text"
        name="${PAGE_FIELDS.includedGb.formName(id)}"
        value="${now.includedGb}"
        aria-label="${PAGE_FIELDS.includedGb.label(id)}"
        inputmode="${PAGE_FIELDS.includedGb.inputMode}"
        placeholder="0"
        size="7"
        ${invalid('includedGb')}
      />${message('includedGb')}
    </td>
    <td class="num billed-gb">${billedCell(row)}</td>
    <td>${companyCell(row, result)}</td>
    <td>${outcomeCell(row.last, result, from)}</td>
  </tr>`;
}

/** What a publish would bill now: usage above the included allowance (only for a published mapping). */
function billedCell(row: ClientRow): Html | string {
  if (row.gb === undefined) return '';
  if (!row.mapping) return html`<span class="muted">not mapped</span>`;
  if (!row.mapping.enabled) return html`<span class="muted">not published</span>`;
  return formatGb(row.billedGb);
}

function companyCell(row: ClientRow, result: ClientResult | undefined): Html | string {
  if (row.mapping)
    return row.company ?? result?.companyIdentifier ?? html`<span class="muted">known after a publish</span>`;
  const s = row.suggestion;
  if (!s?.company) return '';
  return html`<span class="suggestion"
      >Suggested: ${s.company.name} (${s.company.identifier}), Managed ID
      <strong>${s.managedId}</strong>${s.action === 'create' ? ' (new Management tab entry)' : ''}</span
    >
    <button type="submit" name="accept" value="${row.clientId}">
      Accept suggestion<span class="visually-hidden"> for ${row.clientId}</span>
    </button>`;
}

function outcomeCell(
  last: LedgerEntry | undefined,
  result: ClientResult | undefined,
  from: 'job' | 'preview' | undefined,
) {
  if (result)
    return html`<span class="outcome-${result.status}"
      >${from === 'preview' ? 'Preview: ' : ''}${outcomeWords(result)}</span
    >`;
  if (!last) return html`<span class="muted">never published</span>`;
  const reason = last.reason ? `: ${last.reason}` : '';
  const usage =
    last.usageGb !== undefined && last.usageGb !== last.billableSpaceGb ? ` (usage ${formatGb(last.usageGb)} GB)` : '';
  const gb = last.billableSpaceGb === undefined ? '' : ` ${formatGb(last.billableSpaceGb)} GB${usage}`;
  return html`<span class="outcome-${last.outcome}">${last.outcome}${gb}${reason}</span>
    <span class="muted">(${last.updatedAt.slice(0, 10)})</span>`;
}

function pager(model: PageModel): Html | string {
  if (model.pageCount <= 1) return '';
  const link = (page: number, text: string) => html`<a href="${pageQuery(model, { page: String(page) })}">${text}</a>`;
  return html`<nav class="pager" aria-label="Pages">
    ${model.page > 1 ? link(model.page - 1, 'Previous page') : ''}
    <span>Page ${model.page} of ${model.pageCount}</span>
    ${model.page < model.pageCount ? link(model.page + 1, 'Next page') : ''}
  </nav>`;
}
