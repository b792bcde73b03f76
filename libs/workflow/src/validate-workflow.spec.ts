import fc from 'fast-check';
import { validateWorkflow } from './validate-workflow';

const realistic = {
  nodes: [
    {
      id: 'trigger',
      type: 'trigger',
      label: 'Job completed',
      trigger: {
        type: 'job_status_changed',
        filter: {
          all: [
            { field: 'status', op: 'changed', to: 'completed' },
            { field: 'after.total', op: 'gte', value: 100 },
          ],
        },
      },
    },
    { id: 'wait', type: 'delay', config: { mode: 'duration', seconds: 3600 } },
    { id: 'paid', type: 'condition', config: { when: { field: 'invoice.status', op: 'eq', value: 'paid' } } },
    { id: 'thanks', type: 'send_email', config: { subject: 'Thanks {{ client.name }}', text: 'Total {{ invoice.total | money }}' } },
    { id: 'remind', type: 'send_sms', config: { body: 'Your invoice of {{ invoice.total | money }} is due {{ invoice.due_at | date_only }}' } },
    { id: 'each', type: 'loop', config: { over: 'job.technicians', as: 'tech' } },
    { id: 'push', type: 'send_push_notification', config: { userRef: '{{ tech.id }}', title: 'Job done', body: '{{ job.title }}' } },
    { id: 'hook', type: 'webhook', config: { url: 'https://example.com/hook', payload: '{{ job | json }}' } },
  ],
  edges: [
    { id: 'e1', source: 'trigger', target: 'wait' },
    { id: 'e2', source: 'wait', target: 'paid' },
    { id: 'e3', source: 'paid', target: 'thanks', branch: 'true' },
    { id: 'e4', source: 'paid', target: 'remind', branch: 'false' },
    { id: 'e5', source: 'thanks', target: 'each' },
    { id: 'e6', source: 'each', target: 'push', branch: 'body' },
    { id: 'e7', source: 'each', target: 'hook', branch: 'done' },
  ],
};

describe('validateWorkflow', () => {
  it('accepts a realistic workflow and returns it with defaults applied', () => {
    const r = validateWorkflow(realistic);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.definition.schemaVersion).toBe(1);
    expect(r.definition.settings).toEqual({ reenrollment: 'every_time' });
    expect(r.definition.edges[0]!.branch).toBe('next');
    expect(r.definition.nodes.find((n) => n.id === 'each')).toMatchObject({ config: { maxIterations: 100 } });
  });

  it('reports schema problems first, tied to the step', () => {
    const broken = structuredClone(realistic);
    (broken.nodes[4]!.config as { body: string }).body = '';
    const r = validateWorkflow(broken);
    expect(r).toEqual({ ok: false, errors: [{ nodeId: 'remind', path: 'config.body', code: 'too_small', message: 'Body cannot be empty' }] });
  });

  it('then the graph rules', () => {
    const broken = structuredClone(realistic);
    broken.edges = broken.edges.filter((e) => e.id !== 'e4');
    const r = validateWorkflow(broken);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => `${e.code}@${e.nodeId}`)).toEqual(['path_missing@paid', 'node_unreachable@remind']);
  });

  it('stops hostile nesting before parsing it', () => {
    let when: unknown = { field: 'a', op: 'is_empty' };
    for (let i = 0; i < 50_000; i++) when = { not: when };
    const r = validateWorkflow({ nodes: [realistic.nodes[0], { id: 'c', type: 'condition', config: { when } }], edges: [] });
    expect(r).toEqual({ ok: false, errors: [expect.objectContaining({ nodeId: 'c', code: 'condition_too_deep' })] });
    let deep: unknown = 1;
    for (let i = 0; i < 50_000; i++) deep = [deep];
    expect(validateWorkflow({ nodes: [], edges: [], x: deep })).toEqual({ ok: false, errors: [expect.objectContaining({ code: 'too_deep' })] });
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), fc.record({ nodes: fc.array(fc.anything(), { maxLength: 5 }), edges: fc.array(fc.anything(), { maxLength: 5 }) })),
        (input) => {
          const r = validateWorkflow(input);
          return r.ok || (r.errors.length > 0 && r.errors.every((e) => typeof e.message === 'string' && e.message.length > 0 && typeof e.code === 'string'));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('validateWorkflow: exotic input', () => {
  it('reports an unreadable definition instead of throwing', () => {
    const evil = Object.defineProperty({ edges: [] }, 'nodes', {
      enumerable: true,
      get: () => {
        throw new Error('boom');
      },
    });
    expect(validateWorkflow(evil)).toEqual({ ok: false, errors: [expect.objectContaining({ code: 'unreadable' })] });
  });
});
