import type { KafkaMessage } from 'kafkajs';
import type { PublishedWorkflow } from '@fixlify/contracts';
import type { Logger } from '@fixlify/kafka';
import { applyWorkflowBatch, applyWorkflowRecord } from './load-workflows';
import { WorkflowIndex } from './workflow-index';

const ORG = '69a4b6ca-844a-4ff0-aea2-faa4983a6d9c';
const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const published = (n: number, o: Partial<PublishedWorkflow> = {}): PublishedWorkflow => ({
  v: 1,
  workflowId: id(n),
  organizationId: ORG,
  name: `wf ${n}`,
  version: 1,
  versionId: id(1_000_000 + n),
  triggerType: 'job_created',
  definition: {
    schemaVersion: 1,
    nodes: [
      { id: 'trigger', type: 'trigger', trigger: { type: 'job_created' } },
      { id: 'sms', type: 'send_sms', config: { to: '{{ client.phone }}', body: 'hi' } },
    ],
    edges: [{ id: 'e1', source: 'trigger', target: 'sms', branch: 'next' }],
    settings: { reenrollment: 'every_time' },
  },
  updatedAt: '2026-11-27T04:01:05.291Z',
  ...o,
});

let offset = 0;
const message = (key: string | null, value: unknown): KafkaMessage => ({
  key: key === null ? null : Buffer.from(key),
  value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  offset: String(offset++),
  timestamp: '0',
  attributes: 0,
  headers: {},
});
const record = (n: number, o: Partial<PublishedWorkflow> = {}): KafkaMessage => message(id(n), published(n, o));

/** holds the thread until a timer of `ms` set now is due */
const busy = (ms: number): void => {
  const until = performance.now() + ms + 1;
  while (performance.now() < until);
};

const logger = () => {
  const warn = jest.fn();
  return { log: { warn, info: jest.fn(), error: jest.fn(), debug: jest.fn() } as unknown as Logger, warn };
};

describe('applyWorkflowRecord', () => {
  it('upserts a readable record, removes on a tombstone, ignores a keyless one', () => {
    const index = new WorkflowIndex();
    const { log, warn } = logger();
    applyWorkflowRecord(index, log, 0, record(1));
    applyWorkflowRecord(index, log, 0, record(2, { version: 2 }));
    expect(index.get(id(2))).toMatchObject({ version: 2, organizationId: ORG, trigger: { type: 'job_created' } });
    applyWorkflowRecord(index, log, 0, message(id(1), null));
    applyWorkflowRecord(index, log, 0, message(null, published(3)));
    expect([...index.all()].map((w) => w.workflowId)).toEqual([id(2)]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('withdraws a workflow whose new record is unreadable, and says which, where and why', () => {
    const index = new WorkflowIndex();
    const { log, warn } = logger();
    applyWorkflowRecord(index, log, 3, record(1));
    const bad = message(id(1), { ...published(1), organizationId: 'someone-else' });
    applyWorkflowRecord(index, log, 3, bad);
    expect(index.get(id(1))).toBeUndefined();
    expect(warn).toHaveBeenCalledWith(
      { workflowId: id(1), partition: 3, offset: bad.offset, reason: expect.stringMatching(/^organizationId: /) },
      'unreadable workflow on the workflows topic; withdrawn from matching',
    );
    applyWorkflowRecord(index, log, 3, record(2));
    applyWorkflowRecord(index, log, 3, message(id(2), '{"v":'));
    expect(index.size).toBe(0);
    expect(warn).toHaveBeenLastCalledWith(expect.objectContaining({ workflowId: id(2), reason: 'not JSON' }), expect.any(String));
  });
});

describe('applyWorkflowBatch', () => {
  it('applies a batch in order, in slices of sliceMs, giving the event loop a turn after each', async () => {
    const index = new WorkflowIndex();
    const { log } = logger();
    const batch = Array.from({ length: 100 }, (_, n) => record(n));
    // a clock that moves 1 ms each time it is read: a slice holds ~10 records
    let t = 0;
    const sliceEnds: string[] = [];
    let seenBySetImmediate = -1;
    let seenByTimer = -1;
    setImmediate(() => (seenBySetImmediate = index.size));
    setTimeout(() => (seenByTimer = index.size), 1);
    busy(1);
    const applied = await applyWorkflowBatch(index, log, 0, batch, {
      sliceMs: 10,
      now: () => t++,
      sliceDone: async (last) => {
        sliceEnds.push(last.offset);
      },
    });
    expect(applied).toBe(100);
    expect(index.size).toBe(100);
    // other callbacks ran while the batch was applied, not after it
    expect(seenBySetImmediate).toBeGreaterThan(0);
    expect(seenBySetImmediate).toBeLessThan(100);
    expect(seenByTimer).toBeGreaterThan(0);
    expect(seenByTimer).toBeLessThan(100);
    // offsets resolved slice by slice, the last one at the end
    expect(sliceEnds.length).toBeGreaterThanOrEqual(9);
    expect(sliceEnds.at(-1)).toBe(batch.at(-1)!.offset);
    expect(sliceEnds.map(Number)).toEqual([...sliceEnds.map(Number)].sort((a, b) => a - b));
  });

  it('with the real clock too: a timer due while a batch is applied runs before the batch is done', async () => {
    const index = new WorkflowIndex();
    const { log } = logger();
    const batch = Array.from({ length: 300 }, (_, n) => record(n));
    let during = -1;
    setTimeout(() => (during = index.size), 1);
    busy(1);
    await applyWorkflowBatch(index, log, 0, batch, { sliceMs: 0 });
    expect(during).toBeGreaterThan(0);
    expect(during).toBeLessThan(300);
  });

  it('stops between records once told to, resolving only what it applied', async () => {
    const index = new WorkflowIndex();
    const { log } = logger();
    const batch = Array.from({ length: 10 }, (_, n) => record(n));
    let budget = 4;
    const ends: string[] = [];
    const applied = await applyWorkflowBatch(index, log, 0, batch, {
      go: () => budget-- > 0,
      sliceDone: async (last) => {
        ends.push(last.offset);
      },
    });
    expect(applied).toBe(4);
    expect(index.size).toBe(4);
    expect(ends).toEqual([batch[3]!.offset]);
  });
});
