import { Body, Controller, Delete, Get, Inject, Param, Put } from '@nestjs/common';
import { ChannelAccount, ChannelAccounts, ChannelCredentialsInput, ChannelProvider, CHANNEL_PROVIDERS, OkResponse } from '@fixlify/contracts';
import { Caller, MinRole } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { notFound } from '../http/errors';
import { listChannelAccounts, parseAccountBody, removeChannelAccount, setChannelAccount } from './channel-accounts';

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

  @Get()
  @MinRole('owner')
  @Doc({
    summary: "The organization's own provider accounts (settings and a secret hint; providers without one use the deployment's account)",
    role: 'owner',
    response: ChannelAccounts,
  })
  list(@Caller() p: Principal): Promise<ChannelAccounts> {
    return listChannelAccounts(this.deps, p.organizationId);
  }

  @Put(':provider')
  @MinRole('owner')
  @Doc({
    summary: 'Set the organization’s own account for a provider: { secret, settings } (the secret is encrypted at rest)',
    body: ChannelCredentialsInput,
    role: 'owner',
    response: ChannelAccount,
  })
  put(@Caller() p: Principal, @Param('provider', providerParam) provider: ChannelProvider, @Body() body: unknown): Promise<ChannelAccount> {
    return setChannelAccount(this.deps, p, parseAccountBody(provider, body));
  }

  @Delete(':provider')
  @MinRole('owner')
  @Doc({
    summary:
      "Remove the organization's own account for a provider (sends fall back to the deployment's account; the webhook signing secret cannot be removed, only rotated)",
    role: 'owner',
    response: OkResponse,
  })
  remove(@Caller() p: Principal, @Param('provider', providerParam) provider: ChannelProvider): Promise<OkResponse> {
    return removeChannelAccount(this.deps, p, provider);
  }
}
