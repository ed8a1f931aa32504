/**
 * A tiny fetch-based client for the simulator's own tests (the product's client is tested
 * elsewhere against the simulator; here we want raw HTTP to see exactly what it answers).
 */
import type { Simulator } from './index.js';

export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export interface CallOptions {
  headers?: Record<string, string | undefined>;
  query?: Record<string, string | number>;
  body?: unknown;
  /** Sends this text verbatim as the body instead of JSON.stringify(body). */
  rawBody?: string;
  signal?: AbortSignal;
}

export function basicAuth(companyId: string, publicKey: string, privateKey: string): string {
  return `Basic ${Buffer.from(`${companyId}+${publicKey}:${privateKey}`).toString('base64')}`;
}

export function goodHeaders(sim: Simulator): Record<string, string> {
  const { companyId, publicKey, privateKey, clientId } = sim.credentials;
  return {
    authorization: basicAuth(companyId, publicKey, privateKey),
    clientId,
    accept: 'application/vnd.connectwise.com+json; version=2025.1',
  };
}

export function apiUrl(sim: Simulator, path: string, query?: Record<string, string | number>): string {
  const url = new URL(`${sim.url}/${sim.codebase}apis/3.0/${path}`);
  for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, String(v));
  return url.toString();
}

/** Calls the API with valid credentials unless overridden (a header set to undefined is removed). */
export async function call(
  sim: Simulator,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...goodHeaders(sim), ...(options.headers ?? {}) }))
    if (v !== undefined) headers[k] = v;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json';
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = body;
  if (options.signal) init.signal = options.signal;
  return toRaw(await fetch(apiUrl(sim, path, options.query), init));
}

export async function getUrl(sim: Simulator, url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return toRaw(await fetch(url, { headers: { ...goodHeaders(sim), ...headers } }));
}

async function toRaw(res: Response): Promise<RawResponse> {
  const text = await res.text();
  let body: unknown = undefined;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** Parses an RFC 5988 Link header into rel → URL. */
export function parseLinks(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="([^"]+)"/.exec(part.trim());
    if (m?.[1] && m[2]) out[m[2]] = m[1];
  }
  return out;
}

export function asArray(body: unknown): Array<Record<string, unknown>> {
  if (!Array.isArray(body)) throw new Error(`expected an array, got ${JSON.stringify(body)}`);
  return body as Array<Record<string, unknown>>;
}

export function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new Error(`expected an object, got ${JSON.stringify(body)}`);
  return body as Record<string, unknown>;
}
