import { generateApiKey, hashApiKey, hashSessionToken, looksLikeApiKey, readCookie } from './tokens';

describe('tokens', () => {
  it('generates API keys that parse and hash stably', () => {
    const k = generateApiKey();
    expect(looksLikeApiKey(k.key)).toBe(true);
    expect(k.key.startsWith(`fx_${k.prefix}_`)).toBe(true);
    expect(hashApiKey(k.key)).toBe(k.hash);
    expect(looksLikeApiKey('fx_short')).toBe(false);
  });
  it('keys session hashes with the secret', () => {
    expect(hashSessionToken('t', 'a'.repeat(16))).not.toBe(hashSessionToken('t', 'b'.repeat(16)));
  });
  it('reads one cookie among several', () => {
    expect(readCookie('a=1; fx_session=abc%3D; b=2', 'fx_session')).toBe('abc=');
    expect(readCookie('a=1', 'fx_session')).toBeNull();
    expect(readCookie(undefined, 'fx_session')).toBeNull();
  });
});
