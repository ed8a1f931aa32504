/**
 * The HTTP side of the simulator: a node:http server answering like ConnectWise PSA's
 * REST API 3.0 under `/<codebase>apis/3.0/`, plus `GET /login/companyinfo/<companyId>`.
 *
 * Request pipeline: record → read body → throttle (429, answered after the latency) → latency → fault (429 / 5xx / drop / delay) →
 * codebase (404) → auth (401) → clientId (401) → Accept (406) → route (404 / 405 / 501) →
 * query parameters (400) → handler → (dropAfterCommit: destroy the socket instead of
 * answering) → answer.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import type { ConditionNode, Predicate } from './conditions.js';
import { ConditionError, compileConditions, getPath, indexableIds, parseConditions } from './conditions.js';
import type { ActiveFault, FaultKind } from './faults.js';
import { FaultRegistry } from './faults.js';
import type { Throttle } from './rate-limit.js';
import { SiteRateLimiter } from './rate-limit.js';
import type { FieldIssue, OpenApi, OperationSpec } from './openapi.js';
import { isPlainObject } from './openapi.js';
import type { RenderContext, ResourceDef, ResourceName } from './resources.js';
import { RESOURCES, renderRecord } from './resources.js';
import type { ManagedInformation, SimulatorState } from './state.js';
import { runManagedItSync } from './sync.js';
import { applyJsonPatch, buildRecord, parseManagedInformation, writableView } from './writes.js';

export interface RecordedRequest {
  method: string;
  /** Path relative to .../apis/3.0/ (e.g. 'company/configurations'); other paths without the leading '/'. */
  path: string;
  /** Decoded query parameters (the last value when a name repeats). */
  query: Record<string, string>;
  /** Status answered; 0 when the connection was dropped before processing. For dropAfterCommit, the status the processed request would have had. */
  status: number;
  /** Parsed JSON body (or the raw text when it is not JSON); absent when empty. */
  body?: unknown;
  /** Date.now() when the request arrived. */
  at: number;
  /** Request headers (lower-case names). */
  headers: Record<string, string>;
  /** The fault applied, if any. */
  fault?: FaultKind;
  /** Answered 429 by the site's throttle: over the window limit, or arrived before a Retry-After elapsed. */
  throttled?: Throttle;
}

/** A request that followed a `faults.redirect` Location to `/__redirected/...`. */
export interface FollowedRedirect {
  at: number;
  method: string;
  /** The path after `__redirected/` (the original relative path). */
  path: string;
  query: Record<string, string>;
  /** Whether the credentials went along to the redirect target. */
  authorizationSent: boolean;
  clientIdSent: boolean;
}

export interface ServerConfig {
  companyId: string;
  publicKey: string;
  privateKey: string;
  clientId: string;
  codebase: string;
  companyName: string;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as is instead of a JSON body (a proxy's page). */
  raw?: string;
}

interface ApiRequest {
  method: string;
  rel: string;
  params: { id?: number; parentId?: number };
  query: Map<string, string>;
  headers: IncomingMessage['headers'];
  rawBody: string;
  body: unknown;
  bodyError?: string;
  op: OperationSpec;
}

type Handler = (req: ApiRequest) => Reply;

const API_VERSION = '2025.1';
const MAX_BODY = 5 * 1024 * 1024;
const MAX_PAGE_SIZE = 1000;
const DEFAULT_PAGE_SIZE = 25;
const INT32_MAX = 2147483647;
const JSON_TYPES = ['application/json', 'application/vnd.connectwise.com+json'];
const BODY_TYPES = ['application/json', 'application/vnd.connectwise.com+json', 'application/json-patch+json'];

/** Collection path template → table. Lists, counts and GET by id are served for all of them. */
const COLLECTIONS: ReadonlyArray<readonly [string, ResourceName]> = [
  ['company/companies', 'companies'],
  ['company/companies/{parentId}/managementSummaryReports', 'managementEntries'],
  ['company/managementItSolutions', 'managementItSolutions'],
  ['company/configurations', 'configurations'],
  ['company/configurations/types', 'configurationTypes'],
  ['company/configurations/statuses', 'configurationStatuses'],
  ['company/management', 'management'],
  ['company/managementBackups', 'managementBackups'],
  ['procurement/catalog', 'catalogItems'],
  ['finance/agreements', 'agreements'],
  ['finance/agreements/{parentId}/additions', 'additions'],
];
/** Collections that accept POST, PUT, PATCH and DELETE in the simulator. */
const WRITABLE: ReadonlySet<ResourceName> = new Set<ResourceName>(['configurations', 'managementEntries']);

/** ConnectWise's throttling answer (note `error`, not `code`). */
function tooManyRequests(seconds: number): Reply {
  return {
    status: 429,
    headers: { 'retry-after': String(seconds) },
    body: { error: 'ConnectWiseAPI', message: `Too many requests. Please try again in ${seconds} seconds.` },
  };
}

function cwError(
  status: number,
  code: string,
  message: string,
  errors?: Array<FieldIssue & { resource?: string }>,
): Reply {
  const body: Record<string, unknown> = { code, message };
  if (errors) body.errors = errors;
  return { status, body };
}

function invalid(resource: string, label: string, issues: FieldIssue[]): Reply {
  return cwError(
    400,
    'InvalidObject',
    `${label} object is invalid`,
    issues.map((i) => ({ code: i.code, message: i.message, resource, field: i.field })),
  );
}

class HttpReplyError extends Error {
  constructor(readonly reply: Reply) {
    super(String((reply.body as { message?: string } | undefined)?.message ?? reply.status));
  }
}

function badRequest(message: string, field = ''): HttpReplyError {
  return new HttpReplyError(
    cwError(400, 'InvalidObject', message, [{ code: 'InvalidField', message, field, resource: 'request' }]),
  );
}

export class SimulatorServer {
  readonly requests: RecordedRequest[] = [];
  readonly faults = new FaultRegistry();
  readonly limiter = new SiteRateLimiter();
  readonly redirectsFollowed: FollowedRedirect[] = [];
  /** Milliseconds clock for arrival times, the throttle and Retry-After (replaceable by tests). */
  clock: () => number = Date.now;
  latencyMs: number;
  origin = '';
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly handlers = new Map<string, Handler>();
  private readonly templates: string[][];
  private readonly allTemplates: string[][];
  private closed = false;

