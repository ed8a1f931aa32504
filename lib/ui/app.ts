import { randomUUID } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { describeError, InputValidationError, AccountError } from '../errors.js';
import { PAGE_CSS, PAGE_JS } from './assets.js';
import { PAGE_FIELDS, type RowInput } from './fields.js';
import { loadPageModel, type PageModel } from './page-model.js';
import type { PageDeps } from './page-deps.js';
import { PublishJobs } from './publish-jobs.js';
import { pageQuery, renderPage, type PageExtras } from './render.js';
import { saveRows } from './save-rows.js';
import { securityHeaders } from './local-access.js';
import { SuggestionsCache } from './suggestions-cache.js';

export interface PageAppOptions {
  /** Who may use the page: `localAccess` for `cwpub ui`; a hosted page brings its own sign-in. */
  readonly access: MiddlewareHandler;
  /** How long a page waits for ConnectWise's suggestions before rendering without them. @default 1500 */
  readonly suggestionWaitMs?: number;
}

type Form = Record<string, string | File | (string | File)[]>;

/**
 * The Publish Usage page as a Hono app (contract v3): independent of where it runs — `cwpub ui`
 * serves it with @hono/node-server on loopback; a hosted version can serve the same app elsewhere.
 */
export function createPageApp(deps: PageDeps, options: PageAppOptions) {
  const cache = new SuggestionsCache(deps.onboarding);
  const jobs = new PublishJobs(deps);
  const notices = new Map<string, string>();
  const wait = options.suggestionWaitMs ?? 1500;
  const model = (query: { account?: string; period?: string; q?: string; page?: string }) =>
    loadPageModel(
      deps,
      cache,
      { accountId: query.account, period: query.period, q: query.q, page: query.page ? Number(query.page) : 1 },
      { suggestionWaitMs: wait },
    );

  const preview = (c: Context, m: PageModel, extras: PageExtras = {}) => renderPreview(c, jobs, m, extras);

  const app = new Hono();
  app.use('*', securityHeaders, options.access);
  app.get('/assets/page.css', (c) => c.body(PAGE_CSS, 200, { 'content-type': 'text/css; charset=utf-8' }));
  app.get('/assets/page.js', (c) => c.body(PAGE_JS, 200, { 'content-type': 'text/javascript; charset=utf-8' }));

  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/', async (c) => {
    const query = c.req.query();
    const m = await model(query);
    const notice = query.notice ? notices.get(query.notice) : undefined;
    if (query.notice) notices.delete(query.notice);
    const job = query.job ? jobs.get(query.job) : undefined;
    const busy = job?.summary?.error ?? job?.error;
    return c.html(renderPage(m, { notice, job, alert: busy }));
  });

  app.get('/suggestions', async (c) => {
    const { account, period } = c.req.query();
    if (!account || !period) return c.json({ error: 'account and period are required' }, 400);
    const state = await cache.get(account, period);
    return c.json({ state: state.state });
  });

  app.get('/publish/jobs/:id', (c) => {
    const job = jobs.get(c.req.param('id'));
    if (!job) return c.json({ error: 'no such publish' }, 404);
    return c.json({
      state: job.state,
      progress: job.progress,
      runId: job.runId,
      error: job.summary?.error ?? job.error,
    });
  });

  app.post('/save', (c) => handleSave(c, { deps, cache, jobs, notices, model }));

  app.post('/publish/preview', async (c) => preview(c, await model(contextOf(await c.req.parseBody({ all: true })))));

  app.post('/publish', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const m = await model(contextOf(form));
    if (!m.account) return c.html(renderPage(m), 400);
    const accountId = m.account.accountId;
    const job = jobs.start(accountId, m.period, value(form, 'allowMassRetire') === '1', () => cache.forget(accountId));
    return c.redirect(pageQuery(m, { job: job.id }), 303);
  });

  app.onError(async (error, c) => {
    const status = error instanceof InputValidationError || error instanceof AccountError ? 400 : 500;
    const m = await model({}).catch(() => undefined);
    const message = `Something went wrong: ${describeError(error)}`;
    return m ? c.html(renderPage(m, { alert: message }), status) : c.text(message, status);
  });

  return Object.assign(app, { jobs });
}

/** What the save route shares with the app. */
interface SaveState {
  readonly deps: PageDeps;
  readonly cache: SuggestionsCache;
  readonly jobs: PublishJobs;
  readonly notices: Map<string, string>;
  readonly model: (query: { account?: string; period?: string; q?: string; page?: string }) => Promise<PageModel>;
}

/** The dry run of the account (nothing written), shown with `Confirm publish`. */
async function renderPreview(c: Context, jobs: PublishJobs, m: PageModel, extras: PageExtras = {}) {
  if (!m.account) return c.html(renderPage(m), 400);
  try {
    return c.html(renderPage(m, { ...extras, preview: await jobs.preview(m.account.accountId, m.period) }));
  } catch (error) {
    return c.html(renderPage(m, { ...extras, alert: `The preview could not run: ${describeError(error)}` }), 502);
  }
}

/** Saves the page's edited rows; then shows the problems, previews a publish, or goes back to the page. */
async function handleSave(c: Context, s: SaveState) {
  const form = await c.req.parseBody({ all: true });
  const m = await s.model(contextOf(form));
  if (!m.account) return c.html(renderPage(m), 400);
  const rows = rowInputs(form);
  const result = await saveRows(s.deps, {
    account: m.account,
    period: m.period,
    rows,
    accept: values(form, 'accept'),
    acceptAll: value(form, 'acceptAll') === '1',
  });
  if (!result.ok) {
    const inputs = new Map(rows.map((r) => [r.clientId, r]));
    return c.html(renderPage(m, { alert: result.message, problems: result.problems, inputs }), 422);
  }
  s.cache.forget(m.account.accountId);
  const after = await s.model(contextOf(form));
  if (value(form, 'intent') === 'save-publish') return renderPreview(c, s.jobs, after, { notice: result.message });
  const id = randomUUID();
  s.notices.set(id, result.message);
  return c.redirect(pageQuery(after, { page: String(after.page), notice: id }), 303);
}

function contextOf(form: Form) {
  return {
    account: value(form, 'account'),
    period: value(form, 'period'),
    q: value(form, 'q'),
    page: value(form, 'page'),
  };
}

function value(form: Form, name: string): string | undefined {
  const v = form[name];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === 'string' ? first : undefined;
}

function values(form: Form, name: string): string[] {
  const v = form[name];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
}

/** The rows the page showed, as the person left them. */
function rowInputs(form: Form): RowInput[] {
  return values(form, 'row').map((clientId) => ({
    clientId,
    enabled: value(form, PAGE_FIELDS.enabled.formName(clientId)) === '1',
    managedId: value(form, PAGE_FIELDS.managedId.formName(clientId)) ?? '',
    includedGb: value(form, PAGE_FIELDS.includedGb.formName(clientId)) ?? '',
    wasEnabled: value(form, `was.${PAGE_FIELDS.enabled.formName(clientId)}`) === '1',
    wasManagedId: value(form, `was.${PAGE_FIELDS.managedId.formName(clientId)}`) ?? '',
    wasIncludedGb: value(form, `was.${PAGE_FIELDS.includedGb.formName(clientId)}`) ?? '',
  }));
}
