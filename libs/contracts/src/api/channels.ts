import { z } from 'zod';
import { ChannelProvider } from '../channel-credentials';
import { Timestamp } from './common';

/** An organization's own provider account (GET/PUT /api/channels): the settings and a hint, never the secret */
export const ChannelAccount = z.object({
  provider: ChannelProvider,
  settings: z.record(z.string(), z.unknown()),
  /** the secret's last four characters (or a note that it cannot be read) */
  secretHint: z.string(),
  updatedAt: Timestamp,
});
export type ChannelAccount = z.infer<typeof ChannelAccount>;

/** GET /api/channels: the accounts set, and every provider one can be set for */
export const ChannelAccounts = z.object({ items: z.array(ChannelAccount), providers: z.array(ChannelProvider) });
export type ChannelAccounts = z.infer<typeof ChannelAccounts>;

export const MAX_ROTATION_GRACE_SECONDS = 30 * 24 * 3600;

/** POST /api/webhook-secret/rotate */
export const RotateWebhookSecretBody = z
  .object({
    /** how long the secret being replaced stays valid (receivers switch over meanwhile); default WEBHOOK_SECRET_ROTATION_GRACE_SECONDS */
    graceSeconds: z.number().int().min(0).max(MAX_ROTATION_GRACE_SECONDS).optional(),
  })
  .strict();
export type RotateWebhookSecretBody = z.infer<typeof RotateWebhookSecretBody>;

/** The stored webhook signing secret as answers show it: a hint (never the secret), and until when a rotated-out one is still valid */
export const StoredWebhookSecret = z.object({
  exists: z.literal(true),
  secretHint: z.string(),
  previousValidUntil: Timestamp.nullable(),
  updatedAt: Timestamp,
});
export type StoredWebhookSecret = z.infer<typeof StoredWebhookSecret>;

/** GET /api/webhook-secret: the stored secret, or none before the executor made one */
export const WebhookSecretView = z.discriminatedUnion('exists', [
  StoredWebhookSecret,
  z.object({ exists: z.literal(false), secretHint: z.null(), previousValidUntil: z.null(), updatedAt: z.null() }),
]);
export type WebhookSecretView = z.infer<typeof WebhookSecretView>;

/** POST /api/webhook-secret/rotate: the new secret, shown this once */
export const RotatedWebhookSecret = StoredWebhookSecret.extend({ secret: z.string() });
export type RotatedWebhookSecret = z.infer<typeof RotatedWebhookSecret>;
