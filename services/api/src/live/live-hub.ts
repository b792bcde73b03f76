import { isOutcomeUnknown, type LiveEvent, type StepResult } from '@fixlify/contracts';

export interface LiveClient {
  /** writes one SSE frame; false when the client is gone */
  write(frame: string): boolean;
}

/** What the web app needs to move an execution along without reloading (status, progress, error). */
export const liveEvent = (r: StepResult): LiveEvent => {
  // kind is set per case, where it is narrowed (first, as it always was in the JSON)
  const base = { executionId: r.executionId, workflowId: r.workflowId, versionId: r.versionId, seq: r.seq, at: r.at };
  switch (r.kind) {
    case 'execution_started':
      return { kind: r.kind, ...base, status: 'processing', triggerType: r.triggerType, testRun: r.triggerData.testRun === true, replayId: r.replayId ?? null };
    case 'step_succeeded':
      return {
        kind: r.kind,
        ...base,
        status: 'processing',
        stepId: r.stepId,
        stepType: r.stepType,
        attempt: r.attempt,
        durationMs: r.durationMs,
        delivery: r.delivery,
      };
    case 'step_failed':
      return {
        kind: r.kind,
        ...base,
        status: r.retryAt ? 'retry' : 'processing',
        stepId: r.stepId,
        stepType: r.stepType,
        attempt: r.attempt,
        error: r.error,
        retryAt: r.retryAt,
      };
    case 'step_skipped':
      return { kind: r.kind, ...base, status: 'processing', stepId: r.stepId, stepType: r.stepType, reason: r.reason, dueAt: r.dueAt };
    case 'execution_waiting':
      return { kind: r.kind, ...base, status: 'waiting', stepId: r.stepId, until: r.until, reason: r.reason };
    case 'execution_completed':
      return { kind: r.kind, ...base, status: 'completed', durationMs: r.durationMs };
    case 'execution_failed':
      return { kind: r.kind, ...base, status: isOutcomeUnknown(r.error) ? 'unknown' : 'failed', durationMs: r.durationMs, error: r.error };
    case 'execution_cancelled':
      return { kind: r.kind, ...base, status: 'cancelled', reason: r.reason };
  }
};

export const sseFrame = (event: string, data: unknown, id?: string): string => `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** Streams one principal (a user or an API key) and one organization may hold open at once. */
export interface StreamLimits {
  principal: string;
  maxPerPrincipal: number;
  maxPerOrganization: number;
}

/** Fans the step results out to the connected clients of the result's organization only. */
export class LiveHub {
  private readonly byOrg = new Map<string, Set<LiveClient>>();
  private readonly byPrincipal = new Map<string, number>();

  get clientCount(): number {
    let n = 0;
    for (const s of this.byOrg.values()) n += s.size;
    return n;
  }

  streamsOf(principal: string): number {
    return this.byPrincipal.get(principal) ?? 0;
  }

  /**
   * Adds a client; returns how to remove it (once), or null when `limits` are reached (the caller
   * answers 429): a principal cannot hold every connection the process can serve.
   */
  add(organizationId: string, c: LiveClient, limits?: StreamLimits): (() => void) | null {
    const set = this.byOrg.get(organizationId) ?? new Set<LiveClient>();
    if (limits && (this.streamsOf(limits.principal) >= limits.maxPerPrincipal || set.size >= limits.maxPerOrganization)) return null;
    set.add(c);
    this.byOrg.set(organizationId, set);
    if (limits) this.byPrincipal.set(limits.principal, this.streamsOf(limits.principal) + 1);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      set.delete(c);
      if (set.size === 0 && this.byOrg.get(organizationId) === set) this.byOrg.delete(organizationId);
      if (limits) {
        const n = this.streamsOf(limits.principal) - 1;
        if (n > 0) this.byPrincipal.set(limits.principal, n);
        else this.byPrincipal.delete(limits.principal);
      }
    };
  }

  publish(r: StepResult): number {
    const set = this.byOrg.get(r.organizationId);
    if (!set) return 0;
    const frame = sseFrame('execution', liveEvent(r), r.resultId);
    let sent = 0;
    for (const c of set) if (c.write(frame)) sent++;
    return sent;
  }

  /** comment frames keep proxies from closing idle streams */
  heartbeat(): void {
    for (const set of this.byOrg.values()) for (const c of set) c.write(': keep-alive\n\n');
  }
}
