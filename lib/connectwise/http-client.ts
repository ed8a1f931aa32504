import http from 'node:http';
import https from 'node:https';
import got, { HTTPError, RequestError, type Got, type Method } from 'got';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import {
  ConnectWiseError,
  ConnectWiseHttpError,
  ConnectWiseNetworkError,
  ConnectWiseResponseError,
} from '../errors.js';
import { parseLinkHeader } from './link-header.js';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay, type RetryPolicy } from './retry-policy.js';
import { apiBaseUrl, normalizeCodebase, siteOrigin } from './site.js';

/** The model version we speak; ConnectWise keeps old versions for 12 months. */
export const API_VERSION = '2025.1';
/** ConnectWise's maximum page size. */
export const MAX_PAGE_SIZE = 1000;

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
  /** Requests in flight at once against this site. @default 4 */
  readonly concurrency?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly logger?: Logger;
  /** Replaces the jitter source (tests). */
  readonly random?: () => number;
}

export interface RequestOptions {
  readonly searchParams?: Record<string, string | number>;
  readonly json?: unknown;
  /**
   * Whether repeating the call is harmless. Defaults to true for everything but POST; a POST that
   * creates a record is never retried after an ambiguous failure (the caller reconciles instead).
   */
  readonly idempotent?: boolean;
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

interface RequestContext {
  idempotent: boolean;
}

/**
 * The one ConnectWise REST client: auth/clientId/version headers, timeouts, bounded concurrency,
 * jittered retries that honour Retry-After, Link pagination, and typed errors that name method and
 * path but never credentials.
 */
export class ConnectWiseClient {
  readonly baseUrl: string;
  readonly origin: string;
  readonly stats: ClientStats = { requests: 0, retries: 0 };
  private readonly http: Got;
  private readonly limit: LimitFunction;

  private constructor(origin: string, codebase: string, credentials: ConnectWiseCredentials, options: ConnectWiseClientOptions) {
    this.origin = origin;
    this.baseUrl = apiBaseUrl(origin, codebase);
    this.limit = pLimit(options.concurrency ?? 4);
    this.http = buildGot(credentials, options, this.stats);
  }

  /** Creates a client, looking the codebase up via `login/companyinfo` when the secret pins none. */
  static async connect(credentials: ConnectWiseCredentials, options: ConnectWiseClientOptions = {}): Promise<ConnectWiseClient> {
    const origin = siteOrigin(credentials.site);
    const codebase = credentials.codebase
      ? normalizeCodebase(credentials.codebase)
      : await lookupCodebase(origin, credentials, options);
    return new ConnectWiseClient(origin, codebase, credentials, options);
  }

  /** One call, relative to the API base (e.g. `company/configurations/12`). */
  async request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
    return this.send<T>(method, new URL(path, this.baseUrl), path, options).then((r) => r.body);
  }

  /** Every record of a list endpoint, following `Link: rel="next"` page by page (pageSize ≤ 1000). */
  async list<T>(path: string, options: ListOptions = {}): Promise<T[]> {
    const pageSize = Math.min(options.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
    const url = new URL(path, this.baseUrl);
    if (options.conditions) url.searchParams.set('conditions', options.conditions);
    if (options.fields?.length) url.searchParams.set('fields', options.fields.join(','));
    if (options.orderBy) url.searchParams.set('orderBy', options.orderBy);
    url.searchParams.set('pageSize', String(pageSize));
    url.searchParams.set('page', '1');

    const all: T[] = [];
    let next: URL | undefined = url;
    for (let page = 1; next; page++) {
      if (page > 10_000) throw new ConnectWiseResponseError('pagination did not end after 10000 pages', { method: 'GET', path });
      const response: { body: unknown; link: string | undefined } = await this.send<unknown>('GET', next, path, {});
      if (!Array.isArray(response.body)) {
        throw new ConnectWiseResponseError(`expected a JSON array from ${path}`, { method: 'GET', path });
      }
      all.push(...(response.body as T[]));
      next = this.nextPage(next, response.link, response.body.length, pageSize);
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
    if (options.searchParams) for (const [k, v] of Object.entries(options.searchParams)) url.searchParams.set(k, String(v));
    const context: RequestContext = { idempotent: options.idempotent ?? method.toUpperCase() !== 'POST' };
    return this.limit(async () => {
      try {
        const response = await this.http(url, {
          method,
          ...(options.json === undefined ? {} : { json: options.json }),
          context: context as unknown as Record<string, unknown>,
        });
        return { body: parseJsonBody<T>(response.body, method, path), link: headerValue(response.headers.link) };
      } catch (error) {
        throw toConnectWiseError(error, method, path);
      }
    });
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function parseJsonBody<T>(raw: string, method: string, path: string): T {
  if (raw === '') return undefined as T;
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw new ConnectWiseResponseError(`ConnectWise answered ${method} ${path} with a body that is not JSON`, { method, path });
  }
}

function buildGot(credentials: ConnectWiseCredentials, options: ConnectWiseClientOptions, stats: ClientStats): Got {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const random = options.random ?? Math.random;
  const token = Buffer.from(`${credentials.companyId}+${credentials.publicKey}:${credentials.privateKey}`).toString('base64');
  const concurrency = options.concurrency ?? 4;
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
      http: new http.Agent({ keepAlive: true, maxSockets: concurrency }),
      https: new https.Agent({ keepAlive: true, maxSockets: concurrency }),
    },
    retry: {
      limit: policy.limit,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'],
      calculateDelay: ({ attemptCount, error, retryAfter }) => {
        const ctx = error.options.context as Partial<RequestContext>;
        return retryDelay(
          {
            attemptCount,
            method: String(error.options.method),
            idempotent: ctx.idempotent ?? false,
            ...(error.response ? { statusCode: error.response.statusCode } : {}),
            ...(error.code ? { errorCode: error.code } : {}),
            ...(() => {
              const ms = retryAfter ?? parseRetryAfter(headerValue(error.response?.headers['retry-after']));
              return ms === undefined ? {} : { retryAfterMs: ms };
            })(),
          },
          policy,
          random,
        );
      },
    },
    hooks: {
      beforeRequest: [
        () => {
          stats.requests++;
        },
      ],
      beforeRetry: [
        (error, retryCount) => {
          stats.retries++;
          const url = error.options.url instanceof URL ? error.options.url.pathname : '';
          options.logger?.warn(
            { method: error.options.method, path: url, status: error.response?.statusCode, code: error.code, retryCount },
            'retrying ConnectWise request',
          );
        },
      ],
    },
  });
}

