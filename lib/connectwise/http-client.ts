import http from 'node:http';
import https from 'node:https';
import got, { HTTPError, RequestError, type Got, type Method, type Response } from 'got';
import type { Logger } from 'pino';
import {
  ConnectWiseError,
  ConnectWiseHttpError,
  ConnectWiseNetworkError,
  ConnectWiseResponseError,
  RunDeadlineError,
} from '../errors.js';
import { ACCOUNT_DEFAULTS } from '../contract.js';
import { parseLinkHeader } from './link-header.js';
import { createRedactor, type Redactor } from './redact.js';
import { DEFAULT_RETRY_POLICY, decideRetry, parseRetryAfter, type RetryPolicy } from './retry-policy.js';
import { siteGovernors, type SiteGovernor, type SiteGovernorRegistry } from './site-governor.js';
import { apiBaseUrl, normalizeCodebase, siteOrigin } from './site.js';

/** The model version we speak; ConnectWise keeps old versions for 12 months. */
export const API_VERSION = '2025.1';
/** ConnectWise's maximum page size. */
export const MAX_PAGE_SIZE = 1000;
/** Requests in flight at once per site and company, unless the options say otherwise. */
export const DEFAULT_CONCURRENCY = 4;

export interface ConnectWiseCredentials {
  readonly site: string;
  readonly companyId: string;
  readonly publicKey: string;
  readonly privateKey: string;
  readonly clientId: string;
  readonly codebase?: string | undefined;
}

export interface ConnectWiseClientOptions {
  /** Per-attempt timeout. @default 30000 */
  readonly timeoutMs?: number;
  /**
   * Request starts allowed in any rolling 60 s to this site and company (the account's
   * `requestsPerMinute`). Connections to the same site and company share it; the lowest wins.
   * @default 600
   */
  readonly requestsPerMinute?: number;
  /** Requests in flight at once to this site and company (shared like `requestsPerMinute`). @default 4 */
  readonly concurrency?: number;
  /**
   * Epoch ms of the run's deadline: no wait (429 Retry-After, backoff, queue) goes past it; the call
   * throws RunDeadlineError instead. Absent (the CLI): a single Retry-After over 15 minutes fails the call.
   */
  readonly deadlineAt?: number | undefined;
  readonly retry?: Partial<RetryPolicy>;
  readonly logger?: Logger;
  /** Replaces the jitter source (tests). */
  readonly random?: () => number;
  /** Replaces the process-wide governor registry (tests). */
  readonly governors?: SiteGovernorRegistry;
  /** Replaces the 60 s rolling window (tests: a short window stands for a minute). */
  readonly rateWindowMs?: number;
}

export interface RequestOptions {
  readonly searchParams?: Record<string, string | number>;
  readonly json?: unknown;
  /**
   * Whether repeating the call is harmless. Defaults to true for everything but POST; a POST that
   * creates a record is never retried after an ambiguous failure (the caller reconciles instead).
   */
  readonly idempotent?: boolean;
  /** Extra request headers (e.g. `pagination-type`). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ListOptions {
  readonly conditions?: string;
  readonly fields?: readonly string[];
  readonly orderBy?: string;
  readonly pageSize?: number;
}

export interface ClientStats {
  /** HTTP attempts sent, retries included. */
  requests: number;
  retries: number;
}

interface CallOptions {
  readonly json?: unknown;
  readonly idempotent: boolean;
  /** `login/companyinfo` is public: no Authorization header. */
  readonly anonymous?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Sends attempts through the site's governor and decides retries itself (got never retries, never
 * follows a redirect): 429s pause the whole site and are bounded by the run's deadline, 5xx/network
 * errors use the retry budget. Errors carry no credentials and no credential echoed by the server.
 */
class Transport {
  readonly stats: ClientStats = { requests: 0, retries: 0 };
  private readonly http: Got;
  private readonly policy: RetryPolicy;
  private readonly random: () => number;
  readonly redact: Redactor;

