/**
 * When a record falls due for a record-based clock trigger, in SQL: the one owner of the rule, used by
 * the clock scanner (services/ingest: what fell due in a window) and by enrollment (services/replay:
 * what has fallen due by now). Parameters: `$1` organization, `$2` workflow, `$3` the trigger's amount
 * (grace minutes, days overdue, days inactive), `$7` the organization's time zone (invoices only).
 */

/** ISO UTC with milliseconds, as JavaScript's toISOString writes it (occurrence keys must match across paths). */
export const sqlIso = (expr: string): string => `to_char((${expr}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export interface ClockRule {
  /** the record's table with its alias, and any lateral join the rule needs */
  from: string;
  alias: string;
  /** the records that can fall due at all */
  where: string;
  /** the occurrence key: one firing per value (a rescheduled job, a new due date, new activity re-arm it) */
  occurrence: string;
  /** when it falls due */
  dueAt: string;
  /** extra output columns */
  extra?: string;
}

/**
 * - job_overdue: a job neither completed nor cancelled whose scheduled_end + graceMinutes has passed;
 *   one occurrence per scheduled_end.
 * - invoice_overdue: a sent or partially paid invoice, due at local midnight starting day
 *   due_date + daysOverdue + 1 in the organization's time zone; one occurrence per due date.
 * - client_inactive: no job or invoice created for the client for `days` days (its own creation
 *   counts as activity); one occurrence per last activity.
 */
export const CLOCK_RULES = {
  job_overdue: {
    from: 'jobs j',
    alias: 'j',
    where: `j.organization_id = $1 AND j.status NOT IN ('completed','cancelled') AND j.scheduled_end IS NOT NULL`,
    occurrence: sqlIso('j.scheduled_end'),
    dueAt: 'j.scheduled_end + make_interval(mins => $3::int)',
  },
  invoice_overdue: {
    from: 'invoices i',
    alias: 'i',
    where: `i.organization_id = $1 AND i.status IN ('sent','partially_paid') AND i.due_date IS NOT NULL`,
    occurrence: 'i.due_date::text',
    dueAt: `((i.due_date + $3::int + 1)::timestamp AT TIME ZONE $7::text)`,
  },
  client_inactive: {
    from: `clients c
 CROSS JOIN LATERAL (
       SELECT greatest(c.created_at,
                       (SELECT max(j.created_at) FROM jobs j WHERE j.client_id = c.id),
                       (SELECT max(i.created_at) FROM invoices i WHERE i.client_id = c.id)) AS last_at) a`,
    alias: 'c',
    where: 'c.organization_id = $1',
    occurrence: sqlIso('a.last_at'),
    dueAt: 'a.last_at + make_interval(days => $3::int)',
    extra: ', a.last_at',
  },
} as const satisfies Record<'job_overdue' | 'invoice_overdue' | 'client_inactive', ClockRule>;

/** Whether the occurrence is still unclaimed by the workflow (`$2`). */
export const sqlUnclaimed = (entity: string, occurrence: string): string =>
  `NOT EXISTS (SELECT 1 FROM automation_clock_occurrences o WHERE o.workflow_id = $2 AND o.entity_id = ${entity} AND o.occurrence = ${occurrence})`;

/**
 * Claims clock occurrences in the caller's transaction (the clock's table, so the clock scanner never
 * fires them again) and returns the claim keys it won, `entityId|occurrence`.
 */
export const claimClockOccurrences = async (
  db: { query: <R extends object>(sql: string, params: unknown[]) => Promise<{ rows: R[] }> },
  workflowId: string,
  claims: readonly { entityId: string; occurrence: string; eventId: string }[],
): Promise<Set<string>> => {
  if (claims.length === 0) return new Set();
  // one lock order with the scanner's claims (workflow, entity, occurrence): no deadlock between them
  const key = (c: { entityId: string; occurrence: string }): string => `${c.entityId}|${c.occurrence}`;
  const sorted = [...new Map(claims.map((c) => [key(c), c])).values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const res = await db.query<{ entity_id: string; occurrence: string }>(
    `INSERT INTO automation_clock_occurrences (workflow_id, entity_id, occurrence, event_id, emitted_at)
     SELECT $1::uuid, e, o, id, now() FROM unnest($2::text[], $3::text[], $4::uuid[]) WITH ORDINALITY AS t(e, o, id, n)
      ORDER BY n
     ON CONFLICT (workflow_id, entity_id, occurrence) DO NOTHING
     RETURNING entity_id, occurrence`,
    [workflowId, sorted.map((c) => c.entityId), sorted.map((c) => c.occurrence), sorted.map((c) => c.eventId)],
  );
  return new Set(res.rows.map((r) => `${r.entity_id}|${r.occurrence}`));
};
