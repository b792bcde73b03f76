import { Body, Controller, Delete, Get, Inject, Param, Put } from '@nestjs/common';
import { ChannelCredentialsInput, ChannelProvider, CHANNEL_PROVIDERS, formatIssues, issueList } from '@fixlify/contracts';
import { secretHint, sealCredential } from '@fixlify/channels';
import { deleteChannelCredential, readChannelCredentials, upsertChannelCredential, type ChannelCredentialRow } from '@fixlify/db';
import { Caller, MinRole } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { ApiError, notFound } from '../http/errors';
import { replaceWebhookSecret } from './webhook-secret.controller';

const providerParam = {
  transform: (v: unknown): ChannelProvider => {
    const r = ChannelProvider.safeParse(v);
    if (!r.success) throw notFound(`channel provider (one of ${CHANNEL_PROVIDERS.join(', ')})`);
    return r.data;
  },
};

/**
 * The organization's own provider accounts (its Mailgun domain, Telnyx number, SMTP server, VAPID
 * keys, webhook signing secret). Owners only. Secrets are encrypted at rest and never returned:
 * an answer shows the settings and a hint (the secret's last four characters).
 */
@Controller('api/channels')
export class ChannelsController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  private view(row: ChannelCredentialRow): Record<string, unknown> {
    return { provider: row.provider, settings: row.settings, secretHint: secretHint(row.organizationId, row, this.deps.credentialsKey), updatedAt: row.updatedAt };
  }

  @Get()
  @MinRole('owner')
  @Doc({ summary: "The organization's own provider accounts (settings and a secret hint; providers without one use the deployment's account)", role: 'owner' })
  async list(@Caller() p: Principal): Promise<unknown> {
    const rows = await readChannelCredentials(this.deps.pool, [p.organizationId]);
    return { items: rows.map((r) => this.view(r)), providers: CHANNEL_PROVIDERS };
  }

  @Put(':provider')
  @MinRole('owner')
  @Doc({ summary: 'Set the organization’s own account for a provider: { secret, settings } (the secret is encrypted at rest)', body: ChannelCredentialsInput, role: 'owner' })
  async put(@Caller() p: Principal, @Param('provider', providerParam) provider: ChannelProvider, @Body() body: unknown): Promise<unknown> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError('validation_failed', 'the body must be a JSON object { secret, settings }');
    const given = (body as Record<string, unknown>).provider;
    if (given !== undefined && given !== provider) throw new ApiError('validation_failed', `the body names provider ${JSON.stringify(given)} but the path says "${provider}"`);
    const parsed = ChannelCredentialsInput.safeParse({ ...body, provider });
    if (!parsed.success) {
      throw new ApiError(
        'validation_failed',
        `invalid ${provider} account: ${formatIssues(parsed.error, { root: 'body' })}`,
        issueList(parsed.error),
      );
    }
    // a signing secret the owner chose replaces the current one like a rotation: the old one stays valid for the grace period
    if (parsed.data.provider === 'webhook') {
      const row = await replaceWebhookSecret(this.deps, p.organizationId, parsed.data.secret, this.deps.cfg.WEBHOOK_SECRET_ROTATION_GRACE_SECONDS);
      this.deps.log.info({ organizationId: p.organizationId, provider, actor: p.actor }, 'channel credentials set');
      return this.view(row);
    }
    const sealed = sealCredential(p.organizationId, parsed.data, this.deps.credentialsKey);
    const row = await upsertChannelCredential(this.deps.pool, { organizationId: p.organizationId, provider, secretCiphertext: sealed.secretCiphertext, settings: sealed.settings });
    this.deps.log.info({ organizationId: p.organizationId, provider, actor: p.actor }, 'channel credentials set');
    return this.view(row);
  }

  @Delete(':provider')
  @MinRole('owner')
  @Doc({ summary: "Remove the organization's own account for a provider (sends fall back to the deployment's account; the webhook signing secret cannot be removed, only rotated)", role: 'owner' })
  async remove(@Caller() p: Principal, @Param('provider', providerParam) provider: ChannelProvider): Promise<unknown> {
    // every organization signs with its own secret; there is no deployment secret to fall back to
    if (provider === 'webhook') throw new ApiError('conflict', 'the webhook signing secret cannot be removed; replace it with POST /api/webhook-secret/rotate');
    if (!(await deleteChannelCredential(this.deps.pool, p.organizationId, provider))) throw notFound(`${provider} account`);
    this.deps.log.info({ organizationId: p.organizationId, provider, actor: p.actor }, 'channel credentials removed');
    return { ok: true };
  }
}