  constructor(
    readonly origin: string,
    credentials: ConnectWiseCredentials,
    private readonly governor: SiteGovernor,
    private readonly options: ConnectWiseClientOptions,
  ) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.random = options.random ?? Math.random;
    this.redact = createRedactor(credentials);
    this.http = buildGot(credentials, options);
  }

  async call(method: Method, url: URL, path: string, options: CallOptions): Promise<Response<string>> {
    const upper = method.toUpperCase();
    const { deadlineAt } = this.options;
    let transientRetries = 0;
    let throttles = 0;
    for (;;) {
      const retrying = transientRetries + throttles > 0;
      const outcome = await this.governor.run(() => this.attempt(upper, url, options), {
        deadlineAt,
        priority: retrying ? 1 : 0,
      });
      const response = 'response' in outcome ? outcome.response : undefined;
      const status = response?.statusCode;
      if (status !== undefined && status >= 200 && status < 300) return response!;
      const failure = response
        ? httpStatusError(response, upper, path, url, this.redact)
        : toConnectWiseError('error' in outcome ? outcome.error : undefined, upper, path, this.redact);
      if (status !== undefined && status >= 300 && status < 400) throw failure;

      const retryAfterMs = parseRetryAfter(headerValue(response?.headers['retry-after']));
      const decision = decideRetry(
        {
          method: upper,
          idempotent: options.idempotent,
          ...(status === undefined ? {} : { statusCode: status }),
          ...(failure instanceof ConnectWiseNetworkError ? { errorCode: failure.networkCode } : {}),
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          transientRetries,
          throttles,
          ...(deadlineAt === undefined ? {} : { remainingMs: deadlineAt - Date.now() }),
        },
        this.policy,
        this.random,
      );
      switch (decision.action) {
        case 'fail':
          if (decision.reason && failure instanceof ConnectWiseHttpError) throw withReason(failure, decision.reason);
          throw failure;
        case 'deadline': {
          // The site still asked everyone to wait: other work on it must not send meanwhile.
          if (status === 429) this.pauseSite(decision.delayMs, upper, path);
          throw new RunDeadlineError(
            `ConnectWise ${upper} ${path}: waiting ${Math.ceil(decision.delayMs / 1000)} s ` +
              `(${status === 429 ? 'rate limited' : 'before retrying'}) would pass the run's deadline`,
            { cause: failure },
          );
        }
        case 'pause-site': {
          throttles++;
          this.stats.retries++;
          this.pauseSite(decision.delayMs, upper, path);
          break;
        }
        case 'retry': {
          transientRetries++;
          this.stats.retries++;
          this.options.logger?.warn(
            {
              method: upper,
              path,
              status,
              code: failure instanceof ConnectWiseNetworkError ? failure.networkCode : undefined,
              retryCount: transientRetries,
            },
            'retrying ConnectWise request',
          );
          await sleep(decision.delayMs);
          break;
        }
      }
    }
  }

  /** Pauses every request to the site and says so in one line (host, seconds, path; nothing the server said). */
  private pauseSite(delayMs: number, method: string, path: string): void {
    this.governor.pauseFor(delayMs);
    this.options.logger?.warn(
      { site: new URL(this.origin).host, seconds: Math.ceil(delayMs / 1000), method, path },
      'ConnectWise rate limit (429): pausing every request to this site',
    );
  }

  /** One HTTP attempt; never throws (the loop decides what a failure means). */
  private async attempt(
    method: string,
    url: URL,
    options: CallOptions,
  ): Promise<{ response: Response<string> } | { error: unknown }> {
    this.stats.requests++;
    try {
      const response = await this.http(url, {
        method: method as Method,
        ...(options.json === undefined ? {} : { json: options.json }),
        ...(options.anonymous
          ? { headers: { authorization: undefined, accept: 'application/json' } }
          : options.headers
            ? { headers: { ...options.headers } }
            : {}),
      });
      return { response };
    } catch (error) {
      return { error };
    }
  }
}

/**
 * The one ConnectWise REST client: auth/clientId/version headers, timeouts, the site's request
 * governor (rate, concurrency, 429 pauses), jittered retries, Link pagination, and typed errors that
 * name method and path but never credentials.
 */
export class ConnectWiseClient {
  readonly baseUrl: string;
  readonly origin: string;
  readonly stats: ClientStats;
  /** Scrubs this connection's credentials out of server text (for text kept from successful answers). */
  readonly redact: Redactor;

  private constructor(
    private readonly transport: Transport,
    codebase: string,
  ) {
    this.origin = transport.origin;
    this.baseUrl = apiBaseUrl(transport.origin, codebase);
    this.stats = transport.stats;
    this.redact = transport.redact;
  }

