import type { IncomingHttpHeaders } from 'node:http';
import helmet from 'helmet';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { readCookie, SESSION_COOKIE } from '../auth/tokens';
import type { ApiConfig } from '../config';
import type { NextFunction, Request, Response } from './express-types';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

export interface CsrfInput {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** the host names this API answers as: the Host header (and X-Forwarded-Host behind a trusted proxy) */
  hosts: readonly string[];
  /** other origins allowed to write (API_ALLOWED_ORIGINS), lowercase, without a trailing slash */
  allowedOrigins: readonly string[];
  /** HTTPS deployment (COOKIE_SECURE): an http:// origin is another site */
  secure: boolean;
}

/**
 * Why a request is refused as cross-site, or null. A state-changing request that a browser could
 * send with the session cookie by itself (no Authorization header: API keys are never ambient) must
 * come from this site: its Origin (or, when a browser sends none, its Referer) names this host or an
 * allowed origin. Sign-in from another site is refused too (login CSRF; a sign-in naming no page, from a
 * program, is let through: it carries nothing ambient). SameSite=Lax alone lets a
 * same-site page, or a top-level form POST in old browsers, through; and `text/plain` bodies reach
 * handlers whose body is optional.
 */
export const csrfRefusal = (i: CsrfInput): string | null => {
  if (SAFE_METHODS.has(i.method.toUpperCase())) return null;
  if (i.headers.authorization) return null;
  const withCookie = readCookie(i.headers.cookie, SESSION_COOKIE) !== null;
  const signIn = i.path.toLowerCase().replace(/\/+$/, '') === '/api/auth/login';
  if (!withCookie && !signIn) return null;
  const origin = first(i.headers.origin);
  const referer = first(i.headers.referer);
  const source = origin ?? referer;
  // a browser names the page a write comes from; a sign-in without a cookie from a program need not
  if (!source) return withCookie ? 'a write with the session cookie must carry an Origin or Referer header of this site' : null;
  let url: URL;
  try {
    if (source === 'null') throw new Error('opaque');
    url = new URL(source);
  } catch {
    return `the request's ${origin !== undefined ? 'Origin' : 'Referer'} is not this site`;
  }
  if (i.allowedOrigins.includes(url.origin.toLowerCase())) return null;
  const sameHost = i.hosts.some((h) => h.toLowerCase() === url.host.toLowerCase());
  if (!sameHost || (i.secure && url.protocol !== 'https:')) return `cross-site request refused (from ${url.origin})`;
  return null;
};

/** true when the path's percent-encoding decodes (`/hooks/%E0%A4%A` does not) */
export const pathDecodes = (path: string): boolean => {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
};

/**
 * Content-Security-Policy of every response. The built web app is one module script and one
 * stylesheet from /assets (vite), images are data: URIs (the favicon), the API is same-origin
 * (fetch, EventSource). React and React Flow set styles through the CSSOM (element.style), which
 * style-src does not govern, so no 'unsafe-inline' is needed. Nothing may frame the app.
 */
export const cspDirectives = (secure: boolean): Record<string, string[] | null> => ({
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'upgrade-insecure-requests': secure ? [] : null,
});

const errorJson = (res: Response, status: number, code: string, message: string): void => {
  res.status(status).json({ code, message });
};

/**
 * What every request passes first (called from main.ts before the web app and the routes): the
 * proxy trust, security headers (helmet), a 400 for URLs whose percent-encoding is malformed, and
 * the cross-site check of cookie-session writes.
 */
export const applySecurity = (app: NestExpressApplication, cfg: ApiConfig): void => {
  const trustProxy = cfg.API_TRUST_PROXY;
  if (trustProxy) app.set('trust proxy', /^\d+$/.test(trustProxy) ? Number(trustProxy) : trustProxy === 'true' ? true : trustProxy);
  const secure = cfg.COOKIE_SECURE;
  app.use(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: cspDirectives(secure) },
      xFrameOptions: { action: 'deny' },
      // the browser's Origin header of same-origin writes depends on it: `no-referrer` (helmet's default) makes it "null"
      referrerPolicy: { policy: 'same-origin' },
      strictTransportSecurity: secure ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    }),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!pathDecodes(req.path)) return errorJson(res, 400, 'bad_request', 'the URL is not valid (malformed percent-encoding)');
    const hosts = [first(req.headers.host)];
    if (trustProxy) hosts.push(first(req.headers['x-forwarded-host'])?.split(',')[0]?.trim());
    const refusal = csrfRefusal({
      method: req.method,
      path: req.path,
      headers: req.headers,
      hosts: hosts.filter((h): h is string => !!h),
      allowedOrigins: cfg.API_ALLOWED_ORIGINS,
      secure,
    });
    if (refusal) return errorJson(res, 403, 'forbidden', refusal);
    next();
  });
};
