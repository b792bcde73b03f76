import { apiConfig } from './config';

describe('apiConfig', () => {
  it('has development defaults', () => {
    const c = apiConfig({});
    expect(c.API_PORT).toBe(8080);
    expect(c.SESSION_SECRET.length).toBeGreaterThanOrEqual(16);
    expect(c.WEB_DIST_DIR).toMatch(/apps\/web\/dist$/);
  });
  it('fails fast on bad values and on a missing secret in production', () => {
    expect(() => apiConfig({ API_PORT: 'eighty' })).toThrow(/API_PORT/);
    expect(() => apiConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET/);
    expect(() => apiConfig({ SESSION_SECRET: 'short' })).toThrow(/SESSION_SECRET/);
  });
});
