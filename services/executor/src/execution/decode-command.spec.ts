import type { KafkaMessage } from 'kafkajs';
import { Command } from '@fixlify/contracts';
import { createCommandDecoder } from './decode-command';

const at = '2026-03-10T15:00:00.000Z';
const ids = {
  executionId: '44444444-4444-4444-8444-444444444444',
  organizationId: '11111111-1111-4111-8111-111111111111',
  workflowId: '22222222-2222-4222-8222-222222222222',
  versionId: '33333333-3333-4333-8333-333333333333',
};
const definition = {
  nodes: [
    { id: 't', type: 'trigger', trigger: { type: 'manual' } },
    { id: 'hook', type: 'webhook', config: { url: 'https://example.com' } },
  ],
  edges: [{ id: 'e', source: 't', target: 'hook' }],
};
const start = (def: unknown = definition) => ({
  v: 1,
  kind: 'start',
  ...ids,
  version: 1,
  issuedAt: at,
  definition: def,
  event: {
    v: 1,
    eventId: '55555555-5555-4555-8555-555555555555',
    type: 'manual',
    organizationId: ids.organizationId,
    entityType: 'none',
    entityId: null,
    before: null,
    after: null,
    occurredAt: at,
    emittedAt: at,
    data: { n: 1 },
    source: { kind: 'manual' },
  },
  triggeredAt: at,
});
const msg = (v: unknown): KafkaMessage => ({
  key: null,
  value: Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)),
  timestamp: '0',
  attributes: 0,
  offset: '0',
  headers: {},
});

describe('createCommandDecoder', () => {
  it('decodes exactly what the contract schema parses', () => {
    const d = createCommandDecoder();
    const r = d(msg(start()));
    expect(r).toEqual({ ok: true, value: Command.parse(start()) });
  });

  it('validates a version’s definition once and shares the parsed object', () => {
    const d = createCommandDecoder();
    const a = d(msg(start()));
    const b = d(msg({ ...start(), executionId: '66666666-6666-4666-8666-666666666666' }));
    expect(a.ok === true && b.ok === true && a.value.kind === 'start' && b.value.kind === 'start' && a.value.definition === b.value.definition).toBe(true);
  });

  it('revalidates when the definition does not look like the cached one', () => {
    const d = createCommandDecoder();
    d(msg(start()));
    const r = d(msg(start({ nodes: [{ id: 't', type: 'trigger', trigger: { type: 'manual' } }], edges: 'nope' })));
    expect(r.ok).toBe(false);
    expect(r.ok === false && r.reason).toMatch(/^schema: definition\.edges/);
  });

  it('reports bad JSON, bad shapes and bad definitions with the reason', () => {
    const d = createCommandDecoder();
    expect(d(msg('{nope'))).toMatchObject({ ok: false, reason: expect.stringMatching(/^not JSON/) });
    expect(d(msg([1]))).toMatchObject({ ok: false, reason: expect.stringMatching(/^schema: /) });
    expect(d(msg({ ...start(), executionId: 'x' }))).toMatchObject({ ok: false, reason: expect.stringMatching(/executionId/) });
    expect(d(msg(start({ nodes: [], edges: [] })))).toMatchObject({ ok: false, reason: expect.stringMatching(/definition\.nodes/) });
  });

  it('decodes a cancel (no definition)', () => {
    const cancel = { v: 1, kind: 'cancel', ...ids, version: 1, issuedAt: at, commandId: 'c1', reason: 'user' };
    expect(createCommandDecoder()(msg(cancel))).toEqual({ ok: true, value: Command.parse(cancel) });
  });

  it('skips a tombstone', () => {
    expect(createCommandDecoder()({ ...msg({}), value: null })).toEqual({ ok: 'skip' });
  });
});
