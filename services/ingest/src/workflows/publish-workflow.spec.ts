import { change, ORG } from '../testing/debezium-fixture';
import { publicationOf } from './publish-workflow';

const WF = '5b1d3c2a-8f7e-4d6c-9b5a-4e3d2c1b0a99';
const VERSION = '7c2e4d3b-9a8f-4e7d-8c6b-5f4e3d2c1b0a';
const definition = {
  schemaVersion: 1,
  nodes: [
    { id: 'trigger', type: 'trigger', trigger: { type: 'job_created' } },
    { id: 'sms', type: 'send_sms', config: { body: 'hi' } },
  ],
  edges: [{ id: 'e1', source: 'trigger', target: 'sms' }],
  settings: { reenrollment: 'once_per_entity' },
};
const wfRow = (o: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: WF,
  organization_id: ORG,
  name: 'Welcome',
  is_active: true,
  trigger_type: 'job_created',
  published_version_id: VERSION,
  // jsonb arrives as JSON text
  published_definition: JSON.stringify(definition),
  current_version: 3,
  execution_count: 0,
  updated_at: '2026-11-27T04:01:05.289884Z',
  ...o,
});

describe('publicationOf (automation_workflows CDC → compacted workflows topic)', () => {
  it('an active workflow with a published version is published with its definition', () => {
    const p = publicationOf(change('automation_workflows', 'u', wfRow({ is_active: false }), wfRow()));
    expect(p).toEqual({
      kind: 'publish',
      workflowId: WF,
      message: expect.objectContaining({
        v: 1,
        workflowId: WF,
        organizationId: ORG,
        version: 3,
        versionId: VERSION,
        triggerType: 'job_created',
        updatedAt: '2026-11-27T04:01:05.289Z',
      }),
    });
    if (p?.kind !== 'publish') throw new Error('expected a publication');
    expect(p.message.definition.settings.reenrollment).toBe('once_per_entity');
  });

  it('snapshot reads publish too (they rebuild the topic)', () => {
    expect(publicationOf(change('automation_workflows', 'r', null, wfRow()))?.kind).toBe('publish');
  });

  it('deleted, deactivated or never published workflows become tombstones, with the reason', () => {
    expect(publicationOf(change('automation_workflows', 'd', wfRow(), null))).toEqual({ kind: 'tombstone', workflowId: WF, reason: 'deleted' });
    expect(publicationOf(change('automation_workflows', 'u', wfRow(), wfRow({ is_active: false })))).toEqual({
      kind: 'tombstone',
      workflowId: WF,
      reason: 'inactive',
    });
    expect(publicationOf(change('automation_workflows', 'c', null, wfRow({ published_version_id: null, published_definition: null })))).toEqual({
      kind: 'tombstone',
      workflowId: WF,
      reason: 'no published version',
    });
  });

  it('an unreadable published definition is withdrawn from matching, not published', () => {
    const p = publicationOf(change('automation_workflows', 'u', wfRow({ current_version: 2 }), wfRow({ published_definition: '{"nodes":"nope"}' })));
    expect(p?.kind).toBe('tombstone');
    expect(p?.kind === 'tombstone' && p.reason).toMatch(/^invalid published definition: definition.nodes/);
  });

  it('counter updates (the projector bumps them all the time) publish nothing', () => {
    expect(publicationOf(change('automation_workflows', 'u', wfRow(), wfRow({ execution_count: 7, updated_at: '2026-11-28T00:00:00Z' })))).toBeNull();
  });

  it('rows without an id, truncates and messages publish nothing', () => {
    expect(publicationOf(change('automation_workflows', 'c', null, { name: 'x' }))).toBeNull();
    expect(publicationOf(change('automation_workflows', 't', null, null))).toBeNull();
  });
});

describe('publicationOf: hostile definitions', () => {
  it('a definition nested deeper than any valid one is withdrawn, not parsed', () => {
    let filter: unknown = { field: 'after.status', op: 'eq', value: 'x' };
    for (let i = 0; i < 20_000; i++) filter = { not: filter };
    const deep = { ...definition, nodes: [{ id: 'trigger', type: 'trigger', trigger: { type: 'job_created', filter } }] };
    expect(publicationOf(change('automation_workflows', 'c', null, wfRow({ published_definition: deep })))).toEqual({
      kind: 'tombstone',
      workflowId: WF,
      reason: 'invalid published definition: nested too deeply',
    });
  });
});
