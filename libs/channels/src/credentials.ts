import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12; // the GCM standard nonce size
const TAG_BYTES = 16;

/**
 * AES-256-GCM, serialised as `v1:<b64 iv>:<b64 tag>:<b64 data>`. `context` (e.g. the organization
 * id) is bound as additional authenticated data, so a ciphertext copied to another org's row fails.
 */
export function encryptSecret(plaintext: string, key: Buffer, context = ''): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
}

/** Inverse of encryptSecret; throws on a wrong key, a wrong context or any tampering. */
export function decryptSecret(ciphertext: string, key: Buffer, context = ''): string {
  assertKey(key);
  const parts = ciphertext.split(':');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new Error('encrypted secret: unknown format (expected v1:<iv>:<tag>:<data>)');
  const [, ivB64 = '', tagB64 = '', dataB64 = ''] = parts;
  const iv = Buffer.from(ivB64, 'base64');
  const tag = Buffer.from(tagB64, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('encrypted secret: bad iv or tag length');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(Buffer.from(dataB64, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    // Node's message ("Unsupported state or unable to authenticate data") does not help operators.
    throw new Error('encrypted secret: authentication failed (wrong key, wrong context or tampered data)');
  }
}

function assertKey(key: Buffer): void {
  if (key.length !== 32) throw new Error(`encryption key must be 32 bytes, got ${key.length}`);
}

/**
 * Parses the credentials key from an environment variable: 32 bytes as 64 hex characters or as
 * base64 (44 characters). Generate one with `openssl rand -base64 32`.
 */
export function keyFromEnv(value: string | undefined, name = 'CREDENTIALS_ENCRYPTION_KEY'): Buffer {
  const v = value?.trim();
  if (!v) throw new Error(`${name} is not set: expected 32 random bytes as base64 or hex (openssl rand -base64 32)`);
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(v)) {
    const key = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === 32) return key;
  }
  throw new Error(`${name} must be 32 bytes as 64 hex characters or 44 base64 characters (got ${v.length} characters)`);
}

/** Key used when CREDENTIALS_ENCRYPTION_KEY is unset outside production: local development and tests only. */
const DEVELOPMENT_KEY = Buffer.from('fixlify-local-development-key-32', 'utf8');

/**
 * The credentials key of a process: CREDENTIALS_ENCRYPTION_KEY, required in production
 * (NODE_ENV=production); elsewhere a fixed development key when unset, so `npm start` works as is.
 */
export function credentialsKey(env: NodeJS.ProcessEnv = process.env): Buffer {
  if (!env.CREDENTIALS_ENCRYPTION_KEY?.trim()) {
    if (env.NODE_ENV === 'production') throw new Error('CREDENTIALS_ENCRYPTION_KEY is required in production (openssl rand -base64 32)');
    return DEVELOPMENT_KEY;
  }
  return keyFromEnv(env.CREDENTIALS_ENCRYPTION_KEY);
}
