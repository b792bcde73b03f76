import { isUuid } from '@fixlify/contracts';
import type { Pool } from 'pg';
import { Batcher } from '../db/batcher';
import { failed, type ActionOutcome } from '@fixlify/engine';

/** Columns an automation may set, per table, with their SQL types; anything else is refused before SQL is built. */
export const COLUMN_TYPES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  jobs: {
    status: 'text',
    title: 'text',
    description: 'text',
    scheduled_start: 'timestamptz',
    scheduled_end: 'timestamptz',
    technician_id: 'uuid',
    total: 'numeric',
    address: 'text',
    completed_at: 'timestamptz',
  },
  invoices: { status: 'text', due_date: 'date', sent_at: 'timestamptz', paid_at: 'timestamptz', amount_paid: 'numeric' },
  clients: {
    name: 'text',
    email: 'text',
    phone: 'text',
    address: 'text',
    time_zone: 'text',
    email_consent: 'boolean',
    sms_consent: 'boolean',
    push_consent: 'boolean',
    tags: 'text[]',
  },
  estimates: { status: 'text', valid_until: 'date', sent_at: 'timestamptz' },
  tasks: { status: 'text', title: 'text', description: 'text', due_at: 'timestamptz', technician_id: 'uuid' },
};

/**
 * Columns that hold the id of another record, and the table it must be in. A value is written only
 * when that record belongs to the execution's organization (checked in the same statement).
 */
export const REFERENCE_COLUMNS: Readonly<Record<string, string>> = { technician_id: 'technicians' };
const SINGULAR: Readonly<Record<string, string>> = { technicians: 'technician', jobs: 'job', clients: 'client', invoices: 'invoice' };

/** One message for "does not exist" and "belongs to another organization": which ids exist elsewhere is not the workflow's business. */
const notOurs = (field: string, table: string, value: string): ActionOutcome =>
  failed('invalid_reference', `${field} ${value.slice(0, 80)} is not a ${SINGULAR[table] ?? table} of this organization`);

export const UPDATABLE_COLUMNS: Readonly<Record<string, ReadonlySet<string>>> = Object.fromEntries(
  Object.entries(COLUMN_TYPES).map(([t, cols]) => [t, new Set(Object.keys(cols))]),
);

const dbFailure = (e: unknown): ActionOutcome => {
  const code = (e as { code?: string }).code ?? '';
  // PostgreSQL's foreign-key message names the key and whether it exists ("Key (technician_id)=(…) is not present"): not shown
  if (code === '23503') return failed('invalid_reference', 'a record this step refers to is not one of this organization');
  // integrity and data errors (classes 22, 23) are the workflow's fault; the rest may pass
  const permanent = code.startsWith('22') || code.startsWith('23') || code.startsWith('42');
  return failed(permanent ? 'record_rejected' : 'database_unavailable', e instanceof Error ? e.message : String(e), !permanent);
};

/**
 * Writes stamp the step key and the causation depth, so ingest recognizes the change as caused
 * by this execution (loop protection) and a re-run writes the same values (idempotent).
 */
export type UpdatePlan = { kind: 'sql'; text: string; values: unknown[] } | { kind: 'refused'; outcome: ActionOutcome };

/**
 * The statement an update_record step runs, or why it is refused. Table and column names come
 * only from UPDATABLE_COLUMNS, never from the workflow text; values are always parameters.
 */
