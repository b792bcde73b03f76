import { randomBytes } from 'node:crypto';
import { decryptSecret, encryptSecret, keyFromEnv } from './credentials';

describe('credentials encryption', () => {
  const key = randomBytes(32);

  it('round-trips, with a fresh IV each time', () => {
    const a = encryptSecret('key-3ax6xnjp29jd6fds4gc373sgvjxteol0', key);
    const b = encryptSecret('key-3ax6xnjp29jd6fds4gc373sgvjxteol0', key);
    expect(a).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]*$/);
    expect(a).not.toBe(b);
    expect(decryptSecret(a, key)).toBe('key-3ax6xnjp29jd6fds4gc373sgvjxteol0');
    expect(decryptSecret(encryptSecret('', key), key)).toBe('');
    expect(decryptSecret(encryptSecret('pässwörd ✓', key), key)).toBe('pässwörd ✓');
  });

  it('refuses tampered data, tag or iv', () => {
    const c = encryptSecret('secret', key);
    const [v, iv, tag, data] = c.split(':') as [string, string, string, string];
    const flip = (b64: string) => {
      const b = Buffer.from(b64, 'base64');
      b[0] = (b[0] ?? 0) ^ 1;
      return b.toString('base64');
    };
    expect(() => decryptSecret([v, iv, tag, flip(data)].join(':'), key)).toThrow(/authentication failed/);
    expect(() => decryptSecret([v, iv, flip(tag), data].join(':'), key)).toThrow(/authentication failed/);
    expect(() => decryptSecret([v, flip(iv), tag, data].join(':'), key)).toThrow(/authentication failed/);
    expect(() => decryptSecret(c, randomBytes(32))).toThrow(/authentication failed/);
    expect(() => decryptSecret(`v2:${iv}:${tag}:${data}`, key)).toThrow(/unknown format/);
    expect(() => decryptSecret('garbage', key)).toThrow(/unknown format/);
  });

  it('binds the ciphertext to its context (organization)', () => {
    const c = encryptSecret('secret', key, 'org-1');
    expect(decryptSecret(c, key, 'org-1')).toBe('secret');
    expect(() => decryptSecret(c, key, 'org-2')).toThrow(/authentication failed/);
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => encryptSecret('x', randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('keyFromEnv', () => {
  const raw = randomBytes(32);
  it('parses hex and base64 (standard and url-safe)', () => {
    expect(keyFromEnv(raw.toString('hex')).equals(raw)).toBe(true);
    expect(keyFromEnv(raw.toString('base64')).equals(raw)).toBe(true);
    expect(keyFromEnv(` ${raw.toString('base64url')}\n`).equals(raw)).toBe(true);
  });
  it('explains what is wrong', () => {
    expect(() => keyFromEnv(undefined)).toThrow(/CREDENTIALS_ENCRYPTION_KEY is not set/);
    expect(() => keyFromEnv('')).toThrow(/not set/);
    expect(() => keyFromEnv('short', 'MY_KEY')).toThrow(/MY_KEY must be 32 bytes/);
    expect(() => keyFromEnv(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
  });
});
