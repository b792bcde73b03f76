import { randomBytes } from 'node:crypto';
import { ChannelCredentialsInput, type ChannelProvider, type ChannelSettings, formatIssues } from '@fixlify/contracts';
import { decryptSecret, encryptSecret } from './credentials';

/** A stored row: the secret encrypted, the settings plain (organization_channel_credentials). */
export interface SealedCredential {
  provider: ChannelProvider;
  secretCiphertext: string;
  settings: Record<string, unknown>;
  /** a rotated-out webhook signing secret, valid until previousValidUntil */
  previousSecretCiphertext?: string | null;
  previousValidUntil?: Date | null;
}

/** An organization's own accounts, decrypted, by provider (`previous`: a rotated-out secret still valid then). */
export type OrgCredentials = { [P in ChannelProvider]?: { secret: string; settings: ChannelSettings<P>; previous?: { secret: string; validUntil: Date } } };

/** The secret is bound to its organization and provider: a ciphertext copied to another row does not open. */
const context = (organizationId: string, provider: ChannelProvider): string => `${organizationId.toLowerCase()}/${provider}`;

export const sealCredential = (organizationId: string, input: ChannelCredentialsInput, key: Buffer): SealedCredential => ({
  provider: input.provider,
  secretCiphertext: encryptSecret(input.secret, key, context(organizationId, input.provider)),
  settings: input.settings,
});

/** A new webhook signing secret (32 random bytes), shown to its owner once. */
export const generateWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;

/**
 * Decrypts an organization's rows. A row that does not open (wrong key, tampering) or whose
 * settings no longer validate throws: sending through the deployment's account instead would
 * silently use the wrong sender.
 */
export const openCredentials = (organizationId: string, rows: readonly SealedCredential[], key: Buffer): OrgCredentials => {
  const out: Record<string, unknown> = {};
  for (const row of rows) {
    const secret = decryptSecret(row.secretCiphertext, key, context(organizationId, row.provider));
    const parsed = ChannelCredentialsInput.safeParse({ provider: row.provider, secret, settings: row.settings });
    if (!parsed.success) throw new Error(`stored ${row.provider} settings of organization ${organizationId} are invalid: ${formatIssues(parsed.error)}`);
    const previous =
      row.previousSecretCiphertext && row.previousValidUntil
        ? { secret: decryptSecret(row.previousSecretCiphertext, key, context(organizationId, row.provider)), validUntil: new Date(row.previousValidUntil) }
        : undefined;
    out[row.provider] = { secret: parsed.data.secret, settings: parsed.data.settings, ...(previous ? { previous } : {}) };
  }
  return out;
};

/** A hint that lets an owner recognise a stored secret without revealing it: its last four characters. */
export const secretHint = (organizationId: string, row: Pick<SealedCredential, 'provider' | 'secretCiphertext'>, key: Buffer): string => {
  try {
    const secret = decryptSecret(row.secretCiphertext, key, context(organizationId, row.provider));
    return secret.length <= 8 ? '••••' : `••••${secret.slice(-4)}`;
  } catch {
    return 'unreadable (encrypted with another key)';
  }
};
