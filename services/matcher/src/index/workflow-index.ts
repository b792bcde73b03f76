import type { TriggerType } from '@fixlify/contracts';
import type { IndexedWorkflow } from './indexed-workflow';

/** Active workflow versions (what matching reads of them) per organization and trigger type; fed by the compacted workflows topic. */
export class WorkflowIndex {
  private readonly byId = new Map<string, IndexedWorkflow>();
  private readonly byOrgTrigger = new Map<string, IndexedWorkflow[]>();

  private static key(org: string, type: TriggerType): string {
    return `${org}|${type}`;
  }

  get size(): number {
    return this.byId.size;
  }

  get(workflowId: string): IndexedWorkflow | undefined {
    return this.byId.get(workflowId);
  }

  candidates(organizationId: string, type: TriggerType): readonly IndexedWorkflow[] {
    return this.byOrgTrigger.get(WorkflowIndex.key(organizationId, type)) ?? [];
  }

  all(): IterableIterator<IndexedWorkflow> {
    return this.byId.values();
  }

  upsert(w: IndexedWorkflow): void {
    this.remove(w.workflowId);
    this.byId.set(w.workflowId, w);
    const k = WorkflowIndex.key(w.organizationId, w.triggerType);
    const list = this.byOrgTrigger.get(k) ?? [];
    list.push(w);
    this.byOrgTrigger.set(k, list);
  }

  remove(workflowId: string): void {
    const old = this.byId.get(workflowId);
    if (!old) return;
    this.byId.delete(workflowId);
    const k = WorkflowIndex.key(old.organizationId, old.triggerType);
    const list = (this.byOrgTrigger.get(k) ?? []).filter((w) => w.workflowId !== workflowId);
    if (list.length) this.byOrgTrigger.set(k, list);
    else this.byOrgTrigger.delete(k);
  }
}
