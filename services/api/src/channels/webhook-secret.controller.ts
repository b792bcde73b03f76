import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { RotatedWebhookSecret, RotateWebhookSecretBody, WebhookSecretView } from '@fixlify/contracts';
import { Caller, MinRole } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { zod } from '../http/zod.pipe';
import { rotateWebhookSigningSecret, showWebhookSecret } from './webhook-secret';

/**
 * The organization's webhook signing secret: every webhook it sends carries
 * `Fixlify-Signature: t=…,v1=<HMAC with this secret>` (and a second v1 with the previous secret
 * while a rotation's grace period lasts). The executor creates one on first use; owners see a
 * secret only in the answer of a rotation, once.
 */
@Controller('api/webhook-secret')
export class WebhookSecretController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get()
  @MinRole('owner')
  @Doc({
    summary: 'The webhook signing secret: a hint (never the secret), and until when a rotated-out one is still valid',
    role: 'owner',
    response: WebhookSecretView,
  })
  get(@Caller() p: Principal): Promise<WebhookSecretView> {
    return showWebhookSecret(this.deps, p.organizationId);
  }

  @Post('rotate')
  @HttpCode(200)
  @MinRole('owner')
  @Doc({
    summary:
      'Create a new webhook signing secret and return it (this once only); the previous one stays valid for graceSeconds (default 24 h), and webhooks carry a signature with each meanwhile',
    body: RotateWebhookSecretBody,
    role: 'owner',
    response: RotatedWebhookSecret,
  })
  rotate(@Caller() p: Principal, @Body(zod(RotateWebhookSecretBody)) b: RotateWebhookSecretBody): Promise<RotatedWebhookSecret> {
    return rotateWebhookSigningSecret(this.deps, p, b.graceSeconds ?? this.deps.cfg.WEBHOOK_SECRET_ROTATION_GRACE_SECONDS);
  }
}
