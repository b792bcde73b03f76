import { TransientError } from '@fixlify/kafka';

const NETWORK = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|too many clients/i;

/**
 * A failure of PostgreSQL itself (unreachable, shutting down, serialization or deadlock) is not
 * the commands' fault: the batch must be retried as a whole, never dead-lettered.
 */
export const isInfrastructureError = (e: unknown): boolean => {
  const code = (e as { code?: unknown })?.code;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof code === 'string' && /^(08|40|53|57P)/.test(code)) return true;
  return NETWORK.test(message);
};

export const asTransient = (e: unknown): unknown => (isInfrastructureError(e) ? new TransientError(e instanceof Error ? e.message : String(e), { cause: e }) : e);
