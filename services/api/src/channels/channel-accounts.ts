import { secretHint, sealCredential } from '@fixlify/channels';
import {
  CHANNEL_PROVIDERS,
  ChannelCredentialsInput,
  formatIssues,
  issueList,
  type ChannelAccount,
  type ChannelAccounts,
  type ChannelProvider,
  type OkResponse,
} from '@fixlify/contracts';
import { deleteChannelCredential, readChannelCredentials, upsertChannelCredential, type ChannelCredentialRow } from '@fixlify/db';
import type { Principal } from '../auth/principal';
import type { ApiDeps } from '../deps';
import { ApiError, notFound } from '../http/errors';
import { iso } from '../http/iso';
import { replaceWebhookSecret } from './webhook-secret';

/** An account as answers show it: the settings and a hint (the secret's last four characters), never the secret. */
export const accountView = (row: ChannelCredentialRow, key: Buffer): ChannelAccount => ({
  provider: row.provider,
  settings: row.settings,
  secretHint: secretHint(row.organizationId, row, key),
  updatedAt: iso(row.updatedAt),
});

/** GET /api/channels: the organization's own accounts, and every provider one can be set for. */
export const listChannelAccounts = async (deps: Pick<ApiDeps, 'pool' | 'credentialsKey'>, organizationId: string): Promise<ChannelAccounts> => {
  const rows = await readChannelCredentials(deps.pool, [organizationId]);
  return { items: rows.map((r) => accountView(r, deps.credentialsKey)), providers: [...CHANNEL_PROVIDERS] };
};

/**
 * The account a PUT body sets for the provider of the path: a JSON object `{ secret, settings }`
 * (a `provider` in it must be the path's); 400 naming every field at fault otherwise.
 */
export const parseAccountBody = (provider: ChannelProvider, body: unknown): ChannelCredentialsInput => {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError('validation_failed', 'the body must be a JSON object { secret, settings }');
  const given = (body as Record<string, unknown>).provider;
  if (given !== undefined && given !== provider)
    throw new ApiError('validation_failed', `the body names provider ${JSON.stringify(given)} but the path says "${provider}"`);
  const parsed = ChannelCredentialsInput.safeParse({ ...body, provider });
  if (!parsed.success)
    throw new ApiError('validation_failed', `invalid ${provider} account: ${formatIssues(parsed.error, { root: 'body' })}`, issueList(parsed.error));
  return parsed.data;
};

/** PUT /api/channels/:provider: the secret sealed at rest; a webhook signing secret replaces the current one like a rotation. */
export const setChannelAccount = async (
  deps: Pick<ApiDeps, 'pool' | 'credentialsKey' | 'cfg' | 'log'>,
  p: Principal,
  account: ChannelCredentialsInput,
): Promise<ChannelAccount> => {
  const provider = account.provider;
  // a signing secret the owner chose replaces the current one like a rotation: the old one stays valid for the grace period
  if (account.provider === 'webhook') {
    const row = await replaceWebhookSecret(deps, p.organizationId, account.secret, deps.cfg.WEBHOOK_SECRET_ROTATION_GRACE_SECONDS);
    deps.log.info({ organizationId: p.organizationId, provider, actor: p.actor }, 'channel credentials set');
    return accountView(row, deps.credentialsKey);
  }
  const sealed = sealCredential(p.organizationId, account, deps.credentialsKey);
  const row = await upsertChannelCredential(deps.pool, {
    organizationId: p.organizationId,
    provider,
    secretCiphertext: sealed.secretCiphertext,
    settings: sealed.settings,
  });
  deps.log.info({ organizationId: p.organizationId, provider, actor: p.actor }, 'channel credentials set');
  return accountView(row, deps.credentialsKey);
};

/** DELETE /api/channels/:provider: sends fall back to the deployment's account; the webhook signing secret cannot be removed (409). */
export const removeChannelAccount = async (deps: Pick<ApiDeps, 'pool' | 'log'>, p: Principal, provider: ChannelProvider): Promise<OkResponse> => {
  // every organization signs with its own secret; there is no deployment secret to fall back to
  if (provider === 'webhook') throw new ApiError('conflict', 'the webhook signing secret cannot be removed; replace it with POST /api/webhook-secret/rotate');
  if (!(await deleteChannelCredential(deps.pool, p.organizationId, provider))) throw notFound(`${provider} account`);
  deps.log.info({ organizationId: p.organizationId, provider, actor: p.actor }, 'channel credentials removed');
  return { ok: true };
};