  /** Creates a client, looking the codebase up via `login/companyinfo` when the secret pins none. */
  static async connect(
    credentials: ConnectWiseCredentials,
    options: ConnectWiseClientOptions = {},
  ): Promise<ConnectWiseClient> {
    const origin = siteOrigin(credentials.site);
    const governor = (options.governors ?? siteGovernors).acquire(origin, credentials.companyId, {
      requestsPerMinute: options.requestsPerMinute ?? ACCOUNT_DEFAULTS.requestsPerMinute,
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      ...(options.rateWindowMs === undefined ? {} : { windowMs: options.rateWindowMs }),
    });
    const transport = new Transport(origin, credentials, governor, options);
    const codebase = credentials.codebase
      ? normalizeCodebase(credentials.codebase)
      : await lookupCodebase(transport, credentials.companyId);
    return new ConnectWiseClient(transport, codebase);
  }

  /** One call, relative to the API base (e.g. `company/configurations/12`). */
  async request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(path, this.baseUrl);
    if (options.searchParams)
      for (const [k, v] of Object.entries(options.searchParams)) url.searchParams.set(k, String(v));
    return this.send<T>(method, url, path, options).then((r) => r.body);
  }

  /**
   * Every record of a list endpoint, page by page (pageSize ≤ 1000). Without `orderBy` it pages
   * forward-only (`pagination-type: forward-only`, `pageId` = the last id received: "id > pageId"), so
   * a record that others add or delete between two pages neither hides nor repeats another, as page
   * numbers would (a deletion on page 1 shifts a record of page 2 onto page 1, unseen).
   */
  async list<T>(path: string, options: ListOptions = {}): Promise<T[]> {
    const pageSize = Math.min(options.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
    const forwardOnly = !options.orderBy;
    const url = new URL(path, this.baseUrl);
    if (options.conditions) url.searchParams.set('conditions', options.conditions);
    if (options.fields?.length) url.searchParams.set('fields', options.fields.join(','));
    if (options.orderBy) url.searchParams.set('orderBy', options.orderBy);
    url.searchParams.set('pageSize', String(pageSize));
    if (!forwardOnly) url.searchParams.set('page', '1');
    const headers = forwardOnly ? FORWARD_ONLY : undefined;

    const all: T[] = [];
    let next: URL | undefined = url;
    for (let page = 1; next; page++) {
      if (page > 10_000)
        throw new ConnectWiseResponseError('pagination did not end after 10000 pages', { method: 'GET', path });
      const response: { body: unknown; link: string | undefined } = await this.send<unknown>('GET', next, path, {
        ...(headers ? { headers } : {}),
      });
      if (!Array.isArray(response.body)) {
        throw new ConnectWiseResponseError(`expected a JSON array from ${path}`, { method: 'GET', path });
      }
      all.push(...(response.body as T[]));
      next = forwardOnly
        ? nextForwardPage(next, response.link, response.body, pageSize, path)
        : this.nextPage(next, response.link, response.body.length, pageSize);
    }
    return all;
  }

  /**
   * The next page's URL, built on our own request: the `Link` header only says whether there is a
   * next page and which page number. Its host is never followed, so credentials go nowhere but the
   * configured site even when a proxy or ConnectWise itself names another host name in the link.
   */
  private nextPage(current: URL, linkHeader: string | undefined, received: number, pageSize: number): URL | undefined {
    const page = Number(current.searchParams.get('page') ?? '1');
    const following = new URL(current);
    if (linkHeader !== undefined) {
      const next = parseLinkHeader(linkHeader).get('next');
      if (!next) return undefined;
      const linked = Number(new URL(next, current).searchParams.get('page'));
      following.searchParams.set('page', String(Number.isInteger(linked) && linked > page ? linked : page + 1));
      return following;
    }
    // No Link header at all (some proxies strip it): a full page means there may be another.
    if (received < pageSize) return undefined;
    following.searchParams.set('page', String(page + 1));
    return following;
  }

  private async send<T>(
    method: Method,
    url: URL,
    path: string,
    options: RequestOptions,
  ): Promise<{ body: T; link: string | undefined }> {
    const idempotent = options.idempotent ?? method.toUpperCase() !== 'POST';
    const response = await this.transport.call(method, url, path, {
      idempotent,
      ...(options.json === undefined ? {} : { json: options.json }),
      ...(options.headers ? { headers: options.headers } : {}),
    });
    return {
      body: parseJsonBody<T>(response.body, method.toUpperCase(), path),
      link: headerValue(response.headers.link),
    };
  }
}

