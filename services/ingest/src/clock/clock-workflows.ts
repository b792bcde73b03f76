import type { Pool } from 'pg';
import { CLOCK_TRIGGER_TYPES, WorkflowDefinition, type TriggerSpec } from '@fixlify/contracts';
import { triggerNode } from '@fixlify/workflow';

export type ClockTriggerType = (typeof CLOCK_TRIGGER_TYPES)[number];
export type ClockTrigger = Extract<TriggerSpec, { type: ClockTriggerType }>;

/** An active workflow whose trigger is a clock, as the scanner needs it. */
export interface ClockWorkflow {
  workflowId: string;
  organizationId: string;
  versionId: string;
  /** when the running version was published: nothing that fell due before fires */
  activatedAt: Date;
  /** the last change of the workflow row (publish, activation, rename): matchers learn of it a moment later */
  changedAt: Date;
  /** the organization's time zone (invoice due dates are local days) */
  timeZone: string;
  trigger: ClockTrigger;
}

const isClock = (t: TriggerSpec): t is ClockTrigger => (CLOCK_TRIGGER_TYPES as readonly string[]).includes(t.type);

/** The clock trigger of a published definition, or null (not a clock trigger, or unreadable). */
export const clockTriggerOf = (definition: unknown): ClockTrigger | null => {
  let parsed: ReturnType<typeof WorkflowDefinition.safeParse>;
  try {
    parsed = WorkflowDefinition.safeParse(definition);
  } catch {
    return null;
  }
  if (!parsed.success) return null;
  const node = triggerNode(parsed.data);
  return node && isClock(node.trigger) ? node.trigger : null;
};

/**
 * Active workflows with a clock trigger, read from PostgreSQL on every tick. The scanner needs the
 * database anyway (entity scans, claims), the partial index on trigger_type makes this cheap, and
 * reading it here means a deactivation stops the clock at the next tick without a second consumer
 * of the workflows topic that would have to catch up before the first scan.
 */
export const loadClockWorkflows = async (pool: Pool, organizationIds?: readonly string[]): Promise<ClockWorkflow[]> => {
  const res = await pool.query<{
    id: string;
    organization_id: string;
    version_id: string;
    activated_at: Date;
    changed_at: Date;
    time_zone: string;
    definition: unknown;
  }>(
    `SELECT w.id, w.organization_id, w.published_version_id AS version_id, greatest(v.published_at, w.activated_at) AS activated_at, greatest(v.published_at, w.updated_at) AS changed_at,
            o.time_zone, w.published_definition AS definition
       FROM automation_workflows w
       JOIN automation_workflow_versions v ON v.id = w.published_version_id
       JOIN organizations o ON o.id = w.organization_id
      WHERE w.is_active AND w.trigger_type = ANY($1::text[]) AND w.published_definition IS NOT NULL
        AND ($2::uuid[] IS NULL OR w.organization_id = ANY($2::uuid[]))
      ORDER BY w.id`,
    [[...CLOCK_TRIGGER_TYPES], organizationIds ? [...organizationIds] : null],
  );
  const out: ClockWorkflow[] = [];
  for (const r of res.rows) {
    const trigger = clockTriggerOf(r.definition);
    if (trigger)
      out.push({
        workflowId: r.id,
        organizationId: r.organization_id,
        versionId: r.version_id,
        activatedAt: r.activated_at,
        changedAt: r.changed_at,
        timeZone: r.time_zone,
        trigger,
      });
  }
  return out;
};
