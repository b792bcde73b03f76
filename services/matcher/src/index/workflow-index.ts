import type { PublishedWorkflow, TriggerType } from '@fixlify/contracts';

/** Active workflow versions per organization and trigger type; fed by the compacted workflows topic. */
export class WorkflowIndex {
  private readonly byId = new Map<string, PublishedWorkflow>();
  private readonly byOrgTrigger = new Map<string, PublishedWorkflow[]>();

  private static key(org: string, type: TriggerType): string {
    return `${org}|${type}`;
  }

  get size(): number {
    return this.byId.size;
  }

  get(workflowId: string): PublishedWorkflow | undefined {
    return this.byId.get(workflowId);
  }

  candidates(organizationId: string, type: TriggerType): readonly PublishedWorkflow[] {
    return this.byOrgTrigger.get(WorkflowIndex.key(organizationId, type)) ?? [];
  }

  all(): IterableIterator<PublishedWorkflow> {
    return this.byId.values();
  }

  upsert(w: PublishedWorkflow): void {
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
