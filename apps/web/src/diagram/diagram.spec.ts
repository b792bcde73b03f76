import { addStep, arrange, connect, freeBranch, removeNodes, renameNode, setTrigger } from './edit';
import { autoLayout } from './layout';
import { emptyDraft, normalizeDraft, type Draft } from './model';
import { issuesByNode, subtitleOf, toFlowEdges, toFlowNodes } from './to-flow';

const sample = (): Draft => ({
  schemaVersion: 1,
  nodes: [
    { id: 'trigger', type: 'trigger', trigger: { type: 'job_completed' } },
    { id: 'big', type: 'condition', config: { when: { field: 'job.total', op: 'gt', value: 100 } } },
    { id: 'sms', type: 'send_sms', config: { to: '{{ client.phone }}', body: 'Thanks!' } },
    { id: 'task', type: 'create_task', config: { title: 'Call back' } },
  ],
  edges: [
    { id: 'e1', source: 'trigger', target: 'big' },
    { id: 'e2', source: 'big', target: 'sms', branch: 'true' },
    { id: 'e3', source: 'big', target: 'task', branch: 'false' },
  ],
});

describe('definition → diagram', () => {
  it('types each node on its kind of step and carries the problems found on it', () => {
    const nodes = toFlowNodes(sample(), {
      issues: [{ nodeId: 'sms', path: 'config.body', message: 'Too long', code: 'x' }],
      titles: { send_sms: 'Send SMS', job_completed: 'Job completed' },
    });
    expect(nodes.map((n) => [n.id, n.type])).toEqual([
      ['trigger', 'trigger'],
      ['big', 'condition'],
      ['sms', 'action'],
      ['task', 'action'],
    ]);
    expect(nodes[0]!.data.title).toBe('Job completed');
    expect(nodes[1]!.data.branches).toEqual(['true', 'false']);
    expect(nodes[2]!.data).toMatchObject({ title: 'Send SMS', issues: ['Too long'] });
  });
  it('draws condition branches as labelled edges leaving their own handles', () => {
    const edges = toFlowEdges(sample(), [{ nodeId: 'big', path: '', message: 'm', code: 'c', edgeId: 'e3' }]);
    expect(edges.map((e) => [e.id, e.sourceHandle, e.label])).toEqual([
      ['e1', 'next', undefined],
      ['e2', 'true', 'Yes'],
      ['e3', 'false', 'No'],
    ]);
    expect(edges[2]!.className).toBe('edge-error');
  });
  it('lays out steps without positions in rows from the trigger, yes left of no', () => {
    const l = autoLayout(sample());
    expect(l.get('trigger')!.y).toBeLessThan(l.get('big')!.y);
    expect(l.get('sms')!.y).toBe(l.get('task')!.y);
    expect(l.get('sms')!.x).toBeLessThan(l.get('task')!.x);
    const positioned = sample();
    positioned.nodes[0]!.position = { x: 500, y: 7 };
    expect(toFlowNodes(positioned)[0]!.position).toEqual({ x: 500, y: 7 });
  });
  it('summarises a step in one line', () => {
    expect(subtitleOf({ id: 'd', type: 'delay', config: { mode: 'duration', seconds: 172800 } })).toBe('Wait 2 days');
    expect(subtitleOf({ id: 'c', type: 'condition', config: { when: { field: 'job.total', op: 'gt', value: 100 } } })).toBe('If job.total gt 100');
    expect(issuesByNode([{ nodeId: null, path: '', message: 'm', code: 'c' }]).get('')).toHaveLength(1);
  });
});

describe('editing a draft', () => {
  it('builds trigger → condition → two branches by adding after the selected step', () => {
    let d = emptyDraft();
    const t = setTrigger(d, 'job_completed', null);
    d = t.draft;
    const c = addStep(d, 'condition', { when: { field: 'job.total', op: 'gt', value: 1 } }, t.id);
    d = c.draft;
    const yes = addStep(d, 'send_sms', { body: 'hi' }, c.id);
    d = yes.draft;
    const no = addStep(d, 'create_task', { title: 't' }, c.id);
    d = no.draft;
    expect(d.edges.map((e) => [e.source, e.branch, e.target])).toEqual([
      ['trigger', 'next', 'condition'],
      ['condition', 'true', 'sms'],
      ['condition', 'false', 'create_task'],
    ]);
    expect(freeBranch(d, c.id)).toBeNull();
    expect(setTrigger(d, 'job_created', null).draft.nodes.filter((n) => n.type === 'trigger')).toHaveLength(1);
  });
  it('keeps one edge per branch, removes edges with their steps, renames with connections', () => {
    let d = connect(sample(), 'big', 'true', 'task');
    expect(d.edges.filter((e) => e.source === 'big' && e.branch === 'true').map((e) => e.target)).toEqual(['task']);
    d = removeNodes(d, ['task']);
    expect(d.edges.every((e) => e.target !== 'task')).toBe(true);
    const r = renameNode(sample(), 'sms', 'thank_you');
    expect(r.edges.find((e) => e.id === 'e2')!.target).toBe('thank_you');
    expect(renameNode(sample(), 'sms', 'big')).toEqual(sample());
  });
  it('arranges steps from the trigger down, branches side by side', () => {
    const d = sample();
    d.nodes.forEach((n) => (n.position = { x: 0, y: 0 }));
    const a = arrange(d);
    const pos = Object.fromEntries(a.nodes.map((n) => [n.id, n.position!]));
    expect(pos.trigger!.y).toBeLessThan(pos.big!.y);
    expect(pos.sms!.y).toBe(pos.task!.y);
    expect(pos.sms!.x).toBeLessThan(pos.task!.x);
  });
  it('normalizes whatever the API stored', () => {
    expect(normalizeDraft(null)).toEqual(emptyDraft());
    expect(normalizeDraft({ nodes: [{ id: 'a', type: 'trigger' }, { nope: 1 }], edges: 'x' }).nodes).toHaveLength(1);
  });
});
