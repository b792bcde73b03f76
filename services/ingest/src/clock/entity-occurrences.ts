import type { Pool } from 'pg';
import { CLOCK_RULES, sqlUnclaimed } from '@fixlify/db';
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

const unclaimed = sqlUnclaimed;
const JOB = CLOCK_RULES.job_overdue;
const INVOICE = CLOCK_RULES.invoice_overdue;
const CLIENT = CLOCK_RULES.client_inactive;

/** job_overdue (the rule: CLOCK_RULES), due in the window. */
const JOB_OVERDUE = `
SELECT to_jsonb(j) AS row, j.id::text AS entity_id, ${JOB.occurrence} AS occurrence,
       ${JOB.dueAt} AS due_at
  FROM ${JOB.from}
 WHERE ${JOB.where}
   AND j.scheduled_end < $5::timestamptz - make_interval(mins => $3::int)
   AND j.scheduled_end >= $4::timestamptz - make_interval(mins => $3::int)
   AND ${unclaimed('j.id::text', JOB.occurrence)}
 ORDER BY j.scheduled_end, j.id
 LIMIT $6`;

/** invoice_overdue, due in the window. The due_date bounds with a day of slack let the partial index work. */
const INVOICE_OVERDUE = `
SELECT to_jsonb(i) AS row, i.id::text AS entity_id, ${INVOICE.occurrence} AS occurrence, ${INVOICE.dueAt} AS due_at
  FROM ${INVOICE.from}
 WHERE ${INVOICE.where}
   AND i.due_date <= ($5::timestamptz AT TIME ZONE $7::text)::date - $3::int
   AND i.due_date >= ($4::timestamptz AT TIME ZONE $7::text)::date - $3::int - 2
   AND ${INVOICE.dueAt} <= $5::timestamptz AND ${INVOICE.dueAt} > $4::timestamptz
   AND ${unclaimed('i.id::text', INVOICE.occurrence)}
 ORDER BY i.due_date, i.id
 LIMIT $6`;

/** client_inactive, due in the window. */
const CLIENT_INACTIVE = `
SELECT to_jsonb(c) AS row, c.id::text AS entity_id, ${CLIENT.occurrence} AS occurrence,
       ${CLIENT.dueAt} AS due_at${CLIENT.extra}
  FROM ${CLIENT.from}
 WHERE ${CLIENT.where}
   AND a.last_at < $5::timestamptz - make_interval(days => $3::int)
   AND a.last_at >= $4::timestamptz - make_interval(days => $3::int)
   AND ${unclaimed('c.id::text', CLIENT.occurrence)}
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
