import type { Pool, PoolClient } from 'pg';
import type { ENROLLABLE_TRIGGER_TYPES } from '@fixlify/contracts';
import {
  clockEventId,
  enrollEventId,
  isEnrollableTrigger,
  type DomainEvent,
  type EntityType,
  type PublishedWorkflow,
  type TriggerSpec,
  type TriggerType,
} from '@fixlify/contracts';
import { CLOCK_RULES, sqlUnclaimed } from '@fixlify/db';
import { triggerNode } from '@fixlify/workflow';

type Db = Pool | PoolClient;
type ClockType = keyof typeof CLOCK_RULES;
export type RecordType = Exclude<(typeof ENROLLABLE_TRIGGER_TYPES)[number], ClockType>;

/** A record that meets a workflow's trigger now, as the enrollment scan reads it. */
export interface EnrollableRecord {
  entityId: string;
  /** the event the record becomes: type = the trigger, entity = the record, after = the row now */
  event: DomainEvent;
  /** when it met the trigger: the start of its virtual clock */
  asOf: Date;
  /** clock triggers: the occurrence the clock would claim, and whether it is still unclaimed */
  claim: { occurrence: string; unclaimed: boolean } | null;
}

/**
 * Record-change triggers: which rows of which table are what the trigger is about now, and the best
 * time the row has for when that became true. `asOf` is also the boundary with the live path: only
 * records that met the trigger by the job's cutoff (the workflow's activation) are enrolled; later
 * ones are the matcher's.
 */
const RECORD_SOURCES: Record<
  RecordType,
  { table: 'jobs' | 'invoices' | 'clients' | 'estimates'; where: string; asOf: string; data?: (row: Record<string, unknown>) => Record<string, unknown> }
> = {
  job_created: { table: 'jobs', where: 'true', asOf: 'x.created_at' },
  job_status_changed: { table: 'jobs', where: 'true', asOf: 'x.updated_at', data: (row) => ({ from: null, to: row.status ?? null }) },
  job_completed: { table: 'jobs', where: `x.status = 'completed'`, asOf: 'coalesce(x.completed_at, x.updated_at)' },
  invoice_created: { table: 'invoices', where: 'true', asOf: 'x.created_at' },
  invoice_sent: { table: 'invoices', where: `x.status = 'sent'`, asOf: 'coalesce(x.sent_at, x.updated_at)' },
  invoice_paid: { table: 'invoices', where: `x.status = 'paid'`, asOf: 'coalesce(x.paid_at, x.updated_at)' },
  client_created: { table: 'clients', where: 'true', asOf: 'x.created_at' },
  client_updated: { table: 'clients', where: 'true', asOf: 'x.updated_at', data: () => ({ changed: [] }) },
  estimate_created: { table: 'estimates', where: 'true', asOf: 'x.created_at' },
  estimate_sent: { table: 'estimates', where: `x.status = 'sent'`, asOf: 'coalesce(x.sent_at, x.updated_at)' },
  estimate_accepted: { table: 'estimates', where: `x.status = 'accepted'`, asOf: 'x.updated_at' },
  estimate_declined: { table: 'estimates', where: `x.status = 'declined'`, asOf: 'x.updated_at' },
};

const ENTITY_OF_TABLE: Record<string, EntityType> = { jobs: 'job', invoices: 'invoice', clients: 'client', estimates: 'estimate' };

/**
 * The row as change capture shows it (the filter language must see the same values live and here):
 * numeric columns as text (decimal.handling.mode=string), timestamps in UTC with `Z`.
 */
