import type { Pool } from 'pg';
import type { DomainEvent } from '@fixlify/contracts';
import type { EventEmitter } from '../emit/event-emitter';
import { claimKey, clockEvent, type DueOccurrence } from './clock-event';
import { withTransaction } from '@fixlify/db';

/**
 * Claims due occurrences and emits their events, exactly once across instances and restarts.
 *
 * One PostgreSQL transaction: INSERT … ON CONFLICT DO NOTHING RETURNING takes the claims, the
 * events of the rows it won go to Kafka, and the transaction commits only after the broker acked.
 * - another instance claiming the same occurrence waits on the row until this one commits, then
 *   finds the conflict and emits nothing (rows are inserted in one order, so no deadlock);
 * - if this process dies (or Kafka fails) before the commit, the claim rolls back and the next tick
 *   (here or elsewhere) claims and emits it again — with the same event id, so if the first send had
 *   reached the broker the matcher derives the same execution id and the executor drops the copy.
 * There is therefore no "claimed but never emitted" state to repair after a crash.
 */
export const claimAndEmit = async (pool: Pool, due: readonly DueOccurrence[], emitter: EventEmitter, now: Date): Promise<DomainEvent[]> => {
  if (due.length === 0) return [];
  const byKey = new Map<string, DueOccurrence>();
  for (const d of due) byKey.set(claimKey({ workflowId: d.workflow.workflowId, entityId: d.entityId, occurrence: d.occurrence }), d);
  const keys = [...byKey.keys()].sort();
  const sorted = keys.map((k) => byKey.get(k)!);
  const events = sorted.map((d) => clockEvent(d, now));
  return withTransaction(pool, async (client) => {
    const res = await client.query<{ workflow_id: string; entity_id: string; occurrence: string }>(
      `INSERT INTO automation_clock_occurrences (workflow_id, entity_id, occurrence, event_id, emitted_at)
       SELECT w, e, o, id, now() FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[]) WITH ORDINALITY AS t(w, e, o, id, n)
        ORDER BY n
       ON CONFLICT (workflow_id, entity_id, occurrence) DO NOTHING
       RETURNING workflow_id, entity_id, occurrence`,
      [sorted.map((d) => d.workflow.workflowId), sorted.map((d) => d.entityId), sorted.map((d) => d.occurrence), events.map((e) => e.eventId)],
    );
    const won = new Set(res.rows.map((r) => claimKey({ workflowId: r.workflow_id, entityId: r.entity_id, occurrence: r.occurrence })));
    const mine = events.filter((_, i) => won.has(keys[i]!));
    await emitter.emit(mine);
    return mine;
  });
};
