import { TOPICS, type CancelResult, type ExecutionStatus } from '@fixlify/contracts';
import type { Principal } from '../auth/principal';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import { cancelCommand } from './commands';
import { loadExecution } from './execution-queries';

const CANCELLABLE: readonly ExecutionStatus[] = ['pending', 'processing', 'waiting', 'retry'];

/** POST /api/executions/:id/cancel: a running or waiting execution gets a cancel command (its pending timers are dropped by the executor). */
export const cancelExecution = async (
  deps: Pick<ApiDeps, 'pool' | 'publisher'>,
  p: Principal,
  id: string,
  now: () => Date = () => new Date(),
): Promise<CancelResult> => {
  const { log, ref } = await loadExecution(deps.pool, p.organizationId, id);
  if (!CANCELLABLE.includes(log.status)) throw new ApiError('conflict', `only a running or waiting execution can be cancelled; this one is ${log.status}`);
  const cmd = cancelCommand(ref, p.actor, now());
  await deps.publisher.send(TOPICS.commands, cmd.executionId, JSON.stringify(cmd));
  return { executionId: id, commandId: cmd.commandId };
};
