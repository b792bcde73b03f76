import { randomUUID } from 'node:crypto';
import { TOPICS, type TestRunBody, type TestRunResult } from '@fixlify/contracts';
import { matchesTrigger, triggerNode } from '@fixlify/workflow';
import type { Principal } from '../auth/principal';
import type { ApiDeps } from '../deps';
import { testRunCommand } from './events';
import { assertOwnedEntity, assertOwnedRecord, assertOwnedRefs } from './ownership';
import { runnableDraft } from './runnable-draft';
import { getWorkflow } from './workflow-queries';

/**
 * POST /api/workflows/:id/test-run: the draft runs once with the sample as its trigger's images (a
 * start command straight to the executor: the matcher knows only published versions). The answer
 * says whether the sample passes the trigger's filter, which a test run does not apply.
 */
export const testRunWorkflow = async (
  deps: Pick<ApiDeps, 'pool' | 'publisher'>,
  p: Principal,
  id: string,
  b: TestRunBody,
  now: () => Date = () => new Date(),
): Promise<TestRunResult> => {
  const w = await getWorkflow(deps.pool, p.organizationId, id);
  const definition = runnableDraft(w.definition, 'a test run');
  // the draft revision's version id has always been derived from the row's Date as String() writes it (local time,
  // whole seconds), not from the answer's ISO form: kept, so the same draft keeps its version id
  const revision = { ...w, updatedAt: String(new Date(w.updatedAt)) };
  const cmd = testRunCommand({
    organizationId: p.organizationId,
    workflow: revision,
    definition,
    requestId: b.requestId ?? randomUUID(),
    sample: b,
    now: now(),
  });
  // the executor loads the records the sample points at: they must be this organization's
  if (cmd.event.entityId) {
    if (cmd.event.entityType !== 'none') await assertOwnedEntity(deps.pool, p.organizationId, cmd.event.entityType, cmd.event.entityId);
    // a trigger about no kind of record in particular (manual, webhook, clock): the id must still be one of this organization's records
    else await assertOwnedRecord(deps.pool, p.organizationId, cmd.event.entityId);
  }
  await assertOwnedRefs(deps.pool, p.organizationId, b.after);
  await deps.publisher.send(TOPICS.commands, cmd.executionId, JSON.stringify(cmd));
  const trigger = triggerNode(definition);
  return { executionId: cmd.executionId, filterMatched: trigger ? matchesTrigger(trigger.trigger, cmd.event) : true };
};
