import { TransientError } from '@fixlify/kafka';

// what node-postgres and the server say while the database restarts: the socket refused or cut, a
// pooled client that broke ("… is not queryable"), a backend ended by the postmaster's death
const NETWORK =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)|too many clients|is not queryable|terminating connection|server closed the connection unexpectedly/i;

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

export const asTransient = (e: unknown): unknown =>
  isInfrastructureError(e) ? new TransientError(e instanceof Error ? e.message : String(e), { cause: e }) : e;

/**
 * The batch's failure as the pipeline must see it: transient when it names PostgreSQL's absence, or
 * when PostgreSQL does not answer a probe right after it (a message no pattern above knows, thrown
 * while the database restarts, must not send a whole batch of commands to the dead-letter topic).
 */
export const classifyBatchFailure = async (e: unknown, probe: () => Promise<unknown>, timeoutMs = 2000): Promise<unknown> => {
  if (isInfrastructureError(e)) return asTransient(e);
  let timer: NodeJS.Timeout | undefined;
  const answered = await Promise.race([
    probe().then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (answered) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new TransientError(`${message} (PostgreSQL does not answer)`, { cause: e });
};
