import { cspDirectives, csrfRefusal, pathDecodes, type CsrfInput } from './security';

const base: CsrfInput = {
  method: 'POST',
  path: '/api/workflows',
  headers: { host: 'app.test:8080', cookie: 'fx_session=abc' },
  hosts: ['app.test:8080'],
  allowedOrigins: [],
  secure: false,
};
const refused = (over: Partial<CsrfInput> & { h?: Record<string, string> }) => csrfRefusal({ ...base, ...over, headers: { ...base.headers, ...over.h } });

describe('cross-site writes with the session cookie', () => {
  it('lets reads, API-key requests and requests without the cookie through', () => {
    expect(refused({ method: 'GET', h: { origin: 'https://evil.test' } })).toBeNull();
    expect(refused({ method: 'HEAD' })).toBeNull();
    expect(refused({ h: { authorization: 'Bearer fx_x', origin: 'https://evil.test' } })).toBeNull();
    expect(csrfRefusal({ ...base, headers: { host: 'app.test:8080', origin: 'https://evil.test' } })).toBeNull();
  });
  it('accepts a same-origin Origin, or a same-origin Referer when no Origin is sent', () => {
    expect(refused({ h: { origin: 'http://app.test:8080' } })).toBeNull();
    expect(refused({ h: { origin: 'http://APP.test:8080' } })).toBeNull();
    expect(refused({ h: { referer: 'http://app.test:8080/builder/1?x=y' } })).toBeNull();
    expect(refused({ h: { origin: 'https://app.example.com' }, allowedOrigins: ['https://app.example.com'] })).toBeNull();
  });
  it('refuses another site, an opaque origin, a missing origin and, over HTTPS, a plain-http one', () => {
    expect(refused({ h: { origin: 'https://evil.test' } })).toMatch(/cross-site/);
    expect(refused({ h: { origin: 'http://app.test:9999' } })).toMatch(/cross-site/);
    expect(refused({ h: { origin: 'null' } })).toMatch(/not this site/);
    expect(refused({ h: { referer: 'https://evil.test/page' } })).toMatch(/cross-site/);
    expect(refused({ h: { origin: 'https://evil.test', referer: 'http://app.test:8080/' } })).toMatch(/cross-site/);
    expect(refused({})).toMatch(/Origin or Referer/);
    expect(refused({ method: 'DELETE', h: { origin: 'https://evil.test' } })).toMatch(/cross-site/);
    expect(refused({ secure: true, h: { origin: 'http://app.test:8080' } })).toMatch(/cross-site/);
    expect(refused({ secure: true, h: { origin: 'https://app.test:8080' } })).toBeNull();
  });
  it('covers sign-in without a cookie (login CSRF)', () => {
    const login = { ...base, path: '/api/auth/login', headers: { host: 'app.test:8080', origin: 'https://evil.test' } };
    expect(csrfRefusal(login)).toMatch(/cross-site/);
    expect(csrfRefusal({ ...login, path: '/API/auth/login/' })).toMatch(/cross-site/);
    expect(csrfRefusal({ ...login, headers: { host: 'app.test:8080', origin: 'http://app.test:8080' } })).toBeNull();
    expect(csrfRefusal({ ...login, headers: { host: 'app.test:8080' } })).toBeNull();
  });
});

describe('URLs and headers', () => {
  it('tells malformed percent-encoding apart', () => {
    expect(pathDecodes('/hooks/%E0%A4%A')).toBe(false);
    expect(pathDecodes('/api/workflows/%')).toBe(false);
    expect(pathDecodes('/api/templates/Invoices%20%26%20payments')).toBe(true);
  });
  it('forbids framing and inline scripts; upgrades requests only over HTTPS', () => {
    const d = cspDirectives(false);
    expect(d['frame-ancestors']).toEqual(["'none'"]);
    expect(d['script-src']).toEqual(["'self'"]);
    expect(d['upgrade-insecure-requests']).toBeNull();
    expect(cspDirectives(true)['upgrade-insecure-requests']).toEqual([]);
  });
});
