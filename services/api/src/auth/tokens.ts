import { createHash, createHmac, randomBytes } from 'node:crypto';

/** API keys look like `fx_<8-char prefix>_<secret>`; the prefix is shown in lists, only a hash is stored. */
export const generateApiKey = (): { key: string; prefix: string; hash: string } => {
  const prefix = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 8);
  const key = `fx_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
};

/** Keys have 256 bits of entropy: a plain SHA-256 is enough (no slow hash needed) and survives secret rotation. */
export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export const looksLikeApiKey = (token: string): boolean => /^fx_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{20,}$/.test(token);

export const newSessionToken = (): string => randomBytes(32).toString('base64url');

/** Session tokens are stored keyed with the server secret, so a leaked table cannot be replayed. */
export const hashSessionToken = (token: string, secret: string): string => createHmac('sha256', secret).update(token).digest('hex');

export const SESSION_COOKIE = 'fx_session';

export const readCookie = (header: string | undefined, name: string): string | null => {
  if (!header) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
};
