import fc from 'fast-check';
import { PublishedWorkflow, WorkflowDefinition, type WorkflowDefinitionInput } from '@fixlify/contracts';
import { triggerNode } from '@fixlify/workflow';
import { readWorkflowRecord, type IndexedWorkflow } from './indexed-workflow';

const WF = '11111111-2222-4333-8444-555555555555';
const ORG = '69a4b6ca-844a-4ff0-aea2-faa4983a6d9c';
const VER = '22222222-2222-4333-8444-555555555555';

const definition = (): WorkflowDefinitionInput => ({
  schemaVersion: 1,
  nodes: [
    {
      id: 'trigger',
      type: 'trigger',
      label: 'Job overdue',
      position: { x: 0, y: 0 },
      trigger: {
        type: 'job_overdue',
        config: { graceMinutes: 30 },
        filter: { all: [{ field: 'after.status', op: 'in', value: ['scheduled', 'dispatched'] }] },
      },
    },
    { id: 'has_email', type: 'condition', config: { when: { field: 'client.email', op: 'is_not_empty' } } },
    { id: 'email', type: 'send_email', config: { subject: 'Late: {{ job.title }}', text: 'Hi {{ client.name }}' } },
    { id: 'sms', type: 'send_sms', config: { body: '{{ job.title }} is late' } },
  ],
  edges: [
    { id: 'e1', source: 'trigger', target: 'has_email' },
    { id: 'e2', source: 'has_email', target: 'email', branch: 'true' },
    { id: 'e3', source: 'has_email', target: 'sms', branch: 'false' },
  ],
  settings: { reenrollment: 'once_per_entity' },
});

const record = (o: Record<string, unknown> = {}): Record<string, unknown> => ({
  v: 1,
  workflowId: WF,
  organizationId: ORG,
  name: 'Overdue jobs',
  version: 3,
  versionId: VER,
  triggerType: 'job_overdue',
  definition: definition(),
  updatedAt: '2026-11-27T04:01:05.291Z',
  ...o,
});
const withDefinition = (d: Record<string, unknown>): Record<string, unknown> => record({ definition: { ...definition(), ...d } });
const read = (r: unknown, key = WF) => readWorkflowRecord(key, Buffer.from(JSON.stringify(r)));
const reason = (r: unknown, key = WF): string => {
  const x = read(r, key);
  if (x.ok) throw new Error('read, not refused');
  return x.reason;
};

/** what the matcher held before: the full parse, reduced to what matching reads */
const fullRule = (r: unknown): IndexedWorkflow | null => {
  const p = PublishedWorkflow.safeParse(r);
  if (!p.success) return null;
  const w = p.data;
  return {
    workflowId: w.workflowId,
    organizationId: w.organizationId,
    versionId: w.versionId,
    version: w.version,
    triggerType: w.triggerType,
    trigger: triggerNode(w.definition)?.trigger,
    reenrollment: w.definition.settings.reenrollment,
  };
};

