import {
  Command,
  executionId,
  keywordRepliesWorkflowId,
  withoutDefinition,
  type DomainEvent,
  type PublishedWorkflow,
  type TriggerSpec,
} from '@fixlify/contracts';
import { decideStart } from '@fixlify/workflow';
import { readWorkflowRecord, type IndexedWorkflow } from '../index/indexed-workflow';
import { WorkflowIndex } from '../index/workflow-index';
import { matchEvent } from './match-event';

const ORG = '69a4b6ca-844a-4ff0-aea2-faa4983a6d9c';
const OTHER_ORG = '11111111-2222-4333-8444-555555555555';
const JOB = '36c290c5-a69f-4349-ae2e-3e87e586802d';
const now = new Date('2026-11-27T04:01:06.000Z');
let n = 0;
const uuid = (): string => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

const wf = (trigger: TriggerSpec, o: { org?: string; reenrollment?: 'every_time' | 'once_per_entity' } = {}): PublishedWorkflow => ({
  v: 1,
  workflowId: uuid(),
  organizationId: o.org ?? ORG,
  name: 'wf',
  version: 2,
  versionId: uuid(),
  triggerType: trigger.type,
  definition: {
    schemaVersion: 1,
    nodes: [
      { id: 'trigger', type: 'trigger', trigger },
      { id: 'sms', type: 'send_sms', config: { to: '{{ client.phone }}', body: 'hi' } },
    ],
    edges: [{ id: 'e1', source: 'trigger', target: 'sms', branch: 'next' }],
    settings: { reenrollment: o.reenrollment ?? 'every_time' },
  },
  updatedAt: now.toISOString(),
});

const event = (o: Partial<DomainEvent> = {}): DomainEvent => ({
  v: 1,
  eventId: uuid(),
  type: 'job_status_changed',
  organizationId: ORG,
  entityType: 'job',
  entityId: JOB,
  before: { status: 'in_progress', total: '80.00' },
  after: { status: 'completed', total: '120.50' },
  occurredAt: '2026-11-27T04:01:05.291Z',
  emittedAt: '2026-11-27T04:01:05.400Z',
  workflowId: null,
  causation: null,
  data: { from: 'in_progress', to: 'completed' },
  source: { kind: 'cdc', table: 'jobs', lsn: '1', txId: '2' },
  ...o,
});

/** a workflow as the follower indexes it: its record on the topic, read */
const indexed = (w: PublishedWorkflow): IndexedWorkflow => {
  const r = readWorkflowRecord(w.workflowId, JSON.stringify(w));
  if (!r.ok) throw new Error(r.reason);
  return r.workflow;
};
const indexOf = (...ws: PublishedWorkflow[]): WorkflowIndex => {
  const idx = new WorkflowIndex();
  for (const w of ws) idx.upsert(indexed(w));
  return idx;
};
const starts = (idx: WorkflowIndex, ev: DomainEvent, maxDepth = 3) =>
  matchEvent(idx, ev, maxDepth, now).flatMap((m) => (m.kind === 'start' ? [m.command] : []));