const FORWARD_ONLY = { 'pagination-type': 'forward-only' } as const;

/**
 * The next forward-only page: `pageId` from the `Link` header's next (only a number greater than the
 * current one, on our own base URL), else, with no `Link` header at all and a full page, the last id
 * received. Ids must grow, or the listing could loop or skip.
 */
function nextForwardPage(
  current: URL,
  linkHeader: string | undefined,
  records: readonly unknown[],
  pageSize: number,
  path: string,
): URL | undefined {
  const currentId = Number(current.searchParams.get('pageId') ?? '0');
  let nextId: number;
  if (linkHeader !== undefined) {
    const next = parseLinkHeader(linkHeader).get('next');
    if (!next) return undefined;
    nextId = Number(new URL(next, current).searchParams.get('pageId'));
  } else {
    if (records.length < pageSize) return undefined;
    nextId = Number((records[records.length - 1] as { id?: unknown } | undefined)?.id);
  }
  if (!Number.isSafeInteger(nextId) || nextId <= currentId) {
    throw new ConnectWiseResponseError(`forward-only paging of ${path} did not move forward (pageId ${nextId})`, {
      method: 'GET',
      path,
    });
  }
  const following = new URL(current);
  following.searchParams.set('pageId', String(nextId));
  return following;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function parseJsonBody<T>(raw: string, method: string, path: string): T {
  if (raw === '') return undefined as T;
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw new ConnectWiseResponseError(`ConnectWise answered ${method} ${path} with a body that is not JSON`, {
      method,
      path,
    });
  }
}

function buildGot(credentials: ConnectWiseCredentials, options: ConnectWiseClientOptions): Got {
  const token = Buffer.from(`${credentials.companyId}+${credentials.publicKey}:${credentials.privateKey}`).toString(
    'base64',
  );
  const sockets = options.concurrency ?? DEFAULT_CONCURRENCY;
  return got.extend({
    headers: {
      authorization: `Basic ${token}`,
      clientid: credentials.clientId,
      accept: `application/vnd.connectwise.com+json; version=${API_VERSION}`,
      'user-agent': 'connectwise-usage-publisher',
    },
    responseType: 'text',
    timeout: { request: options.timeoutMs ?? 30_000 },
    agent: {
      http: new http.Agent({ keepAlive: true, maxSockets: sockets }),
      https: new https.Agent({ keepAlive: true, maxSockets: sockets }),
    },
    // Retries are ours (one governor job each); a redirect could carry the credentials to another host.
    retry: { limit: 0 },
    followRedirect: false,
    throwHttpErrors: false,
  });
}

async function lookupCodebase(transport: Transport, companyId: string): Promise<string> {
  const path = 'login/companyinfo/{companyId}';
  const url = new URL(`${transport.origin}/login/companyinfo/${encodeURIComponent(companyId)}`);
  const response = await transport.call('GET', url, path, { idempotent: true, anonymous: true });
  const info = parseJsonBody<unknown>(response.body, 'GET', path);
  if (info === null || info === undefined || typeof info !== 'object') {
    throw new ConnectWiseResponseError(
      `ConnectWise at ${transport.origin} does not know the secret's companyId (login/companyinfo answered null); check companyId and site`,
      { method: 'GET', path },
    );
  }
  const codebase = (info as { Codebase?: unknown }).Codebase;
  if (typeof codebase !== 'string' || codebase.trim() === '') {
    throw new ConnectWiseResponseError('login/companyinfo answered without a Codebase; set "codebase" in the secret', {
      method: 'GET',
      path,
    });
  }
  return normalizeCodebase(codebase);
}

type ErrorDetail = { code?: string; message?: string; field?: string; resource?: string };

/**
 * A non-2xx answer as a typed error. Everything taken from the answer (ConnectWise's code, message,
 * error details, a proxy's plain-text body, a redirect's host) goes through `redact` first.
 */
