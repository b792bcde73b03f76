import type { KafkaMessage } from 'kafkajs';
import type { Pool } from 'pg';
import { withoutDefinition, type Command } from '@fixlify/contracts';
import type { Logger, PipelineItem } from '@fixlify/kafka';
import { createCommandDecoder } from './decode-command';
import { DefinitionCache, createDefinitionStore } from './definitions';

const at = '2026-03-10T15:00:00.000Z';
const ORG = '11111111-1111-4111-8111-111111111111';
const OTHER = '99999999-9999-4999-8999-999999999999';
const VERSION = '33333333-3333-4333-8333-333333333333';
const definition = {
  schemaVersion: 1,
  nodes: [
    { id: 't', type: 'trigger', trigger: { type: 'manual' } },
    { id: 'hook', type: 'webhook', config: { url: 'https://example.com' } },
  ],
  edges: [{ id: 'e', source: 't', target: 'hook' }],
};
const start = (over: Record<string, unknown> = {}) => ({
  v: 1,
  kind: 'start',
  executionId: '44444444-4444-4444-8444-444444444444',
  organizationId: ORG,
  workflowId: '22222222-2222-4222-8222-222222222222',
  versionId: VERSION,
  version: 1,
  issuedAt: at,
  event: {
    v: 1,
    eventId: '55555555-5555-4555-8555-555555555555',
    type: 'manual',
    organizationId: ORG,
    entityType: 'none',
    entityId: null,
    before: null,
    after: null,
    occurredAt: at,
    emittedAt: at,
    data: {},
    source: { kind: 'manual' },
  },
  triggeredAt: at,
  ...over,
});
const msg = (v: unknown): KafkaMessage => ({ key: null, value: Buffer.from(JSON.stringify(v)), timestamp: '0', attributes: 0, offset: '0', headers: {} });
const item = (value: Command, offset = '0'): PipelineItem<Command> => ({ topic: 't', partition: 0, offset, key: null, value, headers: {}, timestamp: 0 });
const quiet = { warn: jest.fn(), error: jest.fn() } as unknown as Logger;

/** A pool that answers the versions query from a table of stored versions, counting the queries. */
const versionsPool = (rows: { id: string; organization_id: string; definition: unknown }[]) => {
  const calls: unknown[][] = [];
  const pool = {
    query: jest.fn(async (_sql: string, params: unknown[]) => {
      calls.push(params);
      const ids = params[0] as string[];
      return { rows: rows.filter((r) => ids.includes(r.id)) };
    }),
  } as unknown as Pool;
  return { pool, calls };
};