  constructor(
    readonly state: SimulatorState,
    readonly api: OpenApi,
    readonly config: ServerConfig,
    latencyMs: number,
  ) {
    this.latencyMs = latencyMs;
    this.templates = [...api.operations.keys()].map((t) => t.split('/'));
    this.allTemplates = api.allPaths.map((t) => t.split('/'));
    this.registerHandlers();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify({ code: 'UnexpectedServerError', message: `simulator bug: ${String(error)}` }));
        }
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  get apiBase(): string {
    return `${this.origin}/${this.config.codebase}apis/3.0/`;
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        if (address === null || typeof address === 'string') {
          reject(new Error('unexpected server address'));
          return;
        }
        const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        this.origin = `http://${hostPart}:${address.port}`;
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await done;
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  // ---------------------------------------------------------------------------------------
  // pipeline

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = this.clock();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const pairs = [...url.searchParams];
    const apiPrefix = `/${this.config.codebase}apis/3.0/`;
    const isApi = url.pathname.startsWith(apiPrefix);
    const rel = isApi ? url.pathname.slice(apiPrefix.length) : url.pathname.replace(/^\//, '');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const entry: RecordedRequest = { method, path: rel, query: Object.fromEntries(pairs), status: 0, at, headers };
    this.requests.push(entry);

    let rawBody: string;
    try {
      rawBody = await readBody(req);
    } catch {
      this.send(res, entry, cwError(413, 'RequestTooLarge', `Request bodies are limited to ${MAX_BODY} bytes.`));
      return;
    }
    let body: unknown;
    let bodyError: string | undefined;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody);
      } catch (error) {
        body = rawBody;
        bodyError = error instanceof Error ? error.message : String(error);
      }
      entry.body = body;
    }

    const throttle = this.limiter.admit(at, method, rel);
    await this.sleep(this.latencyMs);
    if (this.closed) return;
    if (throttle) {
      entry.throttled = throttle.reason;
      this.send(res, entry, tooManyRequests(throttle.retryAfterSeconds), isApi);
      return;
    }

    const fault = this.faults.take(method, rel);
    if (fault) entry.fault = fault.kind;
    if (fault && this.applyPreFault(fault, req, res, entry)) return;
    if (fault?.kind === 'delay') {
      await this.sleep(fault.ms ?? 0);
      if (this.closed) return;
    }
    if (fault?.kind === 'hook') {
      await fault.run?.();
      if (this.closed) return;
    }

    let reply: Reply;
    try {
      reply = this.process(method, url, rel, isApi, pairs, req.headers, rawBody, body, bodyError);
    } catch (error) {
      if (error instanceof HttpReplyError) reply = error.reply;
      else throw error;
    }

    if (fault?.kind === 'unreadableAfterCommit' && reply.status >= 200 && reply.status < 300) {
      // Saved; the answer is a proxy's page (or nothing) instead of the record.
      const html = '<html><head><title>Gateway</title></head><body><h1>Request accepted</h1></body></html>';
      reply = {
        status: 200,
        headers: { 'content-type': fault.body === 'empty' ? 'application/json' : 'text/html' },
        raw: fault.body === 'empty' ? '' : html,
      };
    }
    if (fault?.kind === 'dropAfterCommit') {
      // The request was processed (a write is saved); the client never gets the answer.
      entry.status = reply.status;
      req.socket.destroy();
      return;
    }
    this.send(res, entry, reply, isApi);
  }

  /** Applies faults that answer instead of processing. Returns true when the request is finished. */
  private applyPreFault(
    fault: ActiveFault,
    req: IncomingMessage,
    res: ServerResponse,
    entry: RecordedRequest,
  ): boolean {
    switch (fault.kind) {
      case 'rateLimit':
        this.send(res, entry, tooManyRequests(fault.retryAfterSeconds ?? 1));
        return true;
      case 'serverError':
        this.send(
          res,
          entry,
          cwError(
            fault.status ?? 500,
            'UnexpectedServerError',
            'An unexpected error has occurred (injected by the simulator).',
          ),
        );
        return true;
      case 'echoAuthorization':
        this.sendEcho(res, entry, req, fault);
        return true;
      case 'redirect': {
        const query = new URL(req.url ?? '/', 'http://simulator.invalid').search;
        const location = fault.location ?? `${this.origin}/__redirected/${entry.path}${query}`;
        this.send(res, entry, { status: fault.status ?? 302, headers: { location } });
        return true;
      }
      case 'dropBeforeProcessing':
        entry.status = 0;
        req.socket.destroy();
        return true;
      default:
        return false;
    }
  }

  /** What a careless proxy answers: the credentials it received, verbatim (and decoded). */
  private sendEcho(res: ServerResponse, entry: RecordedRequest, req: IncomingMessage, fault: ActiveFault): void {
    const authorization = headerValue(req.headers.authorization) ?? '';
    const clientId = headerValue(req.headers.clientid) ?? '';
    const token = /^Basic\s+(\S+)$/i.exec(authorization.trim())?.[1];
    const decoded = token === undefined ? '' : Buffer.from(token, 'base64').toString('utf8');
    const message = `Upstream request failed. Authorization: ${authorization} (user ${decoded}); clientId: ${clientId}`;
    const status = fault.status ?? 500;
    entry.status = status;
    if (res.destroyed || res.socket?.destroyed) return;
    const text =
      fault.format === 'text'
        ? message
        : JSON.stringify({
            code: 'UnexpectedServerError',
            message,
            errors: [{ code: 'ProxyError', message, resource: 'request', field: 'Authorization' }],
          });
    res.writeHead(status, {
      'content-type': fault.format === 'text' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  }

  private send(res: ServerResponse, entry: RecordedRequest, reply: Reply, isApi = true): void {
    entry.status = reply.status;
    if (reply.status === 429) this.limiter.sent429(this.clock(), Number(reply.headers?.['retry-after'] ?? 0));
    if (res.destroyed || res.socket?.destroyed) return;
    const headers: Record<string, string> = { ...(reply.headers ?? {}) };
    if (isApi) headers['api-current-version'] = API_VERSION;
    let text = '';
    if (reply.raw !== undefined) text = reply.raw;
    else if (reply.status !== 204 && reply.body !== undefined) {
      text = JSON.stringify(reply.body);
      headers['content-type'] = 'application/json; charset=utf-8';
    }
    headers['content-length'] = String(Buffer.byteLength(text));
    res.writeHead(reply.status, headers);
    res.end(text);
  }

  private process(
    method: string,
    url: URL,
    rel: string,
    isApi: boolean,
    pairs: Array<[string, string]>,
    headers: IncomingMessage['headers'],
    rawBody: string,
    body: unknown,
    bodyError: string | undefined,
  ): Reply {
    if (!isApi) {
      const redirected = /^__redirected\/(.*)$/.exec(rel);
      if (redirected) {
        this.redirectsFollowed.push({
          at: this.clock(),
          method,
          path: redirected[1] ?? '',
          query: Object.fromEntries(pairs),
          authorizationSent: headers.authorization !== undefined,
          clientIdSent: headers.clientid !== undefined,
        });
        // A lax client that followed gets a plausible success, so only this record tells.
        return { status: 200, body: method === 'GET' ? [] : {} };
      }
      const info = /^login\/companyinfo\/([^/]+)$/.exec(rel);
      if (info?.[1] !== undefined) {
        if (method !== 'GET')
          return {
            status: 405,
            headers: { allow: 'GET' },
            body: {
              code: 'MethodNotAllowed',
              message: `The requested resource does not support http method '${method}'.`,
            },
          };
        return { status: 200, body: this.companyInfo(decodeURIComponent(info[1])) };
      }
      return cwError(
        404,
        'NotFound',
        `No resource was found at '${url.pathname}'. The API lives under /${this.config.codebase}apis/3.0/.`,
      );
    }

    const auth = this.checkAuth(headers);
    if (auth) return auth;
    const accept = headers.accept;
    if (!acceptsJson(accept)) {
      return cwError(
        406,
        'NotAcceptable',
        `Accept must be application/json or application/vnd.connectwise.com+json; version=<version>, got '${accept ?? ''}'.`,
      );
    }

    const segments = rel.split('/');
    const match = matchTemplate(this.templates, segments);
    if (!match) {
      if (matchTemplate(this.allTemplates, segments))
        return cwError(501, 'NotImplemented', `The simulator does not implement ${rel}.`);
      return cwError(404, 'NotFound', `No resource was found that matches the request URI '${rel}'.`);
    }
    const ops = this.api.operations.get(match.template);
    const op = ops?.get(method);
    if (!ops || !op) {
      const allow = ops ? [...ops.keys()].join(', ') : '';
      return {
        status: 405,
        headers: { allow },
        body: { code: 'MethodNotAllowed', message: `The requested resource does not support http method '${method}'.` },
      };
    }
    const handler = this.handlers.get(`${method} ${match.template}`);
    if (!handler)
      return cwError(501, 'NotImplemented', `The simulator does not implement ${method} ${match.template}.`);

    const query = new Map<string, string>();
    for (const [key, value] of pairs) {
      if (query.has(key)) throw badRequest(`Query parameter '${key}' is given more than once.`, key);
      query.set(key, value);
    }
    const apiReq: ApiRequest = { method, rel, params: match.params, query, headers, rawBody, body, op };
    if (bodyError !== undefined) apiReq.bodyError = bodyError;
    return handler(apiReq);
  }

  private companyInfo(companyId: string): unknown {
    // Company ids are case-insensitive at login.
    if (companyId.toLowerCase() !== this.config.companyId.toLowerCase()) return null;
    return {
      CompanyName: this.config.companyName,
      Codebase: this.config.codebase,
      VersionCode: 'v2025.1',
      VersionNumber: 'v4.6.10431',
      CompanyID: this.config.companyId,
      IsCloud: false,
    };
  }

  private checkAuth(headers: IncomingMessage['headers']): Reply | undefined {
    const header = headers.authorization;
    if (!header) {
      return cwError(
        401,
        'Unauthorized',
        'Missing Authorization header: use Basic base64("<companyId>+<publicKey>:<privateKey>").',
      );
    }
    const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim());
    const decoded = m?.[1] ? Buffer.from(m[1], 'base64').toString('utf8') : '';
    const expected = `${this.config.companyId}+${this.config.publicKey}:${this.config.privateKey}`;
    if (decoded !== expected) return cwError(401, 'Unauthorized', 'Incorrect companyId, public key or private key.');
    const clientId = headers.clientid;
    if (clientId === undefined || (Array.isArray(clientId) ? clientId.join('') : clientId).trim() === '') {
      return cwError(
        401,
        'Unauthorized',
        'The clientId header is required: register an integration at developer.connectwise.com and send its GUID.',
      );
    }
    if (clientId !== this.config.clientId)
      return cwError(401, 'Unauthorized', 'The clientId header does not match a registered integration.');
    return undefined;
  }

  // ---------------------------------------------------------------------------------------
  // handlers

  private registerHandlers(): void {
    this.handlers.set('GET system/info', (req) => {
      this.checkQuery(req);
      return {
        status: 200,
        body: {
          version: 'v2025.1.10431',
          isCloud: false,
          serverTimeZone: 'Eastern Standard Time',
          licenseBits: [],
          cloudRegion: 'NA',
          maxWorkFlowRecordsAllowed: 0,
        },
      };
    });
    for (const [base, name] of COLLECTIONS) {
      const def: ResourceDef = RESOURCES[name];
      this.handlers.set(`GET ${base}`, (req) => this.list(def, req));
      this.handlers.set(`GET ${base}/count`, (req) => this.count(def, req));
      this.handlers.set(`GET ${base}/{id}`, (req) => this.getOne(def, req));
      if (WRITABLE.has(name)) {
        this.handlers.set(`POST ${base}`, (req) => this.create(def, req));
        this.handlers.set(`PUT ${base}/{id}`, (req) => this.put(def, req));
        this.handlers.set(`PATCH ${base}/{id}`, (req) => this.patch(def, req));
        this.handlers.set(`DELETE ${base}/{id}`, (req) => this.remove(def, req));
      }
    }
    this.handlers.set('POST company/management/{id}/executeManagedItSync', (req) => this.executeSync(req));
  }

  private renderContext(): RenderContext {
    return { api: this.api, state: this.state, apiBase: this.apiBase };
  }

  /** Rejects query parameters the operation does not declare (ConnectWise would ignore them; a typo must not pass silently). */
  private checkQuery(req: ApiRequest, extra: ReadonlySet<string> = new Set()): void {
    for (const key of req.query.keys()) {
      if (!req.op.queryParams.has(key) && !extra.has(key)) {
        const allowed = [...req.op.queryParams].join(', ') || 'none';
        throw badRequest(
          `Unknown query parameter '${key}' for ${req.method} ${req.op.template} (allowed: ${allowed}).`,
          key,
        );
      }
    }
    for (const unsupported of ['childConditions', 'customFieldConditions']) {
      if (req.query.has(unsupported))
        throw new HttpReplyError(cwError(501, 'NotImplemented', `The simulator does not implement ${unsupported}.`));
    }
  }

  /** Resolves the parent of a nested collection; 404 when it does not exist. */
  private checkParent(def: ResourceDef, req: ApiRequest): number | undefined {
    if (!def.parent) return undefined;
    const parentId = req.params.parentId;
    if (parentId === undefined || !this.state.table(def.parent.table).has(parentId)) {
      throw new HttpReplyError(cwError(404, 'NotFound', `${def.parent.label} ${String(parentId)} not found.`));
    }
    return parentId;
  }

  private findRow(def: ResourceDef, req: ApiRequest): { id: number; [key: string]: unknown } {
    const parentId = this.checkParent(def, req);
    const id = req.params.id as number;
    const row = this.state.table(def.table).get(id);
    if (!row || (def.parent && parentId !== undefined && def.parent.key(row) !== parentId)) {
      throw new HttpReplyError(cwError(404, 'NotFound', `${def.label} ${id} not found.`));
    }
    return row;
  }

  private compileFilter(
    def: ResourceDef,
    req: ApiRequest,
  ): { node?: ConditionNode; predicate?: Predicate; managedIdentifier?: string } {
    const out: { node?: ConditionNode; predicate?: Predicate; managedIdentifier?: string } = {};
    const text = req.query.get('conditions');
    if (text !== undefined) {
      try {
        out.node = parseConditions(text);
        out.predicate = compileConditions(out.node, this.api, def.schema);
      } catch (error) {
        if (error instanceof ConditionError) {
          throw new HttpReplyError(
            cwError(400, 'InvalidObject', `Invalid conditions: ${error.message}`, [
              { code: 'InvalidField', message: error.message, resource: def.resource, field: 'conditions' },
            ]),
          );
        }
        throw error;
      }
    }
    const managedIdentifier = req.query.get('managedIdentifier');
    if (managedIdentifier !== undefined) out.managedIdentifier = managedIdentifier;
    return out;
  }

  /** Rows matching parent, managedIdentifier and conditions, in id order, with their rendering. */
  private filteredRows(
    def: ResourceDef,
    req: ApiRequest,
    afterId = 0,
  ): Array<{ row: { id: number; [key: string]: unknown }; view?: Record<string, unknown> }> {
    const parentId = this.checkParent(def, req);
    const filter = this.compileFilter(def, req);
    const table = this.state.table(def.table);
    let rows: Array<{ id: number; [key: string]: unknown }>;
    if (def.parent && parentId !== undefined) {
      rows = table.byIndex(def.parent.index, parentId);
    } else if (def.conditionIndex && filter.node) {
      const ids = indexableIds(filter.node, def.conditionIndex.field);
      if (ids) {
        const seen = new Map<number, { id: number; [key: string]: unknown }>();
        for (const key of new Set(ids))
          for (const row of table.byIndex(def.conditionIndex.index, key)) seen.set(row.id, row);
        rows = [...seen.values()].sort((a, b) => a.id - b.id);
      } else {
        rows = table.all();
      }
    } else {
      rows = table.all();
    }
    const ctx = this.renderContext();
    const wanted = filter.managedIdentifier?.toLowerCase();
    const out: Array<{ row: { id: number; [key: string]: unknown }; view?: Record<string, unknown> }> = [];
    for (const row of rows) {
      if (row.id <= afterId) continue;
      if (wanted !== undefined) {
        const info = row.managedInformation as ManagedInformation | undefined;
        if (info?.managedIdentifier?.toLowerCase() !== wanted) continue;
      }
      if (filter.predicate) {
        const view = renderRecord(ctx, def, row);
        if (filter.predicate(view) !== true) continue;
        out.push({ row, view });
      } else {
        out.push({ row });
      }
    }
    return out;
  }

  private list(def: ResourceDef, req: ApiRequest): Reply {
    this.checkQuery(req);
    const paginationType = headerValue(req.headers['pagination-type']);
    if (paginationType !== undefined && paginationType.toLowerCase() !== 'forward-only') {
      throw badRequest(`pagination-type must be forward-only, got '${paginationType}'.`, 'pagination-type');
    }
    const forwardOnly = paginationType !== undefined;
    const pageSize = parsePageSize(req.query.get('pageSize'));
    const fields = this.parseFields(def, req.query.get('fields'));
    const ctx = this.renderContext();
    const project = (item: {
      row: { id: number; [key: string]: unknown };
      view?: Record<string, unknown>;
    }): Record<string, unknown> => {
      const view = item.view ?? renderRecord(ctx, def, item.row);
      return fields ? projectFields(view, fields) : view;
    };

    if (forwardOnly) {
      if (req.query.has('page'))
        throw badRequest('page cannot be combined with pagination-type: forward-only; use pageId.', 'page');
      if (req.query.has('orderBy'))
        throw badRequest(
          'orderBy is not allowed with pagination-type: forward-only (results are ordered by id).',
          'orderBy',
        );
      const pageIdText = req.query.get('pageId');
      let pageId = 0;
      if (pageIdText !== undefined) {
        if (!/^\d+$/.test(pageIdText) || Number(pageIdText) > INT32_MAX)
          throw badRequest(`pageId must be a non-negative integer, got '${pageIdText}'.`, 'pageId');
        pageId = Number(pageIdText);
      }
      const rows = this.filteredRows(def, req, pageId);
      const page = rows.slice(0, pageSize);
      const headers: Record<string, string> = {};
      const last = page[page.length - 1];
      if (rows.length > pageSize && last) {
        headers.link = `<${this.linkUrl(req, 'pageId', last.row.id)}>; rel="next"`;
      }
      return { status: 200, headers, body: page.map(project) };
    }

    if (req.query.has('pageId')) throw badRequest('pageId needs the header pagination-type: forward-only.', 'pageId');
    const page = parsePositiveInt(req.query.get('page'), 'page') ?? 1;
    const rows = this.filteredRows(def, req);
    const orderBy = req.query.get('orderBy');
    if (orderBy !== undefined) this.sortRows(def, rows, orderBy);
    const start = (page - 1) * pageSize;
    const slice = rows.slice(start, start + pageSize);
    const lastPage = Math.max(1, Math.ceil(rows.length / pageSize));
    const links: string[] = [];
    if (page > 1) {
      links.push(`<${this.linkUrl(req, 'page', 1)}>; rel="first"`);
      links.push(`<${this.linkUrl(req, 'page', page - 1)}>; rel="prev"`);
    }
    if (page < lastPage) {
      links.push(`<${this.linkUrl(req, 'page', page + 1)}>; rel="next"`);
      links.push(`<${this.linkUrl(req, 'page', lastPage)}>; rel="last"`);
    }
    const headers: Record<string, string> = {};
    if (links.length > 0) headers.link = links.join(', ');
    return { status: 200, headers, body: slice.map(project) };
  }

  private count(def: ResourceDef, req: ApiRequest): Reply {
    this.checkQuery(req);
    return { status: 200, body: { count: this.filteredRows(def, req).length } };
  }

  private getOne(def: ResourceDef, req: ApiRequest): Reply {
    this.checkQuery(req);
    const row = this.findRow(def, req);
    const fields = this.parseFields(def, req.query.get('fields'));
    const view = renderRecord(this.renderContext(), def, row);
    return { status: 200, body: fields ? projectFields(view, fields) : view };
  }

  /** A Link URL: the request's own query with `key` set to `value` (other parameters preserved, in order). */
  private linkUrl(req: ApiRequest, key: string, value: number): string {
    const parts: string[] = [];
    for (const [k, v] of req.query) if (k !== key) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
    parts.push(`${encodeURIComponent(key)}=${value}`);
    return `${this.apiBase}${req.rel}?${parts.join('&')}`;
  }

  private parseFields(def: ResourceDef, text: string | undefined): string[][] | undefined {
    if (text === undefined) return undefined;
    const paths = text.split(',').map((f) => f.trim());
    if (paths.some((p) => p === '')) throw badRequest(`fields has an empty entry: '${text}'.`, 'fields');
    return paths.map((p) => {
      const segments = p.split('/');
      const resolved = this.api.resolvePath(def.schema, segments);
      if (typeof resolved === 'string') throw badRequest(`fields: ${resolved}.`, 'fields');
      return segments;
    });
  }

  private sortRows(
    def: ResourceDef,
    rows: Array<{ row: { id: number; [key: string]: unknown }; view?: Record<string, unknown> }>,
    orderBy: string,
  ): void {
    const keys = orderBy.split(',').map((part) => {
      const m = /^\s*([A-Za-z_]\w*(?:\/[A-Za-z_]\w*)*)(?:\s+(asc|desc))?\s*$/i.exec(part);
      if (!m?.[1]) throw badRequest(`orderBy must be 'field asc|desc', got '${orderBy}'.`, 'orderBy');
      const path = m[1].split('/');
      const prop = this.api.resolvePath(def.schema, path);
      if (typeof prop === 'string') throw badRequest(`orderBy: ${prop}.`, 'orderBy');
      if (prop.kind === 'ref' || prop.kind === 'array' || prop.kind === 'map' || prop.kind === 'any') {
        throw badRequest(`orderBy: '${m[1]}' is not a sortable field.`, 'orderBy');
      }
      const kind = prop.kind === 'string' && prop.format === 'date-time' ? 'datetime' : prop.kind;
      return { path, desc: (m[2] ?? 'asc').toLowerCase() === 'desc', kind };
    });
    const ctx = this.renderContext();
    for (const item of rows) item.view ??= renderRecord(ctx, def, item.row);
    const comparable = (kind: string, value: unknown): string | number | null => {
      if (value === null || value === undefined) return null;
      if (kind === 'string') return String(value).toLowerCase();
      if (kind === 'datetime') return Date.parse(String(value));
      if (kind === 'boolean') return value ? 1 : 0;
      return Number(value);
    };
    rows.sort((a, b) => {
      for (const key of keys) {
        const x = comparable(key.kind, getPath(a.view ?? {}, key.path));
        const y = comparable(key.kind, getPath(b.view ?? {}, key.path));
        if (x === y) continue;
        // SQL Server sorts NULL first in ascending order.
        let c: number;
        if (x === null) c = -1;
        else if (y === null) c = 1;
        else c = x < y ? -1 : 1;
        return key.desc ? -c : c;
      }
      return a.row.id - b.row.id;
    });
  }

  private requireJsonBody(req: ApiRequest): unknown {
    const contentType = headerValue(req.headers['content-type'])?.split(';')[0]?.trim().toLowerCase();
    if (req.rawBody.length === 0) throw badRequest('A JSON request body is required.', 'body');
    if (contentType === undefined || !BODY_TYPES.includes(contentType)) {
      throw new HttpReplyError(
        cwError(415, 'UnsupportedMediaType', `Content-Type must be application/json, got '${contentType ?? ''}'.`),
      );
    }
    if (req.bodyError !== undefined) throw badRequest(`The request body is not valid JSON: ${req.bodyError}`, 'body');
    return req.body;
  }

  private managedInfo(def: ResourceDef, req: ApiRequest): ManagedInformation | undefined {
    if (def.table !== 'configurations') {
      this.checkQuery(req);
      return undefined;
    }
    const parsed = parseManagedInformation(req.query);
    this.checkQuery(req, parsed.consumed);
    if (parsed.issues.length > 0) throw new HttpReplyError(invalid(def.resource, def.label, parsed.issues));
    return parsed.info;
  }

  private create(def: ResourceDef, req: ApiRequest): Reply {
    const info = this.managedInfo(def, req);
    const parentId = this.checkParent(def, req);
    const body = this.requireJsonBody(req);
    if (!isPlainObject(body))
      throw new HttpReplyError(
        invalid(def.resource, def.label, [
          { code: 'InvalidObject', message: 'The body must be a JSON object.', field: '' },
        ]),
      );
    const built = buildRecord(this, def, body, parentId === undefined ? {} : { parentId });
    if (!built.record) return invalid(def.resource, def.label, built.issues);
    const row: Record<string, unknown> = { ...built.record, _info: this.state.newInfo() };
    if (info) row.managedInformation = info;
    const stored = this.state.table(def.table).insert(row);
    return { status: 201, body: renderRecord(this.renderContext(), def, stored) };
  }

  private put(def: ResourceDef, req: ApiRequest): Reply {
    const info = this.managedInfo(def, req);
    const existing = this.findRow(def, req);
    const body = this.requireJsonBody(req);
    if (!isPlainObject(body))
      throw new HttpReplyError(
        invalid(def.resource, def.label, [
          { code: 'InvalidObject', message: 'The body must be a JSON object.', field: '' },
        ]),
      );
    return this.saveReplacement(def, req, existing, body, info);
  }

  private patch(def: ResourceDef, req: ApiRequest): Reply {
    const info = this.managedInfo(def, req);
    const existing = this.findRow(def, req);
    const body = this.requireJsonBody(req);
    const view = writableView(this, def, existing);
    const issues = applyJsonPatch(this, def, view, body);
    if (issues.length > 0) return invalid(def.resource, def.label, issues);
    return this.saveReplacement(def, req, existing, view, info);
  }

  private saveReplacement(
    def: ResourceDef,
    req: ApiRequest,
    existing: { id: number; [key: string]: unknown },
    body: Record<string, unknown>,
    info: ManagedInformation | undefined,
  ): Reply {
    const built = buildRecord(
      this,
      def,
      body,
      req.params.parentId === undefined ? {} : { parentId: req.params.parentId },
    );
    if (!built.record) return invalid(def.resource, def.label, built.issues);
    const oldInfo = isPlainObject(existing._info) ? existing._info : {};
    const row: { id: number; [key: string]: unknown } = {
      ...built.record,
      id: existing.id,
      _info: { ...oldInfo, lastUpdated: this.state.timestamp(), updatedBy: this.state.memberIdentifier },
    };
    const managed = info ?? existing.managedInformation;
    if (managed !== undefined) row.managedInformation = managed;
    const stored = this.state.table(def.table).replace(row);
    return { status: 200, body: renderRecord(this.renderContext(), def, stored) };
  }

  private remove(def: ResourceDef, req: ApiRequest): Reply {
    this.checkQuery(req);
    const row = this.findRow(def, req);
    this.state.table(def.table).delete(row.id);
    return { status: 204 };
  }

  private executeSync(req: ApiRequest): Reply {
    this.checkQuery(req);
    if (req.rawBody.length > 0) throw badRequest('executeManagedItSync takes no request body.', 'body');
    const id = req.params.id as number;
    if (!this.state.management.has(id)) return cwError(404, 'NotFound', `Management ${id} not found.`);
    const run = runManagedItSync(this.state, id);
    return {
      status: 200,
      body: {
        success: true,
        message: `Managed IT sync completed: ${run.additionsCreated} additions created, ${run.additionsUpdated} updated, ${run.additionsCancelled} cancelled.`,
      },
    };
  }
}