export const planUpdate = (p: {
  organizationId: string;
  table: string;
  id: string;
  set: Record<string, unknown>;
  stepKey: string;
  depth: number;
}): UpdatePlan => {
  const allowed = Object.prototype.hasOwnProperty.call(UPDATABLE_COLUMNS, p.table) ? UPDATABLE_COLUMNS[p.table] : undefined;
  if (!allowed) return { kind: 'refused', outcome: failed('invalid_table', `table ${String(p.table).slice(0, 80)} cannot be updated by automations`) };
  if (!isUuid(p.id)) return { kind: 'refused', outcome: failed('invalid_record_id', `record id "${p.id.slice(0, 80)}" is not a uuid`) };
  const cols = Object.keys(p.set ?? {});
  if (cols.length === 0) return { kind: 'refused', outcome: failed('invalid_column', `nothing to set on ${p.table}`) };
  const bad = cols.filter((c) => !allowed.has(c));
  if (bad.length) return { kind: 'refused', outcome: failed('invalid_column', `cannot set ${bad.map((c) => c.slice(0, 63)).join(', ')} on ${p.table}`) };
  const assignments = cols.map((c, i) => `${c} = $${i + 5}`);
  const values = cols.map((c) => {
    const v = p.set[c];
    return v === '' || v === undefined ? null : v;
  });
  for (const [i, c] of cols.entries()) {
    const v = values[i];
    if (REFERENCE_COLUMNS[c] && v !== null && (typeof v !== 'string' || !isUuid(v)))
      return { kind: 'refused', outcome: notOurs(c, REFERENCE_COLUMNS[c], typeof v === 'string' ? v : JSON.stringify(v)) };
  }
  // a referenced record must be the organization's: checked in the statement itself (no window between check and write)
  const owned = cols
    .map((c, i) =>
      REFERENCE_COLUMNS[c]
        ? ` AND ($${i + 5}::uuid IS NULL OR EXISTS (SELECT 1 FROM ${REFERENCE_COLUMNS[c]} r WHERE r.id = $${i + 5}::uuid AND r.organization_id = $2))`
        : '',
    )
    .join('');
  return {
    kind: 'sql',
    text: `UPDATE ${p.table} SET ${assignments.join(', ')}, automation_execution_id = $3, automation_depth = $4, updated_at = now()
        WHERE id = $1 AND organization_id = $2${owned} RETURNING id`,
    values: [p.id, p.organizationId, p.stepKey, p.depth, ...values],
  };
};

type UpdateRequest = { organizationId: string; table: string; id: string; set: Record<string, unknown>; stepKey: string; depth: number };

/** The first reference of a step whose record was found but not updated: the one that is not the organization's. */
const foreignReference = (p: UpdateRequest): ActionOutcome | null => {
  const c = Object.keys(p.set).find((k) => REFERENCE_COLUMNS[k] && p.set[k] !== '' && p.set[k] !== null && p.set[k] !== undefined);
  return c ? notOurs(c, REFERENCE_COLUMNS[c]!, String(p.set[c])) : null;
};

/**
 * update_record steps of concurrent executions that set the same columns of the same table go
 * in one statement (group commit); a statement a value breaks is retried row by row, so each
 * step gets its own answer.
 */
export const createRecordWriter = (pool: Pool): { update: (p: UpdateRequest) => Promise<ActionOutcome> } => {
  const batchers = new Map<string, Batcher<UpdateRequest, ActionOutcome>>();
  const ownRecords = async (table: string, ps: UpdateRequest[]): Promise<Set<string>> => {
    const r = await pool.query<{ id: string }>(
      `SELECT t.id FROM ${table} t JOIN unnest($1::uuid[], $2::uuid[]) AS u(id, org) ON t.id = u.id AND t.organization_id = u.org`,
      [ps.map((p) => p.id), ps.map((p) => p.organizationId)],
    );
    return new Set(r.rows.map((x) => x.id));
  };
  const runGroup = async (table: string, cols: string[], group: UpdateRequest[]): Promise<ActionOutcome[]> => {
    // one row twice in a statement would be updated once: such rows wait for a later round
    const out = new Array<ActionOutcome>(group.length);
    let rest = group.map((p, i) => ({ p, i }));
    while (rest.length > 0) {
      const seen = new Set<string>();
      const round: typeof rest = [];
      const later: typeof rest = [];
      for (const r of rest) {
        const id = r.p.id.toLowerCase();
        (seen.has(id) ? later : round).push(r);
        seen.add(id);
      }
      const types = COLUMN_TYPES[table]!;
      const assignments = cols.map((c, k) => `${c} = u.c${k}::${types[c]!}`);
      const owned = cols
        .map((c, k) =>
          REFERENCE_COLUMNS[c]
            ? ` AND (u.c${k} IS NULL OR EXISTS (SELECT 1 FROM ${REFERENCE_COLUMNS[c]} r WHERE r.id = u.c${k}::uuid AND r.organization_id = u.org))`
            : '',
        )
        .join('');
      const res = await pool.query<{ id: string }>(
        `UPDATE ${table} AS t SET ${assignments.join(', ')}, automation_execution_id = u.step_key, automation_depth = u.depth, updated_at = now()
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[]${cols.map((_, k) => `, $${k + 5}::text[]`).join('')}) AS u(id, org, step_key, depth${cols.map((_, k) => `, c${k}`).join('')})
          WHERE t.id = u.id AND t.organization_id = u.org${owned}
          RETURNING t.id`,
        [
          round.map((r) => r.p.id),
          round.map((r) => r.p.organizationId),
          round.map((r) => r.p.stepKey),
          round.map((r) => r.p.depth),
          ...cols.map((c) =>
            round.map((r) => {
              const v = r.p.set[c];
              return v === '' || v === undefined || v === null ? null : typeof v === 'string' ? v : JSON.stringify(v);
            }),
          ),
        ],
      );
      const found = new Set(res.rows.map((x) => x.id));
      const missed = round.filter((r) => !found.has(r.p.id.toLowerCase()));
      // a row not updated: either the record is not the organization's, or a reference it was given is not
      const present =
        missed.length === 0
          ? new Set<string>()
          : await ownRecords(
              table,
              missed.map((r) => r.p),
            );
      for (const r of round) {
        if (found.has(r.p.id.toLowerCase())) out[r.i] = { kind: 'ok', output: { table, id: r.p.id, set: r.p.set }, delivery: 'none' };
        else if (!present.has(r.p.id.toLowerCase())) out[r.i] = failed('record_not_found', `${table} ${r.p.id} not found in this organization`);
        else out[r.i] = foreignReference(r.p) ?? failed('record_not_found', `${table} ${r.p.id} not found in this organization`);
      }
      rest = later;
    }
    return out;
  };
  return {
    update: async (p) => {
      const plan = planUpdate(p);
      if (plan.kind === 'refused') return plan.outcome;
      const cols = Object.keys(p.set).sort();
      const key = `${p.table}:${cols.join(',')}`;
      let b = batchers.get(key);
      if (!b) {
        b = new Batcher((group) =>
          runGroup(p.table, cols, group).catch(async (e: unknown) => {
            // a value the column refuses (class 22/23) fails its own step only
            const code = (e as { code?: string }).code ?? '';
            if (group.length > 1 && (code.startsWith('22') || code.startsWith('23'))) return Promise.all(group.map((g) => updateRecord(pool, g)));
            return group.map(() => dbFailure(e));
          }),
        );
        batchers.set(key, b);
      }
      return b.submit(p);
    },
  };
};