describe('workflow definitions by version id', () => {
  it('a command travels without its definition; the store fills it with one query per batch, then from the cache', async () => {
    const cache = new DefinitionCache();
    const decode = createCommandDecoder(cache);
    const { pool, calls } = versionsPool([{ id: VERSION, organization_id: ORG, definition }]);
    const store = createDefinitionStore(pool, cache, quiet);
    const bare = decode(msg(start()));
    if (bare.ok !== true) throw new Error('expected a command');
    expect('definition' in bare.value && bare.value.definition).toBeFalsy();
    const first = await store.resolve([item(bare.value, '1'), item(bare.value, '2')]);
    expect(first.unresolved).toBe(0);
    expect(first.items.map((i) => i.value.kind !== 'cancel' && i.value.definition.nodes.length)).toEqual([2, 2]);
    expect(calls).toHaveLength(1);
    // the next batch of that version is filled from the cache: no query
    const next = decode(msg(start()));
    if (next.ok !== true) throw new Error('expected a command');
    const second = await store.resolve([item(next.value)]);
    expect(second.items.map((i) => i.value.kind !== 'cancel' && i.value.definition.nodes.length)).toEqual([2]);
    expect(calls).toHaveLength(1);
  });

  it('drops a command whose version belongs to another organization, or does not exist', async () => {
    const cache = new DefinitionCache();
    const { pool } = versionsPool([{ id: VERSION, organization_id: OTHER, definition }]);
    const store = createDefinitionStore(pool, cache, quiet);
    const decoded = createCommandDecoder(cache)(msg(start()));
    const missing = createCommandDecoder(cache)(msg(start({ versionId: '66666666-6666-4666-8666-666666666666' })));
    if (decoded.ok !== true || missing.ok !== true) throw new Error('expected commands');
    const r = await store.resolve([item(decoded.value), item(missing.value)]);
    expect(r.items).toEqual([]);
    expect(r.unresolved).toBe(2);
    // and once cached, the other organization's definition is still refused to this one
    const again = createCommandDecoder(cache)(msg(start()));
    if (again.ok !== true) throw new Error('expected a command');
    expect(await store.resolve([item(again.value)])).toEqual({ items: [], unresolved: 1 });
  });

  it('parks a stored version without its definition, and keeps that of a draft test run (no stored version)', async () => {
    const cache = new DefinitionCache();
    const { pool } = versionsPool([{ id: VERSION, organization_id: ORG, definition }]);
    const store = createDefinitionStore(pool, cache, quiet);
    const decoded = createCommandDecoder(cache)(msg(start()));
    if (decoded.ok !== true) throw new Error('expected a command');
    const [resolved] = (await store.resolve([item(decoded.value)])).items;
    expect(store.compact(resolved!.value)).toEqual(withoutDefinition(resolved!.value));
    expect('definition' in store.compact(resolved!.value)).toBe(false);
    const draft = createCommandDecoder(cache)(msg(start({ versionId: '77777777-7777-4777-8777-777777777777', definition })));
    if (draft.ok !== true) throw new Error('expected a command');
    const [kept] = (await store.resolve([item(draft.value)])).items;
    expect(store.compact(kept!.value)).toHaveProperty('definition');
  });

  it('resolves every command of a batch when the cache holds fewer versions than are in use (its rows, or another batch meanwhile, evict entries)', async () => {
    const v = (n: number) => `${n}${n}${n}${n}${n}${n}${n}${n}-0000-4000-8000-00000000000${n}`;
    const cache = new DefinitionCache(2);
    const rows = [1, 2, 3, 4, 5].map((n) => ({ id: v(n), organization_id: ORG, definition }));
    const decode = createCommandDecoder(cache);
    const cmd = (n: number): Command => {
      const d = decode(msg(start({ versionId: v(n) })));
      if (d.ok !== true) throw new Error('expected a command');
      return d.value;
    };
    let store = createDefinitionStore(versionsPool(rows).pool, cache, quiet);
    // three versions missing from a cache of two: the query's own rows evict the first one it read
    const one = await store.resolve([item(cmd(1), '1'), item(cmd(2), '2'), item(cmd(3), '3')]);
    expect(one.unresolved).toBe(0);
    expect(one.items).toHaveLength(3);
    // a hit (version 3) and a miss (version 1): another batch's rows (4, 5) evict the hit during the query
    let other: Promise<unknown> = Promise.resolve();
    const racing = {
      query: jest.fn(async (_sql: string, params: unknown[]) => {
        const ids = params[0] as string[];
        if (ids.includes(v(1))) await (other = createDefinitionStore(versionsPool(rows).pool, cache, quiet).resolve([item(cmd(4)), item(cmd(5))]));
        return { rows: rows.filter((r) => ids.includes(r.id)) };
      }),
    } as unknown as Pool;
    store = createDefinitionStore(racing, cache, quiet);
    const two = await store.resolve([item(cmd(3), '4'), item(cmd(1), '5')]);
    await other;
    expect(cache.get(v(3))).toBeUndefined();
    expect(two.unresolved).toBe(0);
    expect(two.items.map((i) => i.value.kind !== 'cancel' && i.value.versionId)).toEqual([v(3), v(1)]);
  });

  it('a cache holds the most recently used versions', () => {
    const cache = new DefinitionCache(2);
    const e = { def: definition as never, nodes: 2, edges: 1, organizationId: ORG, stored: true };
    cache.set('a', e);
    cache.set('b', e);
    cache.get('a');
    cache.set('c', e);
    expect([cache.get('a'), cache.get('b'), cache.get('c')].map(Boolean)).toEqual([true, false, true]);
  });
});