// -----------------------------------------------------------------------------------------
// helpers

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : value;
}

/** True when one of the Accept media ranges is JSON or ConnectWise's versioned JSON. `*\/*` alone is not enough. */
function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return accept
    .split(',')
    .map((range) => range.split(';')[0]?.trim().toLowerCase() ?? '')
    .some((type) => JSON_TYPES.includes(type));
}

/**
 * pageSize: 1..1000, else 400 in the shape ConnectWise answers it (seen when its cap was 100:
 * `pageSize object is invalid` / `OutOfRange`); the real API does not truncate silently.
 */
function parsePageSize(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PAGE_SIZE;
  if (!/^-?\d+$/.test(text)) throw badRequest(`pageSize must be an integer, got '${text}'.`, 'pageSize');
  const n = Number(text);
  if (n < 1 || n > MAX_PAGE_SIZE) {
    const message = `The field pageSize must be between 1 and ${MAX_PAGE_SIZE}.`;
    throw new HttpReplyError(
      cwError(400, 'InvalidObject', 'pageSize object is invalid', [
        { code: 'OutOfRange', message, resource: 'pageSize', field: 'pageSize' },
      ]),
    );
  }
  return n;
}

function parsePositiveInt(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw badRequest(`${name} must be an integer, got '${text}'.`, name);
  const n = Number(text);
  if (n < 1) throw badRequest(`${name} must be at least 1, got ${n}.`, name);
  if (n > INT32_MAX) throw badRequest(`${name} is too large.`, name);
  return n;
}

