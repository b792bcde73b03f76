import { generateWebhookSecret, sealCredential, secretHint } from '@fixlify/channels';
import type { RotatedWebhookSecret, StoredWebhookSecret, WebhookSecretView } from '@fixlify/contracts';
import { readChannelCredentials, rotateWebhookSecret, type ChannelCredentialRow } from '@fixlify/db';
import type { Principal } from '../auth/principal';
import type { ApiDeps } from '../deps';
import { iso } from '../http/iso';

/**
 * Stores a new webhook signing secret for an organization, keeping the current one valid for the
 * grace period (0: not at all). Shared by the rotation endpoint and PUT /api/channels/webhook (an
 * owner-chosen secret), so either way receivers get a switch-over.
 */
export const replaceWebhookSecret = (
  deps: Pick<ApiDeps, 'pool' | 'credentialsKey'>,
  organizationId: string,
  secret: string,
  graceSeconds: number,
): Promise<ChannelCredentialRow> => {
  const sealed = sealCredential(organizationId, { provider: 'webhook', secret, settings: {} }, deps.credentialsKey);
  return rotateWebhookSecret(deps.pool, {
    organizationId,
    secretCiphertext: sealed.secretCiphertext,
    previousValidUntil: graceSeconds > 0 ? new Date(Date.now() + graceSeconds * 1000) : null,
  });
};

/** A stored secret as answers show it: a hint, and the rotated-out secret's end only while it is still valid. */
const storedView = (row: ChannelCredentialRow, key: Buffer, now: Date): StoredWebhookSecret => {
  const previousValid = row.previousValidUntil && new Date(row.previousValidUntil).getTime() > now.getTime();
  return {
    exists: true,
    secretHint: secretHint(row.organizationId, row, key),
    previousValidUntil: previousValid && row.previousValidUntil ? iso(row.previousValidUntil) : null,
    updatedAt: iso(row.updatedAt),
  };
};

/** The secret as GET /api/webhook-secret shows it (none before the executor made one). */
export const webhookSecretView = (row: ChannelCredentialRow | undefined, key: Buffer, now: Date = new Date()): WebhookSecretView =>
  row ? storedView(row, key, now) : { exists: false, secretHint: null, previousValidUntil: null, updatedAt: null };

/** GET /api/webhook-secret */
export const showWebhookSecret = async (deps: Pick<ApiDeps, 'pool' | 'credentialsKey'>, organizationId: string): Promise<WebhookSecretView> => {
  const rows = await readChannelCredentials(deps.pool, [organizationId]);
  return webhookSecretView(
    rows.find((r) => r.provider === 'webhook'),
    deps.credentialsKey,
  );
};

/** POST /api/webhook-secret/rotate: a new secret, answered this once; the previous one stays valid for graceSeconds. */
export const rotateWebhookSigningSecret = async (
  deps: Pick<ApiDeps, 'pool' | 'credentialsKey' | 'log'>,
  p: Principal,
  graceSeconds: number,
): Promise<RotatedWebhookSecret> => {
  const secret = generateWebhookSecret();
  const row = await replaceWebhookSecret(deps, p.organizationId, secret, graceSeconds);
  deps.log.info({ organizationId: p.organizationId, actor: p.actor }, 'webhook signing secret rotated');
  return { secret, ...storedView(row, deps.credentialsKey, new Date()) };
};
