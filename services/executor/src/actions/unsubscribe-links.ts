import { unsubscribeSigningKey, unsubscribeToken } from '@fixlify/channels';
import { UNSUBSCRIBE_PATH_PREFIX } from '@fixlify/contracts';
import { normalizeAddress } from '@fixlify/db';
import type { ExecutorConfig } from '../config';

/** The unsubscribe link of one organization's e-mail recipient: the API's page, with a token only this deployment can sign. */
export const unsubscribeLinks = (cfg: Pick<ExecutorConfig, 'UNSUBSCRIBE_BASE_URL'>, key: string = unsubscribeSigningKey()) => {
  const base = cfg.UNSUBSCRIBE_BASE_URL.replace(/\/+$/, '');
  return (organizationId: string, address: string): string =>
    `${base}${UNSUBSCRIBE_PATH_PREFIX}${unsubscribeToken(key, { organizationId, channel: 'email', address: normalizeAddress('email', address) })}`;
};
