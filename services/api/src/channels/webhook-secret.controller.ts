import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { z } from 'zod';
import { generateWebhookSecret, sealCredential, secretHint } from '@fixlify/channels';
import { readChannelCredentials, rotateWebhookSecret, type ChannelCredentialRow } from '@fixlify/db';
import { Caller, MinRole } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { zod } from '../http/zod.pipe';

export const MAX_ROTATION_GRACE_SECONDS = 30 * 24 * 3600;
export const RotateWebhookSecretBody = z
  .object({
    /** how long the secret being replaced stays valid (receivers switch over meanwhile); default WEBHOOK_SECRET_ROTATION_GRACE_SECONDS */
    graceSeconds: z.number().int().min(0).max(MAX_ROTATION_GRACE_SECONDS).optional(),
  })
  .strict();

/**
 * Stores a new webhook signing secret for an organization, keeping the current one valid for the
 * grace period (0: not at all). Shared by the rotation endpoint and PUT /api/channels/webhook (an
 * owner-chosen secret), so either way receivers get a switch-over.
 */
export const replaceWebhookSecret = (deps: ApiDeps, organizationId: string, secret: string, graceSeconds: number): Promise<ChannelCredentialRow> => {
  const sealed = sealCredential(organizationId, { provider: 'webhook', secret, settings: {} }, deps.credentialsKey);
  return rotateWebhookSecret(deps.pool, {
    organizationId,
    secretCiphertext: sealed.secretCiphertext,
    previousValidUntil: graceSeconds > 0 ? new Date(Date.now() + graceSeconds * 1000) : null,
  });
};

/**
 * The organization's webhook signing secret: every webhook it sends carries
 * `Fixlify-Signature: t=…,v1=<HMAC with this secret>` (and a second v1 with the previous secret
 * while a rotation's grace period lasts). The executor creates one on first use; owners see a
 * secret only in the answer of a rotation, once.
 */
@Controller('api/webhook-secret')
export class WebhookSecretController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  private view(row: ChannelCredentialRow | undefined): Record<string, unknown> {
    if (!row) return { exists: false, secretHint: null, previousValidUntil: null, updatedAt: null };
    const previousValid = row.previousValidUntil && new Date(row.previousValidUntil).getTime() > Date.now();
    return {
      exists: true,
      secretHint: secretHint(row.organizationId, row, this.deps.credentialsKey),
      previousValidUntil: previousValid ? row.previousValidUntil : null,
      updatedAt: row.updatedAt,
    };
  }

  @Get()
  @MinRole('owner')
  @Doc({ summary: 'The webhook signing secret: a hint (never the secret), and until when a rotated-out one is still valid', role: 'owner' })
  async get(@Caller() p: Principal): Promise<unknown> {
    const rows = await readChannelCredentials(this.deps.pool, [p.organizationId]);
    return this.view(rows.find((r) => r.provider === 'webhook'));
  }

  @Post('rotate')
  @HttpCode(200)
  @MinRole('owner')
  @Doc({
    summary: 'Create a new webhook signing secret and return it (this once only); the previous one stays valid for graceSeconds (default 24 h), and webhooks carry a signature with each meanwhile',
    body: RotateWebhookSecretBody,
    role: 'owner',
  })
  async rotate(@Caller() p: Principal, @Body(zod(RotateWebhookSecretBody)) b: z.infer<typeof RotateWebhookSecretBody>): Promise<unknown> {
    const secret = generateWebhookSecret();
    const row = await replaceWebhookSecret(this.deps, p.organizationId, secret, b.graceSeconds ?? this.deps.cfg.WEBHOOK_SECRET_ROTATION_GRACE_SECONDS);
    this.deps.log.info({ organizationId: p.organizationId, actor: p.actor }, 'webhook signing secret rotated');
    return { secret, ...this.view(row) };
  }
}
