import { executionId, type DomainEvent, type PublishedWorkflow } from '@fixlify/contracts';
import { applyDedupe, decideChunk, type ChunkScope, type ScannedMessage } from './chunk';

const ORG = '69a4b6ca-844a-4ff0-aea2-faa4983a6d9c';
const OTHER = '11111111-2222-4333-8444-555555555555';
const WF = '22222222-2222-4333-8444-555555555555';
const VER = '33333333-2222-4333-8444-555555555555';
const REPLAY = '44444444-2222-4333-8444-555555555555';
const T = Date.parse('2026-11-27T04:00:00.000Z');
let n = 0;
const uuid = (): string => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

const workflow = (reenrollment: 'every_time' | 'once_per_entity' = 'every_time'): PublishedWorkflow => ({
  v: 1,
  workflowId: WF,
  organizationId: ORG,
  name: 'wf',
  version: 1,
  versionId: VER,
  triggerType: 'job_created',
  definition: {
    schemaVersion: 1,
    nodes: [
      { id: 'trigger', type: 'trigger', trigger: { type: 'job_created', filter: { field: 'after.title', op: 'contains', value: 'boiler' } } },
      { id: 'sms', type: 'send_sms', config: { to: '{{ client.phone }}', body: 'hi' } },
    ],
    edges: [{ id: 'e1', source: 'trigger', target: 'sms', branch: 'next' }],
    settings: { reenrollment },
  },
  updatedAt: new Date(T).toISOString(),
});

const msg = (o: { org?: string; title?: string; type?: DomainEvent['type']; entityId?: string; at?: number; raw?: string }): ScannedMessage => {
  const org = o.org ?? ORG;
  const entityId = o.entityId ?? uuid();
  const ev: DomainEvent = {
    v: 1,
    eventId: uuid(),
    type: o.type ?? 'job_created',
    organizationId: org,
    entityType: 'job',
    entityId,
    before: null,
    after: { title: o.title ?? 'Replace boiler' },
    occurredAt: new Date(T).toISOString(),
    emittedAt: new Date(T).toISOString(),
    workflowId: null,
    causation: null,
    data: {},
    source: { kind: 'cdc', table: 'jobs', lsn: '1', txId: '1' },
  };
  return { key: `${org}:${entityId}`, value: o.raw ?? JSON.stringify(ev), timestamp: o.at ?? T };
};

const scope = (o: Partial<ChunkScope> = {}): ChunkScope => ({
  organizationId: ORG,
  workflow: workflow(),
  filters: {},
  origin: { kind: 'replay', replayId: REPLAY, force: false },
  range: { from: T - 3600_000, to: T + 3600_000 },
  maxDepth: 3,
  now: new Date(T),
  ...o,
});

describe('decideChunk', () => {
  it("counts only the organization's events in the range, and says why the rest did not match", () => {
    const { starts, counts } = decideChunk(
      [
        msg({}),
        msg({ title: 'Fence' }),
        msg({ type: 'job_completed' }),
        msg({ org: OTHER }),
        msg({ at: T - 7200_000 }),
        msg({ at: T + 3600_000 }),
        msg({ raw: '{not json' }),
      ],
      scope(),
    );
    expect(counts).toMatchObject({ scanned: 4, matched: 1, started: 0, unreadable: 1, notMatched: { filter: 1, trigger_type: 1 } });
    expect(starts).toHaveLength(1);
    expect(starts[0]!.origin).toEqual({ kind: 'replay', replayId: REPLAY, force: false });
    expect(starts[0]!.executionId).toBe(executionId(VER, starts[0]!.event.eventId));
  });

  it("applies the replay's own filters after the workflow's", () => {
    const keep = uuid();
    const r = decideChunk(
      [msg({ entityId: keep }), msg({}), msg({ title: 'boiler, big', entityId: keep })],
      scope({ filters: { entityIds: [keep], condition: { field: 'after.title', op: 'eq', value: 'Replace boiler' } } }),
    );
    expect(r.counts).toMatchObject({ scanned: 3, matched: 1, notMatched: { entity_filter: 1, condition_filter: 1 } });
  });
});

describe('applyDedupe', () => {
  it('skips what ran, what another replay started and a record enrolled earlier; counts the rest as started', () => {
    const s = decideChunk([msg({}), msg({}), msg({}), msg({})], scope()).starts;
    const counts = { scanned: 4, matched: 4, started: 0, unreadable: 0, skipped: {}, notMatched: {} };
    const out = applyDedupe(s, counts, {
      alreadyExecuted: new Set([s[0]!.executionId]),
      alreadyReplayed: new Set([s[1]!.executionId]),
      alreadyEnrolled: new Set([s[2]!.executionId]),
    });
    expect(out.map((c) => c.executionId)).toEqual([s[3]!.executionId]);
    expect(counts).toMatchObject({ started: 1, skipped: { already_executed: 1, already_replayed: 1, already_enrolled: 1 } });
  });

  it('once per entity: two events of one record in a chunk start it once', () => {
    const job = uuid();
    const s = decideChunk([msg({ entityId: job }), msg({ entityId: job })], scope({ workflow: workflow('once_per_entity') })).starts;
    const counts = { scanned: 2, matched: 2, started: 0, unreadable: 0, skipped: {}, notMatched: {} };
    expect(applyDedupe(s, counts, { alreadyExecuted: new Set(), alreadyReplayed: new Set(), alreadyEnrolled: new Set() })).toHaveLength(1);
    expect(counts).toMatchObject({ started: 1, skipped: { already_enrolled: 1 } });
  });
});