async function lookupCodebase(origin: string, credentials: ConnectWiseCredentials, options: ConnectWiseClientOptions): Promise<string> {
  const path = 'login/companyinfo/{companyId}';
  const stats: ClientStats = { requests: 0, retries: 0 };
  const client = buildGot(credentials, options, stats);
  let info: unknown;
  try {
    const response = await client(`${origin}/login/companyinfo/${encodeURIComponent(credentials.companyId)}`, {
      method: 'GET',
      headers: { authorization: undefined, accept: 'application/json' },
      context: { idempotent: true },
    });
    info = parseJsonBody(response.body, 'GET', path);
  } catch (error) {
    throw toConnectWiseError(error, 'GET', path);
  }
  if (info === null || info === undefined || typeof info !== 'object') {
    throw new ConnectWiseResponseError(
      `ConnectWise at ${origin} does not know the secret's companyId (login/companyinfo answered null); check companyId and site`,
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

/** Maps got's errors to ours, keeping ConnectWise's error code and message but nothing from the request headers. */
export function toConnectWiseError(error: unknown, method: string, path: string): ConnectWiseError {
  if (error instanceof ConnectWiseError) return error;
  const upper = method.toUpperCase();
  if (error instanceof HTTPError) {
    const status = error.response.statusCode;
    const body = safeJson(String(error.response.body ?? ''));
    const cwCode = pickString(body, 'code') ?? pickString(body, 'error');
    const cwMessage = pickString(body, 'message');
    const details = Array.isArray((body as { errors?: unknown } | undefined)?.errors)
      ? ((body as { errors: unknown[] }).errors.filter((e) => typeof e === 'object' && e !== null) as {
          code?: string;
          message?: string;
          field?: string;
          resource?: string;
        }[])
      : [];
    const hint =
      status === 401
        ? ' (check publicKey, privateKey, companyId and clientId in the secret)'
        : status === 404 && !/\/\d+(\/|$)/.test(path)
          ? ' (a 404 on a collection usually means a wrong site or codebase)'
          : '';
    return new ConnectWiseHttpError(
      `ConnectWise ${upper} ${path} failed: ${status}${cwCode ? ` ${cwCode}` : ''}${cwMessage ? `: ${cwMessage}` : ''}${hint}`,
      { method: upper, path, status, ...(cwCode ? { cwCode } : {}), details },
    );
  }
  if (error instanceof RequestError) {
    const code = error.code || 'ERR_NETWORK';
    const what = code === 'ETIMEDOUT' ? 'timed out' : `failed (${code})`;
    return new ConnectWiseNetworkError(`ConnectWise ${upper} ${path} ${what}`, { method: upper, path, networkCode: code });
  }
  return new ConnectWiseResponseError(`ConnectWise ${upper} ${path} failed: ${error instanceof Error ? error.message : String(error)}`, {
    method: upper,
    path,
  });
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
