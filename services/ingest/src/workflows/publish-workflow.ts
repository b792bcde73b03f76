import { PublishedWorkflow, type DebeziumChangeEvent, formatIssues } from '@fixlify/contracts';
import { normalizeRow } from '../cdc/normalize-row';

const PUBLISHED_COLUMNS = ['organization_id', 'name', 'is_active', 'trigger_type', 'published_version_id', 'published_definition', 'current_version'];

export type WorkflowPublication =
  { kind: 'publish'; workflowId: string; message: PublishedWorkflow } | { kind: 'tombstone'; workflowId: string; reason: string };

/** Deeper than any valid definition; zod's recursive Condition schema overflows the stack on hostile nesting. */
const MAX_DEFINITION_DEPTH = 64;

const deeperThan = (value: unknown, limit: number): boolean => {
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [v, depth] = item;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
};

/**
 * A change of an automation_workflows row → what the compacted workflows topic must say about it:
 * the published definition when the workflow is active, a tombstone otherwise. Snapshot reads
 * count too: they rebuild the topic.
 */
export const publicationOf = (change: DebeziumChangeEvent): WorkflowPublication | null => {
  const row = normalizeRow(change.op === 'd' ? change.before : change.after);
  const workflowId = typeof row?.id === 'string' ? row.id : null;
  if (!row || !workflowId) return null;
  if (change.op === 'd') return { kind: 'tombstone', workflowId, reason: 'deleted' };
  if (change.op === 't' || change.op === 'm') return null;
  // the projector bumps counters on this row all the time: those changes publish nothing
  if (change.op === 'u' && change.before) {
    const before = normalizeRow(change.before)!;
    if (PUBLISHED_COLUMNS.every((c) => JSON.stringify(before[c]) === JSON.stringify(row[c]))) return null;
  }
  if (row.is_active !== true || !row.published_version_id || !row.published_definition)
    return { kind: 'tombstone', workflowId, reason: row.is_active === true ? 'no published version' : 'inactive' };
  if (deeperThan(row.published_definition, MAX_DEFINITION_DEPTH))
    return { kind: 'tombstone', workflowId, reason: 'invalid published definition: nested too deeply' };
  const parsed = PublishedWorkflow.safeParse({
    v: 1,
    workflowId,
    organizationId: row.organization_id,
    name: row.name,
    version: row.current_version,
    versionId: row.published_version_id,
    triggerType: row.trigger_type,
    definition: row.published_definition,
    updatedAt: typeof row.updated_at === 'string' ? new Date(row.updated_at).toISOString() : new Date(change.source.ts_ms).toISOString(),
  });
  if (!parsed.success) return { kind: 'tombstone', workflowId, reason: `invalid published definition: ${formatIssues(parsed.error, { max: 3 })}` };
  return { kind: 'publish', workflowId, message: parsed.data };
};