describe('matchEvent', () => {
  it('starts every active workflow of the organization whose trigger and filter match, with a deterministic execution id', () => {
    const plain = wf({ type: 'job_status_changed' });
    const toCompleted = wf({ type: 'job_status_changed', filter: { field: 'status', op: 'changed', from: 'in_progress', to: 'completed' } });
    const big = wf({ type: 'job_status_changed', filter: { field: 'after.total', op: 'gt', value: 500 } });
    const otherType = wf({ type: 'job_created' });
    const otherOrg = wf({ type: 'job_status_changed' }, { org: OTHER_ORG });
    const idx = indexOf(plain, toCompleted, big, otherType, otherOrg);
    const ev = event();
    const cmds = starts(idx, ev);
    expect(cmds.map((c) => c.workflowId).sort()).toEqual([plain.workflowId, toCompleted.workflowId].sort());
    for (const c of cmds) {
      const w = c.workflowId === plain.workflowId ? plain : toCompleted;
      expect(Command.safeParse(c).success).toBe(true);
      expect(c).toMatchObject({
        kind: 'start',
        organizationId: ORG,
        versionId: w.versionId,
        version: 2,
        triggeredAt: ev.occurredAt,
        issuedAt: now.toISOString(),
        event: ev,
      });
      expect(c.executionId).toBe(executionId(w.versionId, ev.eventId));
      // a stored, immutable version: the executor resolves it by id, the command does not carry it
      expect(c).not.toHaveProperty('definition');
    }
    // the same event again (a redelivery) gives the same ids
    expect(starts(idx, ev).map((c) => c.executionId)).toEqual(cmds.map((c) => c.executionId));
  });

  it('once per entity: the execution id depends on workflow and entity only, so the executor runs one', () => {
    const w = wf({ type: 'job_status_changed' }, { reenrollment: 'once_per_entity' });
    const idx = indexOf(w);
    const [a] = starts(idx, event());
    const [b] = starts(idx, event());
    expect(a!.executionId).toBe(executionId(w.workflowId, `entity:${JOB}`));
    expect(b!.executionId).toBe(a!.executionId);
    // every time: two events, two executions
    const e = wf({ type: 'job_status_changed' });
    expect(new Set([...starts(indexOf(e), event()), ...starts(indexOf(e), event())].map((c) => c.executionId)).size).toBe(2);
  });

  it('events aimed at one workflow (clock, manual, webhook) start only that workflow, and only in its organization', () => {
    const a = wf({ type: 'manual' });
    const b = wf({ type: 'manual' });
    const idx = indexOf(a, b);
    const manual = (o: Partial<DomainEvent>) =>
      event({ type: 'manual', entityType: 'none', entityId: null, before: null, after: null, source: { kind: 'manual' }, ...o });
    expect(starts(idx, manual({ workflowId: a.workflowId })).map((c) => c.workflowId)).toEqual([a.workflowId]);
    expect(starts(idx, manual({ workflowId: a.workflowId, organizationId: OTHER_ORG }))).toEqual([]);
    expect(starts(idx, manual({ workflowId: uuid() }))).toEqual([]);
    // a clock event for a workflow whose trigger changed since starts nothing
    expect(starts(idx, manual({ workflowId: a.workflowId, type: 'scheduled' }))).toEqual([]);
    // and the matcher says why
    expect(matchEvent(idx, manual({ workflowId: a.workflowId, type: 'scheduled' }), 3, now)).toEqual([
      { kind: 'skipped', reason: 'workflow_not_indexed', detail: `workflow ${a.workflowId} now starts on manual` },
    ]);
  });

  it('events caused by automations at the depth limit are skipped, with the reason', () => {
    const idx = indexOf(wf({ type: 'job_status_changed' }));
    expect(starts(idx, event({ causation: { executionId: 'e', depth: 2 } }))).toHaveLength(1);
    const out = matchEvent(idx, event({ causation: { executionId: 'e9', depth: 3 } }), 3, now);
    expect(out).toEqual([{ kind: 'skipped', reason: 'loop_depth', detail: 'caused by execution e9 at depth 3 (limit 3)' }]);
  });

  it('no candidates, no starts', () => {
    expect(matchEvent(new WorkflowIndex(), event(), 3, now)).toEqual([]);
  });

  it('the index holds no definition, and starts what decideStart starts on the full workflow (its command without the definition)', () => {
    const ws = [
      wf({ type: 'job_status_changed' }),
      wf({ type: 'job_status_changed' }, { reenrollment: 'once_per_entity' }),
      wf({
        type: 'job_status_changed',
        filter: { any: [{ field: 'data.to', op: 'eq', value: 'completed' }, { not: { field: 'after.total', op: 'is_empty' } }] },
      }),
      wf({ type: 'job_status_changed', filter: { field: 'after.total', op: 'gt', value: 500 } }),
      wf({ type: 'job_status_changed' }, { org: OTHER_ORG }),
      wf({ type: 'job_created' }),
    ];
    const idx = indexOf(...ws);
    for (const w of idx.all()) expect(w).not.toHaveProperty('definition');
    for (const ev of [event(), event({ organizationId: OTHER_ORG }), event({ type: 'job_created', before: null }), event({ after: { status: 'completed' } })]) {
      const expected = ws.flatMap((w) => {
        const d = decideStart(w, ev, { maxDepth: 3, now });
        return d.kind === 'start' ? [withoutDefinition(d.command)] : [];
      });
      expect(starts(idx, ev)).toEqual(expected);
      // never a workflow of another organization
      for (const c of starts(idx, ev)) expect(c.organizationId).toBe(ev.organizationId);
    }
  });
});

describe('SMS keywords', () => {
  const sms = (keyword: 'stop' | null) =>
    event({
      type: 'sms_received',
      entityType: 'client',
      entityId: 'c1',
      before: null,
      after: null,
      workflowId: keyword ? keywordRepliesWorkflowId(ORG) : null,
      data: {
        from: '+15557770001',
        to: '+15550100000',
        text: keyword ? 'STOP' : 'thanks',
        messageId: 'm1',
        keyword,
        reply: keyword ? 'You are unsubscribed.' : null,
      },
    });

  it("start the organization's built-in reply and none of its own sms_received workflows", () => {
    const index = new WorkflowIndex();
    const own = wf({ type: 'sms_received' });
    index.upsert(indexed(own));
    const out = matchEvent(index, sms('stop'), 3, now);
    expect(out).toHaveLength(1);
    const cmd = (out[0] as { command: Command & { kind: 'start' } }).command;
    expect(cmd.workflowId).toBe(keywordRepliesWorkflowId(ORG));
    expect(cmd.definition!.nodes[1]).toMatchObject({ type: 'send_sms', config: { to: '{{ trigger.from }}', body: '{{ trigger.reply }}' } });
    // any other text goes to the organization's workflows
    expect(matchEvent(index, sms(null), 3, now).map((o) => (o as { command: Command }).command.workflowId)).toEqual([own.workflowId]);
  });

  it('a keyword event of another organization does not name its reply workflow: nothing starts', () => {
    const ev = { ...sms('stop'), organizationId: OTHER_ORG };
    expect(matchEvent(new WorkflowIndex(), ev, 3, now)).toEqual([expect.objectContaining({ kind: 'skipped', reason: 'workflow_not_indexed' })]);
  });
});