export const updateRecord = async (
  pool: Pool,
  p: { organizationId: string; table: string; id: string; set: Record<string, unknown>; stepKey: string; depth: number },
): Promise<ActionOutcome> => {
  const plan = planUpdate(p);
  if (plan.kind === 'refused') return plan.outcome;
  try {
    const res = await pool.query(plan.text, plan.values);
    if (res.rowCount === 0) {
      // the table name comes from UPDATABLE_COLUMNS (planUpdate refused anything else)
      const exists = await pool.query(`SELECT 1 FROM ${p.table} WHERE id = $1 AND organization_id = $2`, [p.id, p.organizationId]);
      return (exists.rowCount ? foreignReference(p) : null) ?? failed('record_not_found', `${p.table} ${p.id} not found in this organization`);
    }
    return { kind: 'ok', output: { table: p.table, id: p.id, set: p.set }, delivery: 'none' };
  } catch (e) {
    return dbFailure(e);
  }
};

export const createTask = async (
  pool: Pool,
  p: { organizationId: string; title: string; description?: string; dueAt: Date | null; technicianId?: string; jobId?: string; stepKey: string; depth: number },
): Promise<ActionOutcome> => {
  for (const [name, v] of [
    ['assigneeTechnicianId', p.technicianId],
    ['jobId', p.jobId],
  ] as const)
    if (v && !isUuid(v)) return failed('invalid_reference', `${name} "${v.slice(0, 80)}" is not a uuid`);
  try {
    // a technician or job that is not the organization's fails the step (it used to be dropped silently), with one message for both cases
    if (p.technicianId || p.jobId) {
      const refs = await pool.query<{ technician: boolean; job: boolean }>(
        `SELECT ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM technicians WHERE id = $2::uuid AND organization_id = $1)) AS technician,
                ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM jobs WHERE id = $3::uuid AND organization_id = $1)) AS job`,
        [p.organizationId, p.technicianId || null, p.jobId || null],
      );
      const r = refs.rows[0]!;
      if (!r.technician) return notOurs('assigneeTechnicianId', 'technicians', p.technicianId!);
      if (!r.job) return notOurs('jobId', 'jobs', p.jobId!);
    }
    // the unique (automation_execution_id, title) index makes a re-run find the task it made
    const res = await pool.query<{ id: string }>(
      `WITH ins AS (
         INSERT INTO tasks (organization_id, title, description, due_at, technician_id, job_id, automation_execution_id, automation_depth)
         SELECT $1, $2, $3, $4, t.id, j.id, $7, $8
           FROM (SELECT 1) one
           LEFT JOIN technicians t ON t.id = $5::uuid AND t.organization_id = $1
           LEFT JOIN jobs j ON j.id = $6::uuid AND j.organization_id = $1
         ON CONFLICT (automation_execution_id, title) WHERE automation_execution_id IS NOT NULL DO NOTHING
         RETURNING id)
       SELECT id FROM ins UNION ALL SELECT id FROM tasks WHERE automation_execution_id = $7 AND title = $2 LIMIT 1`,
      [p.organizationId, p.title, p.description ?? null, p.dueAt, p.technicianId || null, p.jobId || null, p.stepKey, p.depth],
    );
    return { kind: 'ok', output: { taskId: res.rows[0]?.id ?? null, title: p.title }, delivery: 'none' };
  } catch (e) {
    return dbFailure(e);
  }
};