const NUMERIC_COLUMNS: Record<string, readonly string[]> = { jobs: ['total'], invoices: ['amount', 'amount_paid'], estimates: ['amount'], clients: [] };
const cdcRow = (table: string): string => {
  const cols = NUMERIC_COLUMNS[table] ?? [];
  return cols.length === 0 ? 'to_jsonb(x)' : `to_jsonb(x) || jsonb_build_object(${cols.map((c) => `'${c}', x.${c}::text`).join(', ')})`;
};
const UTC_OFFSET = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)\+00(?::00)?$/;
const normalizeTimes = (row: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    const m = typeof v === 'string' ? UTC_OFFSET.exec(v) : null;
    Object.defineProperty(out, k, { value: m ? `${m[1]}Z` : v, enumerable: true, writable: true, configurable: true });
  }
  return out;
};

/** What an enrollment reads for one workflow. */
export interface EnrollScope {
  workflow: PublishedWorkflow;
  trigger: TriggerSpec;
  /** the organization's time zone (invoice due dates are local days) */
  timeZone: string;
  /** records that met the trigger after this are the live path's (the matcher's, the clock's) */
  cutoff: Date;
  now: Date;
}

/** The table an enrollment scans, or an error a person can read for a trigger without records. */
export const enrollTable = (t: TriggerType): { table: string } | { error: string } => {
  if (!isEnrollableTrigger(t)) return { error: `a ${t} trigger is not about records: there are no existing records to enroll` };
  if (t in CLOCK_RULES) return { table: CLOCK_RULES[t as ClockType].from.split(' ')[0]! };
  return { table: RECORD_SOURCES[t as RecordType].table };
};

/** The trigger node's spec of a published workflow (enrollment needs its config: grace, days). */
export const triggerSpecOf = (w: PublishedWorkflow): TriggerSpec | null => triggerNode(w.definition)?.trigger ?? null;

const clockAmount = (t: TriggerSpec): number => {
  switch (t.type) {
    case 'job_overdue':
      return t.config.graceMinutes;
    case 'invoice_overdue':
      return t.config.daysOverdue;
    case 'client_inactive':
      return t.config.days;
    default:
      throw new Error(`${t.type} is not a record-based clock trigger`);
  }
};

const clockQuery = (type: ClockType, kind: 'rows' | 'count'): string => {
  const r: { from: string; alias: string; where: string; occurrence: string; dueAt: string; extra?: string } = CLOCK_RULES[type];
  const a = r.alias;
  const base = `FROM ${r.from} WHERE ${r.where} AND ${r.dueAt} <= $4::timestamptz`;
  // $2 and $7 are part of the rules' parameters; every query names them so their types are known
  if (kind === 'count') return `SELECT count(*)::int AS n, $2::uuid AS w, $7::text AS tz, $5::uuid AS c, $6::int AS l ${base}`;
  return `SELECT to_jsonb(${a}) AS row, ${a}.id::text AS entity_id, ${r.occurrence} AS occurrence, ${r.dueAt} AS as_of${r.extra ?? ''},
                 ${sqlUnclaimed(`${a}.id::text`, r.occurrence)} AS unclaimed, $7::text AS tz
            ${base} AND ($5::uuid IS NULL OR ${a}.id > $5::uuid)
           ORDER BY ${a}.id LIMIT $6`;
};

const recordQuery = (type: RecordType, kind: 'rows' | 'count'): string => {
  const s = RECORD_SOURCES[type];
  const base = `FROM ${s.table} x WHERE x.organization_id = $1 AND ${s.where} AND ${s.asOf} <= $2::timestamptz`;
  if (kind === 'count') return `SELECT count(*)::int AS n, $3::uuid AS c, $4::int AS l ${base}`;
  return `SELECT ${cdcRow(s.table)} AS row, x.id::text AS entity_id, ${s.asOf} AS as_of ${base} AND ($3::uuid IS NULL OR x.id > $3::uuid) ORDER BY x.id LIMIT $4`;
};

/** A row of an enrollment query (exported for the unit tests of the event each row becomes). */
export interface EnrollRow {
  row: Record<string, unknown>;
  entity_id: string;
  as_of: Date;
  occurrence?: string;
  unclaimed?: boolean;
  last_at?: Date;
}