describe('readWorkflowRecord', () => {
  it('reads what matching needs, as the full contract parse gives it, and nothing more (no definition)', () => {
    const r = read(record());
    expect(r).toEqual({ ok: true, workflow: fullRule(record()) });
    expect(r.ok && r.workflow).toEqual({
      workflowId: WF,
      organizationId: ORG,
      versionId: VER,
      version: 3,
      triggerType: 'job_overdue',
      trigger: {
        type: 'job_overdue',
        config: { graceMinutes: 30 },
        filter: { all: [{ field: 'after.status', op: 'in', value: ['scheduled', 'dispatched'] }] },
      },
      reenrollment: 'once_per_entity',
    });
    // defaults as the contract applies them
    const bare = read(withDefinition({ schemaVersion: undefined, settings: undefined }));
    expect(bare.ok && bare.workflow.reenrollment).toBe('every_time');
    const noGrace = read(
      withDefinition({ nodes: [{ id: 't', type: 'trigger', trigger: { type: 'job_overdue', config: {} } }, ...definition().nodes.slice(1)] }),
    );
    expect(noGrace.ok && noGrace.workflow.trigger).toEqual({ type: 'job_overdue', config: { graceMinutes: 0 } });
  });

  it('refuses a record whose own fields break the contract, naming the field', () => {
    expect(reason(record({ organizationId: 'org-1' }))).toMatch(/^organizationId: /);
    expect(reason(record({ organizationId: undefined }))).toMatch(/^organizationId: /);
    expect(reason(record({ workflowId: 'x' }), 'x')).toMatch(/^workflowId: /);
    expect(reason(record({ versionId: null }))).toMatch(/^versionId: /);
    expect(reason(record({ version: 0 }))).toMatch(/^version: /);
    expect(reason(record({ v: 2 }))).toMatch(/^v: /);
    expect(reason(record({ triggerType: 'job_deleted' }))).toMatch(/^triggerType: /);
    expect(reason(record({ name: 7 }))).toMatch(/^name: /);
    expect(reason(record({ updatedAt: 'yesterday' }))).toMatch(/^updatedAt: /);
    expect(reason(record({ definition: 'x' }))).toMatch(/^definition: /);
    expect(reason(null)).toMatch(/^\(root\): /);
    expect(reason([record()])).toMatch(/^\(root\): /);
  });

  it('refuses a record keyed by another workflow than it names (compaction would keep it past that workflow’s tombstone)', () => {
    expect(reason(record(), VER)).toBe(`the record names workflow ${WF}, its key ${VER}`);
  });

  it('refuses what is not JSON, and hostile nesting in the filter, without throwing', () => {
    expect(readWorkflowRecord(WF, Buffer.from('{"v":1,'))).toEqual({ ok: false, reason: 'not JSON' });
    expect(readWorkflowRecord(WF, Buffer.from([0xff, 0xfe]))).toEqual({ ok: false, reason: 'not JSON' });
    // as text: JSON.stringify itself overflows on this
    const deep = (n: number) => `${'{"not":'.repeat(n)}{"field":"after.status","op":"eq","value":"x"}${'}'.repeat(n)}`;
    const hostile = (n: number) =>
      JSON.stringify(record()).replace(
        /"definition":\{/,
        `"definition":{"nodes":[{"id":"t","type":"trigger","trigger":{"type":"job_created","filter":${deep(n)}}}],"edges":[]},"was":{`,
      );
    for (const n of [5_000, 50_000, 500_000]) {
      let r: ReturnType<typeof readWorkflowRecord> | undefined;
      expect(() => (r = readWorkflowRecord(WF, Buffer.from(hostile(n))))).not.toThrow();
      expect(r).toEqual({ ok: false, reason: expect.stringMatching(/^definition\.nodes\.0|^not JSON$/) });
    }
    // the same record with a shallow filter is read, and so is a deep one the contract reads (beyond the quick check's 32 levels)
    for (const n of [3, 40, 1000]) expect(readWorkflowRecord(WF, Buffer.from(hostile(n))).ok).toBe(true);
  });

  it('validates the trigger node in full: type, config, filter, id, no unknown keys', () => {
    const triggerAs = (node: unknown) => withDefinition({ nodes: [definition().nodes[1], node, ...definition().nodes.slice(2)] });
    const base = definition().nodes[0] as Record<string, unknown>;
    expect(reason(triggerAs({ ...base, trigger: { type: 'job_overdue', config: { graceMinutes: -1 } } }))).toMatch(
      /^definition\.nodes\.1\.trigger\.config\.graceMinutes: /,
    );
    expect(reason(triggerAs({ ...base, trigger: { type: 'job_overdue' } }))).toMatch(/^definition\.nodes\.1\.trigger\.config: /);
    expect(reason(triggerAs({ ...base, trigger: { type: 'job_created', filter: { field: 'after.status', op: 'like', value: 'x' } } }))).toMatch(
      /^definition\.nodes\.1\.trigger\.filter/,
    );
    expect(reason(triggerAs({ ...base, trigger: { type: 'job_created', filter: { field: 'a..b', op: 'eq', value: 'x' } } }))).toMatch(
      /^definition\.nodes\.1\.trigger\.filter/,
    );
    expect(reason(triggerAs({ ...base, trigger: { type: 'job_created', owner: ORG } }))).toMatch(/^definition\.nodes\.1\.trigger: /);
    expect(reason(triggerAs({ ...base, trigger: { type: 'job_deleted' } }))).toMatch(/^definition\.nodes\.1\.trigger\.type: /);
    expect(reason(triggerAs({ ...base, id: 'a b' }))).toMatch(/^definition\.nodes\.1\.id: /);
    expect(reason(triggerAs({ ...base, organizationId: ORG }))).toMatch(/^definition\.nodes\.1: /);
    // the first node of type trigger is the trigger, as decideStart takes it
    const two = read(triggerAs({ id: 't2', type: 'trigger', trigger: { type: 'job_created' } }));
    expect(two.ok && two.workflow.trigger).toEqual({ type: 'job_created' });
    // no trigger node: indexed, and decideStart never starts it (no_trigger), as before
    const none = read(withDefinition({ nodes: definition().nodes.slice(1) }));
    expect(none).toEqual({ ok: true, workflow: expect.objectContaining({ trigger: undefined }) });
    expect(none.ok && none.workflow).toEqual(fullRule(withDefinition({ nodes: definition().nodes.slice(1) })));
  });

  it('holds the definition to the contract’s own fields and the bounds of its lists (as WorkflowDefinition does)', () => {
    const sms = (i: number) => ({ id: `s${i}`, type: 'send_sms', config: { body: 'x' } });
    const edge = (i: number) => ({ id: `e${i}`, source: 'trigger', target: 's0' });
    const cases: Record<string, unknown>[] = [
      { nodes: [] },
      { nodes: [definition().nodes[0], ...Array.from({ length: 200 }, (_, i) => sms(i))] },
      { edges: Array.from({ length: 401 }, (_, i) => edge(i)) },
      { nodes: {} },
      { edges: null },
      { settings: { reenrollment: 'sometimes' } },
      { settings: { reenrollment: 'every_time', quietHours: true } },
      { schemaVersion: 2 },
      { owner: ORG },
    ];
    for (const c of cases) {
      expect(WorkflowDefinition.safeParse({ ...definition(), ...c }).success).toBe(false);
      expect(reason(withDefinition(c))).toMatch(/^definition[.:]/);
    }
    // at the bounds: read
    expect(read(withDefinition({ nodes: [definition().nodes[0], ...Array.from({ length: 199 }, (_, i) => sms(i))] })).ok).toBe(true);
    expect(read(withDefinition({ edges: Array.from({ length: 400 }, (_, i) => edge(i)) })).ok).toBe(true);
  });

  it('leaves the other nodes and the edges to the executor (which reads and validates the stored version): a damaged action node is still indexed', () => {
    const damaged = withDefinition({ nodes: [definition().nodes[0], { id: 'sms', type: 'send_sms', config: { body: 'x', bcc: 'all' } }, 42] });
    expect(PublishedWorkflow.safeParse(damaged).success).toBe(false);
    expect(read(damaged)).toEqual({ ok: true, workflow: fullRule(record()) });
  });

  // ---- against the contract, on generated records

  const bad = fc.oneof(fc.constant(undefined), fc.constant(null), fc.string({ maxLength: 5 }), fc.integer({ min: -2, max: 3 }), fc.jsonValue({ maxDepth: 2 }));
  const maybe = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 15, arbitrary: good }, { weight: 1, arbitrary: bad });
  /** now and then a key the contract does not know */
  const sometimesExtra = <T extends object>(a: fc.Arbitrary<T>): fc.Arbitrary<T> =>
    fc.tuple(a, fc.integer({ min: 0, max: 9 })).map(([x, k]) => (k === 0 ? { ...x, extra: 1 } : x));
  const triggerArb = fc.oneof(
    fc.record(
      { type: fc.constantFrom('job_created', 'invoice_paid', 'manual'), filter: maybe(fc.constant({ field: 'after.status', op: 'eq', value: 'x' })) },
      { requiredKeys: ['type'] },
    ),
    fc.record({ type: fc.constant('job_overdue'), config: maybe(fc.record({ graceMinutes: maybe(fc.integer({ min: -1, max: 100 })) }, { requiredKeys: [] })) }),
    fc.record({
      type: fc.constant('recurring'),
      config: maybe(fc.record({ cron: maybe(fc.constant('0 9 * * 1-5')), timezone: maybe(fc.constant('Europe/Berlin')) })),
    }),
    bad,
  );
  const triggerNodeArb = sometimesExtra(
    fc.record(
      { id: maybe(fc.constantFrom('trigger', 't-1')), type: fc.constant('trigger'), trigger: triggerArb, label: maybe(fc.string({ maxLength: 5 })) },
      { requiredKeys: ['id', 'type', 'trigger'] },
    ),
  );
  const otherNodeArb = fc.oneof(
    fc.constant(definition().nodes[3]),
    fc.constant(definition().nodes[1]),
    bad,
    fc.record({ type: fc.constant('send_sms'), config: bad }),
  );
  const definitionArb = sometimesExtra(
    fc.record(
      {
        schemaVersion: maybe(fc.constant(1)),
        nodes: maybe(
          fc
            .tuple(
              fc.array(otherNodeArb, { maxLength: 3 }),
              fc.option(triggerNodeArb, { nil: undefined }),
              fc.array(fc.oneof(otherNodeArb, triggerNodeArb), { maxLength: 3 }),
            )
            .map(([before, t, after]) => [...before, ...(t ? [t] : []), ...after]),
        ),
        edges: maybe(fc.array(fc.oneof(fc.constant({ id: 'e1', source: 'trigger', target: 'sms' }), bad), { maxLength: 3 })),
        settings: maybe(fc.record({ reenrollment: maybe(fc.constantFrom('every_time', 'once_per_entity')) }, { requiredKeys: [] })),
      },
      { requiredKeys: ['nodes', 'edges'] },
    ),
  );
  const recordArb = fc.record({
    v: maybe(fc.constant(1)),
    workflowId: maybe(fc.constant(WF)),
    organizationId: maybe(fc.constant(ORG)),
    name: maybe(fc.string({ maxLength: 5 })),
    version: maybe(fc.integer({ min: 0, max: 5 })),
    versionId: maybe(fc.constant(VER)),
    triggerType: maybe(fc.constantFrom('job_created', 'job_overdue', 'recurring')),
    definition: maybe(definitionArb),
    updatedAt: maybe(fc.constant('2026-11-27T04:01:05.291Z')),
  });

  /** the record with every node but the first of type trigger, and every edge, replaced by valid ones: what the full parse judges of the rest */
  const restRepaired = (r: Record<string, unknown>): unknown => {
    const d = r.definition as { nodes?: unknown; edges?: unknown } | null;
    if (typeof d !== 'object' || d === null || Array.isArray(d)) return r;
    const first = Array.isArray(d.nodes) ? d.nodes.findIndex((n) => typeof n === 'object' && n !== null && (n as { type?: unknown }).type === 'trigger') : -1;
    const nodes = Array.isArray(d.nodes) ? d.nodes.map((n, i) => (i === first ? n : { id: `n${i}`, type: 'send_sms', config: { body: 'x' } })) : d.nodes;
    const edges = Array.isArray(d.edges) ? d.edges.map((_, i) => ({ id: `e${i}`, source: 'a', target: 'b' })) : d.edges;
    return { ...r, definition: { ...d, nodes, edges } };
  };

  it('reads exactly the records the full contract parse reads once the other nodes and edges are repaired, with the same rule; never throws', () => {
    let read0 = 0;
    let refused = 0;
    fc.assert(
      fc.property(recordArb, (r) => {
        const lean = read(r);
        const full = fullRule(restRepaired(JSON.parse(JSON.stringify(r)) as Record<string, unknown>));
        if (lean.ok) {
          read0++;
          expect(lean.workflow).toEqual(full);
        } else {
          refused++;
          expect(full).toBeNull();
          expect(lean.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 3000 },
    );
    expect(read0).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });
});
