import type { StepResult } from '@fixlify/contracts';
import { LiveHub, liveEvent } from './live-hub';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const result = (org: string, kind: 'execution_completed' | 'execution_failed'): StepResult =>
  kind === 'execution_completed'
    ? { v: 1, resultId: 'x:1', executionId: A, organizationId: org, workflowId: A, versionId: A, seq: 1, at: '2030-01-01T00:00:00.000Z', kind, durationMs: 5 }
    : {
        v: 1,
        resultId: 'x:2',
        executionId: A,
        organizationId: org,
        workflowId: A,
        versionId: A,
        seq: 2,
        at: '2030-01-01T00:00:00.000Z',
        kind,
        durationMs: 5,
        error: { code: 'action_error', message: 'boom', retryable: false },
      };

describe('LiveHub', () => {
  it("sends a result only to the result's organization", () => {
    const hub = new LiveHub();
    const a: string[] = [];
    const b: string[] = [];
    hub.add(A, { write: (f) => (a.push(f), true) });
    const removeB = hub.add(B, { write: (f) => (b.push(f), true) });
    expect(hub.publish(result(A, 'execution_completed'))).toBe(1);
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(0);
    expect(a[0]).toMatch(/^id: x:1\nevent: execution\ndata: \{.*"status":"completed"/);
    removeB!();
    expect(hub.clientCount).toBe(1);
    expect(hub.publish(result(B, 'execution_completed'))).toBe(0);
  });
  it('caps the streams of one principal and of one organization; a closed stream frees its place', () => {
    const hub = new LiveHub();
    const c = { write: () => true };
    const limits = (principal: string) => ({ principal, maxPerPrincipal: 2, maxPerOrganization: 3 });
    const first = hub.add(A, c, limits('user:1'));
    expect(hub.add(A, { write: () => true }, limits('user:1'))).not.toBeNull();
    expect(hub.add(A, { write: () => true }, limits('user:1'))).toBeNull();
    expect(hub.streamsOf('user:1')).toBe(2);
    expect(hub.add(A, { write: () => true }, limits('key:2'))).not.toBeNull();
    expect(hub.add(A, { write: () => true }, limits('key:3'))).toBeNull();
    expect(hub.add(B, { write: () => true }, limits('key:9'))).not.toBeNull();
    first!();
    first!();
    expect(hub.streamsOf('user:1')).toBe(1);
    expect(hub.add(A, { write: () => true }, limits('user:1'))).not.toBeNull();
    expect(hub.clientCount).toBe(4);
  });
  it('maps results to statuses the monitor shows', () => {
    expect(liveEvent(result(A, 'execution_failed'))).toMatchObject({ status: 'failed', error: { message: 'boom' } });
    const unknown = {
      ...result(A, 'execution_failed'),
      error: { code: 'outcome_unknown', message: 'may have been delivered', retryable: false },
    } as StepResult;
    expect(liveEvent(unknown)).toMatchObject({ status: 'unknown', error: { code: 'outcome_unknown' } });
  });
});