/**
 * Assigns a given technician, or the least busy active one: fewest open jobs overlapping the
 * job's window (ties: fewest open jobs overall, then id), skipping those already booked then.
 */
export const assignTechnician = async (
  pool: Pool,
  p: { organizationId: string; jobId: string; strategy: 'given' | 'least_busy'; technicianId?: string; stepKey: string; depth: number },
): Promise<ActionOutcome> => {
  if (!isUuid(p.jobId)) return failed('invalid_record_id', `job id "${p.jobId.slice(0, 80)}" is not a uuid`);
  try {
    const job = await pool.query<{
      technician_id: string | null;
      automation_execution_id: string | null;
      scheduled_start: Date | null;
      scheduled_end: Date | null;
    }>('SELECT technician_id, automation_execution_id, scheduled_start, scheduled_end FROM jobs WHERE id = $1 AND organization_id = $2', [
      p.jobId,
      p.organizationId,
    ]);
    const row = job.rows[0];
    if (!row) return failed('record_not_found', `job ${p.jobId} not found in this organization`);
    if (row.automation_execution_id === p.stepKey && row.technician_id)
      return { kind: 'ok', output: { jobId: p.jobId, technicianId: row.technician_id, reused: true }, delivery: 'none' };
    let techId: string | null = null;
    if (p.strategy === 'given') {
      if (!p.technicianId || !isUuid(p.technicianId)) return failed('invalid_reference', 'technicianId is not a uuid');
      const t = await pool.query('SELECT id FROM technicians WHERE id = $1 AND organization_id = $2 AND is_active', [p.technicianId, p.organizationId]);
      if (t.rowCount === 0)
        return failed('technician_unavailable', `technician ${p.technicianId.slice(0, 80)} is not an active technician of this organization`);
      techId = p.technicianId;
    } else {
      const start = row.scheduled_start ?? new Date();
      const end = row.scheduled_end ?? new Date(start.getTime() + 2 * 3600_000);
      const best = await pool.query<{ id: string; overlapping: string }>(
        `SELECT t.id,
                count(j.id) FILTER (WHERE j.scheduled_start < $3 AND coalesce(j.scheduled_end, j.scheduled_start + interval '2 hours') > $2) AS overlapping,
                count(j.id) AS open_jobs
           FROM technicians t
           -- only this organization's jobs count: another organization cannot make these technicians look busy
           LEFT JOIN jobs j ON j.technician_id = t.id AND j.organization_id = $1 AND j.status NOT IN ('completed','cancelled') AND j.id <> $4
          WHERE t.organization_id = $1 AND t.is_active
          GROUP BY t.id
          ORDER BY overlapping, open_jobs, t.id
          LIMIT 1`,
        [p.organizationId, start, end, p.jobId],
      );
      const b = best.rows[0];
      if (!b) return failed('technician_unavailable', 'no active technician in this organization');
      if (Number(b.overlapping) > 0) return failed('technician_unavailable', 'every active technician is booked in the job window');
      techId = b.id;
    }
    await pool.query(
      `UPDATE jobs SET technician_id = $3, automation_execution_id = $4, automation_depth = $5, updated_at = now() WHERE id = $1 AND organization_id = $2`,
      [p.jobId, p.organizationId, techId, p.stepKey, p.depth],
    );
    return { kind: 'ok', output: { jobId: p.jobId, technicianId: techId, strategy: p.strategy }, delivery: 'none' };
  } catch (e) {
    return dbFailure(e);
  }
};
