import { ChannelCredentialsInput } from '@fixlify/contracts';
import { credentialsKey } from './credentials';
import { encryptSecret } from './credentials';
import { generateWebhookSecret, openCredentials, sealCredential, secretHint } from './org-credentials';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const key = Buffer.alloc(32, 7);

describe('organization provider accounts', () => {
  const mailgun = ChannelCredentialsInput.parse({
    provider: 'mailgun',
    secret: 'key-abcdef123456',
    settings: { domain: 'mg.alpha.test', from: 'Alpha <hi@alpha.test>' },
  });
  const telnyx = ChannelCredentialsInput.parse({ provider: 'telnyx', secret: 'KEY_alpha_000000', settings: { from: '+15550001234' } });

  it('seals the secret (never stored in clear) and opens it back with its settings', () => {
    const rows = [sealCredential(A, mailgun, key), sealCredential(A, telnyx, key)];
    expect(rows[0]!.secretCiphertext).not.toContain('key-abcdef');
    expect(rows[0]!.settings).toEqual({ domain: 'mg.alpha.test', from: 'Alpha <hi@alpha.test>' });
    const open = openCredentials(A, rows, key);
    expect(open.mailgun).toEqual({ secret: 'key-abcdef123456', settings: { domain: 'mg.alpha.test', from: 'Alpha <hi@alpha.test>' } });
    expect(open.telnyx?.settings.from).toBe('+15550001234');
    expect(open.smtp).toBeUndefined();
  });

  it('refuses a secret copied to another organization or provider, or opened with another key', () => {
    const row = sealCredential(A, mailgun, key);
    expect(() => openCredentials(B, [row], key)).toThrow(/authentication failed/);
    expect(() => openCredentials(A, [{ ...row, provider: 'telnyx' }], key)).toThrow(/authentication failed/);
    expect(() => openCredentials(A, [row], Buffer.alloc(32, 8))).toThrow(/authentication failed/);
  });

  it('opens a rotated-out webhook secret with its validity, bound to the organization like the current one', () => {
    const current = generateWebhookSecret();
    expect(current).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateWebhookSecret()).not.toBe(current);
    const row = sealCredential(A, ChannelCredentialsInput.parse({ provider: 'webhook', secret: current, settings: {} }), key);
    const until = new Date('2030-01-01T00:00:00Z');
    const open = openCredentials(
      A,
      [{ ...row, previousSecretCiphertext: encryptSecret('old-secret-0123456789', key, `${A}/webhook`), previousValidUntil: until }],
      key,
    );
    expect(open.webhook).toEqual({ secret: current, settings: {}, previous: { secret: 'old-secret-0123456789', validUntil: until } });
    expect(() =>
      openCredentials(A, [{ ...row, previousSecretCiphertext: encryptSecret('old-secret-0123456789', key, `${B}/webhook`), previousValidUntil: until }], key),
    ).toThrow(/authentication failed/);
  });

  it('refuses stored settings that no longer validate, naming the field', () => {
    const row = sealCredential(A, telnyx, key);
    expect(() => openCredentials(A, [{ ...row, settings: { from: 'not-a-number' } }], key)).toThrow(/telnyx settings .* invalid: settings\.from/);
  });

  it('validates input per provider with clear messages', () => {
    const bad = ChannelCredentialsInput.safeParse({ provider: 'webhook', secret: 'short', settings: {} });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.message).toMatch(/at least 16/);
    const smtp = ChannelCredentialsInput.parse({ provider: 'smtp', secret: 'pw', settings: { host: 'smtp.alpha.test', user: 'u', from: 'a@alpha.test' } });
    expect(smtp.settings).toMatchObject({ port: 587, secure: false });
    expect(ChannelCredentialsInput.safeParse({ provider: 'mailgun', secret: 'k', settings: { domain: 'mg.x.test', from: 'a@x.test', extra: 1 } }).success).toBe(
      false,
    );
  });

  it('hints a secret by its last four characters only', () => {
    const row = sealCredential(A, mailgun, key);
    expect(secretHint(A, row, key)).toBe('••••3456');
    expect(secretHint(B, row, key)).toMatch(/unreadable/);
  });

  it('requires a real key in production and uses a development key elsewhere', () => {
    expect(() => credentialsKey({ NODE_ENV: 'production' })).toThrow(/CREDENTIALS_ENCRYPTION_KEY is required/);
    expect(credentialsKey({})).toHaveLength(32);
    expect(credentialsKey({ CREDENTIALS_ENCRYPTION_KEY: 'ab'.repeat(32) })).toEqual(Buffer.alloc(32, 0xab));
  });
});
