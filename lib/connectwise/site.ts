import { InputValidationError } from '../errors.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const HOST_PATTERN = /^[A-Za-z0-9.-]+(:\d{1,5})?$/;

/**
 * Turns the secret's `site` into an origin. A bare host name means HTTPS; `https://` URLs may carry a
 * port; `http://` is allowed for loopback hosts only (the simulator), so credentials never cross a
 * network in clear text.
 */
export function siteOrigin(site: string): string {
  const trimmed = site.trim().replace(/\/+$/, '');
  if (!trimmed.includes('://')) {
    if (!HOST_PATTERN.test(trimmed)) {
      throw new InputValidationError('site must be a host name (e.g. api-na.myconnectwise.net) or an https:// URL', {
        field: 'site',
      });
    }
    return `https://${trimmed.toLowerCase()}`;
  }
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new InputValidationError('site is not a valid URL', { field: 'site' });
  }
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new InputValidationError(
      'site must be a bare origin (scheme, host, optional port) with no path or credentials',
      {
        field: 'site',
      },
    );
  }
  if (url.protocol === 'https:') return url.origin;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return url.origin;
  if (url.protocol === 'http:') {
    throw new InputValidationError('site uses http://, which is allowed only for loopback hosts; use https://', {
      field: 'site',
    });
  }
  throw new InputValidationError(`site must use https:// (got ${url.protocol}//)`, { field: 'site' });
}

/** `v2025_1`, `/v2025_1/` or `v2025_1/` → `v2025_1/`. */
export function normalizeCodebase(codebase: string): string {
  const trimmed = codebase.trim().replace(/^\/+|\/+$/g, '');
  if (!/^[A-Za-z0-9_.-]+$/.test(trimmed)) {
    throw new InputValidationError('codebase must look like v2025_1 or v4_6_release', { field: 'codebase' });
  }
  return `${trimmed}/`;
}

export function apiBaseUrl(origin: string, codebase: string): string {
  return `${origin}/${normalizeCodebase(codebase)}apis/3.0/`;
}
