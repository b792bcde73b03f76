import type { Pool } from 'pg';
import { DomainEvent, WorkflowDefinition, eventKey, type Explanation, type ExplainQuery, type WorkflowVerdict } from '@fixlify/contracts';
import { decideAtTime, explainStart, triggerNode, type KnownExecution, type WorkflowHistory } from '@fixlify/workflow';
import { assertOwnedEntity } from '../workflows/ownership';

/** Reads the records of one key in a time range of the events topic (the API's Kafka reader). */
export type EventLogReader = (o: { key: string; from: Date; to: Date }) => Promise<{ records: { value: string }[]; scanned: number; truncated: boolean }>;

/**
 * "Why did or didn't this fire?" for one record: its events, read back from the log, and for each
 * the verdict of every workflow of the organization that starts on that event type — started (with
 * the execution, its suppressed steps and pending waits) or why not (the filter that failed with the
 * value, not published yet, switched on only later or off now, once per record and already
 * enrolled, loop protection, not indexed). The matcher's own rule decides (libs/workflow), over the
 * version published at the event's time; nothing here depends on extra logging.
 */
export const explainRecord = async (p: {
  pool: Pool;
  readEvents: EventLogReader;
  organizationId: string;
  q: ExplainQuery;
  maxDepth: number;
  now: Date;
}): Promise<Explanation> => {
  const { pool, organizationId, q } = p;
  await assertOwnedEntity(pool, organizationId, q.entityType, q.entityId);
  const from = new Date(q.from);
  const to = q.to ? new Date(Math.min(new Date(q.to).getTime(), p.now.getTime())) : p.now;
  const log = await p.readEvents({ key: eventKey({ organizationId, entityId: q.entityId, workflowId: null }), from, to });
  const events: DomainEvent[] = [];
  for (const r of log.records) {
    try {
      const ev = DomainEvent.safeParse(JSON.parse(r.value));
      if (ev.success && ev.data.organizationId === organizationId && ev.data.entityId === q.entityId) events.push(ev.data);
    } catch {
      // an unreadable record went to the dead letters when it was live; it explains nothing
    }
  }
  const workflows = await loadHistories(pool, organizationId, q.workflowId);
  // the executions the events would have started, and what became of them
  const ids = new Set<string>();
  for (const ev of events)
    for (const w of workflows) {
      const d = decideAtTime(ev, w, { maxDepth: p.maxDepth })?.decision;
      if (d?.kind === 'start') ids.add(d.command.executionId);
    }
  const executions = await loadExecutions(pool, organizationId, [...ids]);
  return {
    entityType: q.entityType,
    entityId: q.entityId,
    from: from.toISOString(),
    to: to.toISOString(),
    scanned: log.scanned,
    truncated: log.truncated,
    events: events.map((ev) => ({
      eventId: ev.eventId,
      type: ev.type,
      occurredAt: ev.occurredAt,
      workflows: workflows
        .filter((w) => w.versions.some((v) => triggerNode(v.definition)?.trigger.type === ev.type) && (!ev.workflowId || ev.workflowId === w.workflowId))
        .map((w): WorkflowVerdict => {
          const r = explainStart(ev, w, executions.known, { maxDepth: p.maxDepth });
          const executionId = r.outcome === 'started' ? r.executionId : (r.executionId ?? null);
          const extra = executionId ? executions.details.get(executionId) : undefined;
          return {
            workflowId: w.workflowId,
            workflowName: w.name,
            version: r.version,
            outcome: r.outcome,
            reason: r.outcome === 'not_started' ? r.reason : null,
            detail: r.outcome === 'not_started' ? r.detail : null,
            failed: r.outcome === 'not_started' && r.failed ? r.failed : null,
            executionId,
            executionStatus: executionId ? (executions.known.get(executionId)?.status ?? null) : null,
            suppressedSteps: extra?.suppressed ?? [],
            waiting: extra?.waiting ?? [],
          };
        }),
    })),
  };
};

const loadHistories = async (pool: Pool, organizationId: string, workflowId: string | undefined): Promise<WorkflowHistory[]> => {
  const r = await pool.query<{
    id: string;
    name: string;
    is_active: boolean;
    activated_at: Date | null;
    version_id: string;
    version: number;
    published_at: Date;
    definition: unknown;
  }>(
    `SELECT w.id, w.name, w.is_active, w.activated_at, v.id AS version_id, v.version, v.published_at, v.definition
       FROM automation_workflows w JOIN automation_workflow_versions v ON v.workflow_id = w.id AND v.organization_id = w.organization_id
      WHERE w.organization_id = $1 AND ($2::uuid IS NULL OR w.id = $2)
      ORDER BY w.name, w.id, v.version`,
    [organizationId, workflowId ?? null],
  );
  const byId = new Map<string, WorkflowHistory & { versions: WorkflowHistory['versions'][number][] }>();
  for (const row of r.rows) {
    const def = WorkflowDefinition.safeParse(row.definition);
    if (!def.success) continue;
    let w = byId.get(row.id);
    if (!w) {
      w = { workflowId: row.id, organizationId, name: row.name, isActive: row.is_active, activatedAt: row.activated_at, versions: [] };
      byId.set(row.id, w);
    }
    w.versions.push({ versionId: row.version_id, version: row.version, publishedAt: row.published_at, definition: def.data });
  }
  return [...byId.values()];
};

const loadExecutions = async (
  pool: Pool,
  organizationId: string,
  ids: string[],
): Promise<{ known: Map<string, KnownExecution>; details: Map<string, { suppressed: string[]; waiting: { reason: string | null; until: string }[] }> }> => {
  const known = new Map<string, KnownExecution>();
  const details = new Map<string, { suppressed: string[]; waiting: { reason: string | null; until: string }[] }>();
  if (ids.length === 0) return { known, details };
  const r = await pool.query<{ id: string; state: string; status: string | null; event_id: string | null; suppressed: string[] | null }>(
    `SELECT e.id, e.state, l.status, l.trigger_data->>'eventId' AS event_id,
            (SELECT array_agg(a->>'stepId') FROM jsonb_array_elements(l.actions_executed) a WHERE a->>'delivery' = 'suppressed') AS suppressed
       FROM automation_executions e LEFT JOIN automation_execution_logs l ON l.id = e.id
      WHERE e.id = ANY($1::uuid[]) AND e.organization_id = $2`,
    [ids, organizationId],
  );
  for (const row of r.rows) {
    known.set(row.id, { status: row.status ?? row.state, eventId: row.event_id });
    details.set(row.id, { suppressed: row.suppressed ?? [], waiting: [] });
  }
  const timers = await pool.query<{ execution_id: string; reason: string | null; due_at: Date }>(
    `SELECT execution_id, reason, due_at FROM automation_timers WHERE execution_id = ANY($1::uuid[]) AND organization_id = $2 AND fired_at IS NULL ORDER BY due_at`,
    [[...known.keys()], organizationId],
  );
  for (const t of timers.rows) details.get(t.execution_id)?.waiting.push({ reason: t.reason, until: t.due_at.toISOString() });
  return { known, details };
};
