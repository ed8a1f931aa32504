import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

export const TOKEN_COOKIE = 'cwpub_ui_token';

/** A fresh token for one `cwpub ui` process: 192 random bits, URL-safe. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Who may use the page served on the operator's machine (contract v3 "Serving"): the Host must be
 * 127.0.0.1:PORT or localhost:PORT (a DNS-rebinding page elsewhere cannot reach it), the token comes
 * once in the URL and then as an HttpOnly SameSite=Strict cookie, and a state-changing request is a
 * POST whose Origin, when sent, is the page's own. The hosted page replaces this with its sign-in.
 */
export function localAccess(options: { token: string; port: () => number }): MiddlewareHandler {
  return async (c, next) => {
    const port = options.port();
    const host = c.req.header('host') ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
      return c.text(`refused: this page answers only to 127.0.0.1:${port} and localhost:${port}`, 403);
    const url = new URL(c.req.url);
    const fromUrl = url.searchParams.get('token');
    if (fromUrl !== null) {
      if (!sameToken(fromUrl, options.token) || c.req.method !== 'GET') return unauthorized(c);
      setCookie(c, TOKEN_COOKIE, options.token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      // The token leaves the address bar (and the history) at once.
      url.searchParams.delete('token');
      return c.redirect(`${url.pathname}${url.search}`, 303);
    }
    if (!sameToken(getCookie(c, TOKEN_COOKIE), options.token)) return unauthorized(c);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      if (c.req.method !== 'POST') return c.text('method not allowed', 405);
      const origin = c.req.header('origin');
      if (origin !== undefined && origin !== `http://${host}`) return c.text('refused: foreign Origin', 403);
    }
    await next();
  };
}

function unauthorized(c: Parameters<MiddlewareHandler>[0]) {
  return c.text('401: open the address `cwpub ui` printed (it carries the token for this session)', 401);
}

/**
 * Headers every answer carries: no framing, no inline script, no referrer to other sites (the first
 * URL holds the token). `no-referrer` would make Chromium send `Origin: null` on the page's own forms.
 */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header(
    'Content-Security-Policy',
    "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  );
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'same-origin');
  c.header('Cache-Control', 'no-store');
};