export function httpStatusError(
  response: Pick<Response<string>, 'statusCode' | 'headers' | 'body'>,
  method: string,
  path: string,
  requestUrl: URL,
  redact: Redactor,
): ConnectWiseHttpError {
  const status = response.statusCode;
  const upper = method.toUpperCase();
  if (status >= 300 && status < 400) {
    return new ConnectWiseHttpError(
      `ConnectWise answered ${status} ` +
        `(${redirectTarget(headerValue(response.headers.location), requestUrl, redact)}); ` +
        'redirects are not followed: check the site in the secret',
      { method: upper, path, status },
    );
  }
  const text = String(response.body ?? '');
  const body = safeJson(text);
  const cwCode = clean(pickString(body, 'code') ?? pickString(body, 'error'), redact);
  // A body that is not JSON is a proxy's or gateway's page: its words are the message.
  const cwMessage =
    body === undefined ? clean(text, redact, { html: true }) : clean(pickString(body, 'message'), redact);
  const rawDetails = (body as { errors?: unknown } | undefined)?.errors;
  const details: ErrorDetail[] = Array.isArray(rawDetails)
    ? rawDetails
        .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
        .map((e) => pickDetail(e, redact))
    : [];
  const hint =
    status === 401
      ? ' (check publicKey, privateKey, companyId and clientId in the secret)'
      : status === 404 && !/\/\d+(\/|$)/.test(path)
        ? ' (a 404 on a collection usually means a wrong site or codebase)'
        : '';
  return new ConnectWiseHttpError(
    `ConnectWise ${upper} ${path} failed: ${status}${cwCode ? ` ${cwCode}` : ''}${cwMessage ? `: ${cwMessage}` : ''}${hint}`,
    {
      method: upper,
      path,
      status,
      ...(cwCode ? { cwCode } : {}),
      details,
    },
  );
}

/** Maps a thrown error (got's network errors, anything unexpected) to ours; never with request headers. */
export function toConnectWiseError(
  error: unknown,
  method: string,
  path: string,
  redact: Redactor = (t) => t,
): ConnectWiseError {
  if (error instanceof ConnectWiseError) return error;
  const upper = method.toUpperCase();
  if (error instanceof HTTPError)
    return httpStatusError(error.response as Response<string>, upper, path, new URL(error.response.url), redact);
  if (error instanceof RequestError) {
    const code = error.code || 'ERR_NETWORK';
    const what = code === 'ETIMEDOUT' ? 'timed out' : `failed (${code})`;
    return new ConnectWiseNetworkError(`ConnectWise ${upper} ${path} ${what}`, {
      method: upper,
      path,
      networkCode: code,
    });
  }
  return new ConnectWiseResponseError(
    `ConnectWise ${upper} ${path} failed: ${redact(error instanceof Error ? error.message : String(error))}`,
    {
      method: upper,
      path,
    },
  );
}

function withReason(error: ConnectWiseHttpError, reason: string): ConnectWiseHttpError {
  return new ConnectWiseHttpError(`${error.message}; ${reason}`, {
    method: error.method,
    path: error.path,
    status: error.status,
    ...(error.cwCode ? { cwCode: error.cwCode } : {}),
    details: error.details,
  });
}

function redirectTarget(location: string | undefined, requestUrl: URL, redact: Redactor): string {
  if (!location) return 'a redirect with no Location';
  try {
    return `redirect to ${redact(new URL(location, requestUrl).host)}`;
  } catch {
    return 'a redirect to an unreadable Location';
  }
}

/**
 * Server text kept in an error: redacted first, then reduced (tags of a proxy's HTML page dropped,
 * whitespace collapsed) and cut, so neither step can leave part of a secret behind.
 */
function clean(
  text: string | undefined,
  redact: Redactor,
  options: { html?: boolean } = {},
  max = 500,
): string | undefined {
  if (text === undefined) return undefined;
  let out = redact(text);
  if (options.html) out = out.replace(/<[^>]*>/g, ' ');
  out = out.replace(/\s+/g, ' ').trim();
  if (out === '') return undefined;
  return out.length > max ? `${out.slice(0, max)}…` : out;
}

function pickDetail(entry: Record<string, unknown>, redact: Redactor): ErrorDetail {
  const detail: ErrorDetail = {};
  for (const key of ['code', 'message', 'field', 'resource'] as const) {
    const value = clean(typeof entry[key] === 'string' ? entry[key] : undefined, redact);
    if (value !== undefined) detail[key] = value;
  }
  return detail;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function pickString(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = (value as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