const paramsOf = (s: EnrollScope, after: string | null, limit: number): unknown[] =>
  s.trigger.type in CLOCK_RULES
    ? [s.workflow.organizationId, s.workflow.workflowId, clockAmount(s.trigger), s.cutoff, after, limit, s.timeZone]
    : [s.workflow.organizationId, s.cutoff, after, limit];

/** How many records meet the trigger (planned once, for the progress). */
export const countEnrollable = async (db: Db, s: EnrollScope): Promise<number> => {
  const t = s.trigger.type;
  const sql = t in CLOCK_RULES ? clockQuery(t as ClockType, 'count') : recordQuery(t as RecordType, 'count');
  const res = await db.query<{ n: number }>(sql, paramsOf(s, null, 0));
  return res.rows[0]?.n ?? 0;
};

/** The next records in id order after `after` (the cursor), with the event each becomes. */
export const readEnrollable = async (db: Db, s: EnrollScope, after: string | null, limit: number): Promise<EnrollableRecord[]> => {
  const t = s.trigger.type;
  const clock = t in CLOCK_RULES;
  const sql = clock ? clockQuery(t as ClockType, 'rows') : recordQuery(t as RecordType, 'rows');
  const res = await db.query<EnrollRow>(sql, paramsOf(s, after, limit));
  return res.rows.map((r) => (clock ? clockRecord(s, r) : changeRecord(s, t as RecordType, r)));
};

/** The event the clock scanner would emit for the occurrence (services/ingest clock-event.ts): same id, same shape. */
export const clockRecord = (s: EnrollScope, r: EnrollRow): EnrollableRecord => {
  const t = s.trigger;
  const occurrence = r.occurrence!;
  const dueAt = r.as_of.toISOString();
  const data: Record<string, unknown> =
    t.type === 'job_overdue'
      ? { occurrence, dueAt, graceMinutes: t.config.graceMinutes }
      : t.type === 'invoice_overdue'
        ? { occurrence, dueAt, dueDate: occurrence, daysOverdue: t.config.daysOverdue, timeZone: s.timeZone }
        : { occurrence, dueAt, lastActivityAt: r.last_at?.toISOString() ?? occurrence, days: clockAmount(t) };
  const entityType: EntityType = t.type === 'job_overdue' ? 'job' : t.type === 'invoice_overdue' ? 'invoice' : 'client';
  return {
    entityId: r.entity_id,
    asOf: r.as_of,
    claim: { occurrence, unclaimed: r.unclaimed === true },
    event: {
      v: 1,
      eventId: clockEventId({ workflowId: s.workflow.workflowId, entityId: r.entity_id, occurrence }),
      type: t.type,
      organizationId: s.workflow.organizationId,
      entityType,
      entityId: r.entity_id,
      before: null,
      after: r.row,
      occurredAt: dueAt,
      emittedAt: s.now.toISOString(),
      workflowId: s.workflow.workflowId,
      causation: null,
      data,
      source: { kind: 'clock' },
    },
  };
};

/** A record-change trigger's synthetic event: the record as it is now, aimed at the workflow, with an id of its own. */
export const changeRecord = (s: EnrollScope, type: RecordType, r: EnrollRow): EnrollableRecord => {
  const src = RECORD_SOURCES[type];
  const after = normalizeTimes(r.row);
  return {
    entityId: r.entity_id,
    asOf: r.as_of,
    claim: null,
    event: {
      v: 1,
      eventId: enrollEventId({ workflowId: s.workflow.workflowId, triggerType: type, entityId: r.entity_id }),
      type,
      organizationId: s.workflow.organizationId,
      entityType: ENTITY_OF_TABLE[src.table]!,
      entityId: r.entity_id,
      before: null,
      after,
      occurredAt: r.as_of.toISOString(),
      emittedAt: s.now.toISOString(),
      workflowId: s.workflow.workflowId,
      causation: null,
      data: src.data ? src.data(after) : {},
      source: { kind: 'cdc', table: src.table },
    },
  };
};
