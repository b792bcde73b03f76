import type { RedriveResult } from '@fixlify/contracts';
import type { Principal } from '../auth/principal';
import type { ApiDeps } from '../deps';
import { ApiError, notFound } from '../http/errors';
import { toRedrive, type RedriveRow } from './list-dead-letters';

/** POST /api/dead-letters/:id/redrive: the original value goes back to its original topic with its key, and the re-drive is recorded. */
export const redriveDeadLetter = async (
  deps: Pick<ApiDeps, 'pool' | 'deadLetters' | 'publisher' | 'log'>,
  p: Principal,
  id: string,
): Promise<RedriveResult> => {
  const e = deps.deadLetters.get(p.organizationId, id);
  if (!e) throw notFound('dead letter');
  if (e.deadLetter.value === null) throw new ApiError('conflict', 'this dead letter has no value to re-drive');
  await deps.publisher.send(e.deadLetter.origin.topic, e.deadLetter.origin.key, e.deadLetter.value);
  // recorded after the send: a crash in between loses the record, not the message (consumers deduplicate by id)
  const [partition, offset] = id.split(':');
  const r = await deps.pool.query<RedriveRow>(
    `INSERT INTO automation_dead_letter_redrives (dlq_partition, dlq_offset, organization_id, origin_topic, last_redriven_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (dlq_partition, dlq_offset) DO UPDATE SET redrive_count = automation_dead_letter_redrives.redrive_count + 1, last_redriven_at = now(), last_redriven_by = EXCLUDED.last_redriven_by
     RETURNING redrive_count AS count, first_redriven_at AS "firstAt", last_redriven_at AS "lastAt", last_redriven_by AS "lastBy"`,
    [Number(partition), offset, p.organizationId, e.deadLetter.origin.topic, p.actor],
  );
  deps.log.info({ organizationId: p.organizationId, deadLetter: id, topic: e.deadLetter.origin.topic, actor: p.actor }, 'dead letter re-driven');
  const rec = toRedrive(r.rows[0]!);
  return { id, topic: e.deadLetter.origin.topic, redrivenAt: rec.lastAt, redrive: rec };
};
