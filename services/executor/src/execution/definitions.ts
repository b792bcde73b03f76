import type { Pool } from 'pg';
import { WorkflowDefinition, withoutDefinition, type Command, type RunnableCommand } from '@fixlify/contracts';
import type { Logger, PipelineItem } from '@fixlify/kafka';

/**
 * The workflow definitions the executor runs, by version id. A published version is immutable (one
 * id, one definition, forever: a trigger in the schema refuses updates), so commands of a stored
 * version travel without their definition (README "Storage": bytes per execution) and the executor
 * resolves it here: from the cache, else from automation_workflow_versions in one query per batch.
 * Commands that carry a definition (draft test runs, the built-in keyword replies, older producers)
 * are validated once per version and cached too. The continuations the executor parks (timers) drop
 * the definition again when it came from the store, so a timer row and its re-emitted command stay small.
 */
export interface CachedDefinition {
  def: WorkflowDefinition;
  nodes: number;
  edges: number;
  /** the organization of a stored version; null for one only a command carried */
  organizationId: string | null;
  /** read from automation_workflow_versions: commands of this version may travel without it */
  stored: boolean;
}

export class DefinitionCache {
  private readonly entries = new Map<string, CachedDefinition>();
  constructor(private readonly size = 2000) {}

  get(versionId: string): CachedDefinition | undefined {
    const hit = this.entries.get(versionId);
    if (hit) {
      // least recently used goes first
      this.entries.delete(versionId);
      this.entries.set(versionId, hit);
    }
    return hit;
  }

  set(versionId: string, e: CachedDefinition): void {
    this.entries.delete(versionId);
    this.entries.set(versionId, e);
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
  }
}

export type ResolvedItem = PipelineItem<RunnableCommand | Extract<Command, { kind: 'cancel' }>>;

export interface DefinitionStore {
  /** fills the definitions the commands lack; drops (and logs) a command whose version does not exist for its organization */
  resolve(items: PipelineItem<Command>[]): Promise<{ items: ResolvedItem[]; unresolved: number }>;
  /** the command as it is parked: without its definition when the executor can read it back from the store */
  compact<C extends Command>(cmd: C): C;
}

export const createDefinitionStore = (pool: Pool, cache: DefinitionCache, log: Logger): DefinitionStore => {
  const storedFor = (versionId: string, organizationId: string): CachedDefinition | undefined => {
    const hit = cache.get(versionId);
    return hit?.stored && hit.organizationId === organizationId ? hit : undefined;
  };
  return {
    resolve: async (items) => {
      // what this batch resolves against: its cache hits, taken now, and the rows it reads. Not the cache
      // itself: with more versions in use than it holds, the rows of this query (or another batch's,
      // during the query) evict entries this batch still needs, and their commands would be dropped
      const found = new Map<string, CachedDefinition>();
      const missing = new Set<string>();
      for (const i of items) {
        if (i.value.kind === 'cancel' || i.value.definition || found.has(i.value.versionId)) continue;
        const hit = storedFor(i.value.versionId, i.value.organizationId);
        if (hit) found.set(i.value.versionId, hit);
        else missing.add(i.value.versionId);
      }
      if (missing.size > 0) {
        const rows = await pool.query<{ id: string; organization_id: string; definition: unknown }>(
          'SELECT id, organization_id, definition FROM automation_workflow_versions WHERE id = ANY($1::uuid[])',
          [[...missing]],
        );
        for (const r of rows.rows) {
          const parsed = WorkflowDefinition.safeParse(r.definition);
          if (!parsed.success) {
            log.error({ versionId: r.id, issues: parsed.error.issues.slice(0, 3) }, 'a stored workflow version does not parse; its commands are dropped');
            continue;
          }
          const e: CachedDefinition = {
            def: parsed.data,
            nodes: parsed.data.nodes.length,
            edges: parsed.data.edges.length,
            organizationId: r.organization_id,
            stored: true,
          };
          cache.set(r.id, e);
          found.set(r.id, e);
        }
      }
      const out: ResolvedItem[] = [];
      let unresolved = 0;
      for (const i of items) {
        const c = i.value;
        if (c.kind === 'cancel' || c.definition) {
          out.push(i as ResolvedItem);
          continue;
        }
        const hit = found.get(c.versionId);
        if (hit?.organizationId !== c.organizationId) {
          unresolved++;
          log.warn(
            { executionId: c.executionId, versionId: c.versionId, organizationId: c.organizationId, offset: i.offset, partition: i.partition },
            'command for a workflow version its organization does not have; dropped',
          );
          continue;
        }
        out.push({ ...i, value: { ...c, definition: hit.def } });
      }
      return { items: out, unresolved };
    },
    compact: (cmd) => (cmd.kind !== 'cancel' && storedFor(cmd.versionId, cmd.organizationId) ? withoutDefinition(cmd) : cmd),
  };
};