function matchTemplate(
  templates: string[][],
  segments: string[],
): { template: string; params: { id?: number; parentId?: number } } | undefined {
  let best: { template: string; params: { id?: number; parentId?: number }; literals: number } | undefined;
  for (const template of templates) {
    if (template.length !== segments.length) continue;
    const params: { id?: number; parentId?: number } = {};
    let literals = 0;
    let ok = true;
    for (let i = 0; i < template.length && ok; i++) {
      const t = template[i] as string;
      const s = segments[i] as string;
      if (t.startsWith('{')) {
        if (!/^[1-9]\d{0,9}$/.test(s) || Number(s) > INT32_MAX) ok = false;
        else if (t === '{id}') params.id = Number(s);
        else if (t === '{parentId}') params.parentId = Number(s);
      } else if (t === s) {
        literals++;
      } else {
        ok = false;
      }
    }
    if (ok && (!best || literals > best.literals)) best = { template: template.join('/'), params, literals };
  }
  return best && { template: best.template, params: best.params };
}

function projectFields(view: Record<string, unknown>, fields: string[][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of fields) {
    const value = getPath(view, path);
    if (value === undefined || value === null) continue;
    let target = out;
    for (let i = 0; i < path.length - 1; i++) {
      const seg = path[i] as string;
      const next = target[seg];
      if (isPlainObject(next)) target = next;
      else {
        const created: Record<string, unknown> = {};
        target[seg] = created;
        target = created;
      }
    }
    target[path[path.length - 1] as string] = value;
  }
  return out;
}
