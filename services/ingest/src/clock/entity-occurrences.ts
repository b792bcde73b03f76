import type { Pool } from 'pg';
import type { EntityType } from '@fixlify/contracts';
import type { ClockTrigger, ClockWorkflow } from './clock-workflows';
import type { Occurrence } from './time-occurrences';

export type EntityTrigger = Extract<ClockTrigger, { type: 'job_overdue' | 'invoice_overdue' | 'client_inactive' }>;

/** A record that fell due for a workflow, not claimed yet. */
export interface EntityOccurrence extends Occurrence {
  entityType: EntityType;
  entityId: string;
  row: Record<string, unknown>;
  data: Record<string, unknown>;
}

/** ISO UTC with milliseconds, as JavaScript's toISOString writes it (occurrence keys must match across paths). */
const ISO = (expr: string): string => `to_char((${expr}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const unclaimed = (entity: string, occurrence: string): string =>
  `NOT EXISTS (SELECT 1 FROM automation_clock_occurrences o WHERE o.workflow_id = $2 AND o.entity_id = ${entity} AND o.occurrence = ${occurrence})`;

/**
 * job_overdue: a job neither completed nor cancelled whose scheduled_end + graceMinutes has passed.
 * One occurrence per scheduled_end: a rescheduled job can fall overdue again.
 */
const JOB_OVERDUE = `
SELECT to_jsonb(j) AS row, j.id::text AS entity_id, ${ISO('j.scheduled_end')} AS occurrence,
       j.scheduled_end + make_interval(mins => $3::int) AS due_at
  FROM jobs j
 WHERE j.organization_id = $1 AND j.status NOT IN ('completed','cancelled') AND j.scheduled_end IS NOT NULL
   AND j.scheduled_end < $5::timestamptz - make_interval(mins => $3::int)
   AND j.scheduled_end >= $4::timestamptz - make_interval(mins => $3::int)
   AND ${unclaimed('j.id::text', ISO('j.scheduled_end'))}
 ORDER BY j.scheduled_end, j.id
 LIMIT $6`;

/**
 * invoice_overdue: a sent or partially paid invoice with due_date + daysOverdue before today in the
 * organization's time zone, i.e. due at local midnight starting day due_date + daysOverdue + 1.
 * One occurrence per due date. The due_date bounds with a day of slack let the partial index work.
 */
const INVOICE_DUE_AT = `((i.due_date + $3::int + 1)::timestamp AT TIME ZONE $7::text)`;
const INVOICE_OVERDUE = `
SELECT to_jsonb(i) AS row, i.id::text AS entity_id, i.due_date::text AS occurrence, ${INVOICE_DUE_AT} AS due_at
  FROM invoices i
 WHERE i.organization_id = $1 AND i.status IN ('sent','partially_paid') AND i.due_date IS NOT NULL
   AND i.due_date <= ($5::timestamptz AT TIME ZONE $7::text)::date - $3::int
   AND i.due_date >= ($4::timestamptz AT TIME ZONE $7::text)::date - $3::int - 2
   AND ${INVOICE_DUE_AT} <= $5::timestamptz AND ${INVOICE_DUE_AT} > $4::timestamptz
   AND ${unclaimed('i.id::text', 'i.due_date::text')}
 ORDER BY i.due_date, i.id
 LIMIT $6`;

/**
 * client_inactive: no job or invoice created for the client for `days` days (the client's own
 * creation counts as activity). One occurrence per last activity: new work re-arms it.
 */
const CLIENT_INACTIVE = `
SELECT to_jsonb(c) AS row, c.id::text AS entity_id, ${ISO('a.last_at')} AS occurrence,
       a.last_at + make_interval(days => $3::int) AS due_at, a.last_at
  FROM clients c
 CROSS JOIN LATERAL (
       SELECT greatest(c.created_at,
                       (SELECT max(j.created_at) FROM jobs j WHERE j.client_id = c.id),
                       (SELECT max(i.created_at) FROM invoices i WHERE i.client_id = c.id)) AS last_at) a
 WHERE c.organization_id = $1
   AND a.last_at < $5::timestamptz - make_interval(days => $3::int)
   AND a.last_at >= $4::timestamptz - make_interval(days => $3::int)
   AND ${unclaimed('c.id::text', ISO('a.last_at'))}
 ORDER BY a.last_at, c.id
 LIMIT $6`;

interface Row {
  row: Record<string, unknown>;
  entity_id: string;
  occurrence: string;
  due_at: Date;
  last_at?: Date;
}

/** Unclaimed occurrences of a record-based clock trigger that fell due in [since, now). */
export const entityOccurrences = async (
  pool: Pool,
  wf: ClockWorkflow & { trigger: EntityTrigger },
  since: Date,
  now: Date,
  limit: number,
): Promise<EntityOccurrence[]> => {
  const t = wf.trigger;
  switch (t.type) {
    case 'job_overdue': {
      const res = await pool.query<Row>(JOB_OVERDUE, [wf.organizationId, wf.workflowId, t.config.graceMinutes, since, now, limit]);
      return res.rows.map((r) => ({
        entityType: 'job',
        entityId: r.entity_id,
        occurrence: r.occurrence,
        dueAt: r.due_at,
        row: r.row,
        data: { occurrence: r.occurrence, dueAt: r.due_at.toISOString(), graceMinutes: t.config.graceMinutes },
      }));
    }
    case 'invoice_overdue': {
      const res = await pool.query<Row>(INVOICE_OVERDUE, [wf.organizationId, wf.workflowId, t.config.daysOverdue, since, now, limit, wf.timeZone]);
      return res.rows.map((r) => ({
        entityType: 'invoice',
        entityId: r.entity_id,
        occurrence: r.occurrence,
        dueAt: r.due_at,
        row: r.row,
        data: { occurrence: r.occurrence, dueAt: r.due_at.toISOString(), dueDate: r.occurrence, daysOverdue: t.config.daysOverdue, timeZone: wf.timeZone },
      }));
    }
    case 'client_inactive': {
      const res = await pool.query<Row>(CLIENT_INACTIVE, [wf.organizationId, wf.workflowId, t.config.days, since, now, limit]);
      return res.rows.map((r) => ({
        entityType: 'client',
        entityId: r.entity_id,
        occurrence: r.occurrence,
        dueAt: r.due_at,
        row: r.row,
        data: { occurrence: r.occurrence, dueAt: r.due_at.toISOString(), lastActivityAt: r.last_at?.toISOString() ?? r.occurrence, days: t.config.days },
      }));
    }
  }
};
