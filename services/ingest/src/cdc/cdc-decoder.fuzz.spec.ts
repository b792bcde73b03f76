import fc from 'fast-check';
import type { KafkaMessage } from 'kafkajs';
import { BUSINESS_TABLES, DebeziumChangeEvent, DomainEvent, type BusinessTable } from '@fixlify/contracts';
import { jsonDecoder } from '@fixlify/kafka';
import { publicationOf } from '../workflows/publish-workflow';
import { UnmappableChange, mapChange } from './map-change';

/**
 * The CDC path as the ingest pipeline runs it: decode (zod) → mapChange. Whatever arrives, the
 * outcome is a decode failure (dead letter), an UnmappableChange (dead letter with that reason) or
 * domain events that pass their own schema (so the matcher never dead-letters what ingest made).
 */
const decode = jsonDecoder(DebeziumChangeEvent);
const now = new Date('2026-11-27T04:01:05.400Z');
const message = (text: string): KafkaMessage => ({ key: null, value: Buffer.from(text, 'utf8'), timestamp: '0', attributes: 0, offset: '0', headers: {} });

type Outcome = 'dead_letter' | 'unmappable' | 'events';

const run = (table: BusinessTable, text: string): Outcome => {
  const d = decode(message(text));
  if (d.ok === 'skip') return 'dead_letter';
  if (d.ok === false) {
    expect(d.reason).toMatch(/^(not JSON|schema): /);
    return 'dead_letter';
  }
  let events: DomainEvent[];
  try {
    events = mapChange(table, d.value, now);
  } catch (e) {
    expect(e).toBeInstanceOf(UnmappableChange);
    return 'unmappable';
  }
  for (const ev of events) {
    // what goes on the topic is JSON: check the round trip, as the matcher will read it
    const r = DomainEvent.safeParse(JSON.parse(JSON.stringify(ev)));
    if (!r.success) throw new Error(`ingest made an event its consumers refuse: ${r.error.message}`);
  }
  // the workflow publication path reads the same decoded shape and must not throw either
  publicationOf(d.value);
  return 'events';
};

const table = fc.constantFrom(...BUSINESS_TABLES);
const uuid = fc.uuid();
const columnValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  uuid,
  fc.constantFrom('draft', 'sent', 'paid', 'partially_paid', 'scheduled', 'completed', 'accepted', 'declined', 'cancelled'),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.constant('__proto__'),
);
const COLUMNS = [
  'id',
  'organization_id',
  'status',
  'title',
  'total',
  'due_date',
  'valid_until',
  'quiet_hours_start',
  'definition',
  'settings',
  'automation_execution_id',
  'automation_depth',
  'updated_at',
  '__proto__',
  'constructor',
];
const rowArb = fc.option(fc.dictionary(fc.oneof(fc.constantFrom(...COLUMNS), fc.string({ maxLength: 8 })), columnValue, { maxKeys: 10 }), { nil: null });
const sourceArb = fc.record(
  {
    ts_ms: fc.oneof(fc.integer({ min: 0, max: 2e12 }), fc.double(), fc.constant(9e15), fc.constant(-1), fc.string({ maxLength: 4 })),
    lsn: fc.option(fc.oneof(fc.integer({ min: 0 }), fc.string({ maxLength: 12 }), fc.double()), { nil: null }),
    txId: fc.option(fc.oneof(fc.integer({ min: 0 }), fc.string({ maxLength: 6 })), { nil: null }),
    table: fc.oneof(fc.constantFrom(...BUSINESS_TABLES), fc.integer()),
    snapshot: fc.oneof(fc.constantFrom('true', 'false', 'last'), fc.boolean(), fc.constant(null)),
  },
  { requiredKeys: [] },
);
/** Close to a real Debezium event, so the generator reaches mapChange and not only the schema. */
const changeArb = fc.record(
  {
    before: rowArb,
    after: rowArb,
    source: sourceArb,
    op: fc.constantFrom('c', 'u', 'd', 'r', 't', 'm', 'x', 1),
    ts_ms: fc.option(fc.integer(), { nil: null }),
  },
  { requiredKeys: ['source', 'op'] },
);
/** A valid business row with one field broken at a time. */
const nearValid = fc
  .record({
    org: fc.oneof(uuid, fc.constant('acme'), fc.constant(null), fc.integer()),
    id: fc.oneof(uuid, fc.constant(''), fc.string({ minLength: 190, maxLength: 220 }), fc.integer()),
    op: fc.constantFrom('c', 'u'),
    status: fc.constantFrom('draft', 'sent', 'paid', 'scheduled', 'completed', 'accepted', 'declined'),
    prev: fc.constantFrom('draft', 'sent', 'scheduled', 'in_progress'),
    stamp: fc.option(fc.string({ maxLength: 300 }), { nil: null }),
    depth: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 3 })),
    ts: fc.oneof(fc.integer({ min: 0, max: 253_402_300_799_999 }), fc.integer({ min: 253_402_300_800_000, max: Number.MAX_SAFE_INTEGER })),
    lsn: fc.oneof(fc.integer({ min: 1 }), fc.constant(null)),
  })
  .map((r) => {
    const after = { id: r.id, organization_id: r.org, status: r.status, automation_execution_id: r.stamp, automation_depth: r.depth, due_date: 19_000 };
    return {
      before: r.op === 'u' ? { ...after, status: r.prev, automation_execution_id: null } : null,
      after,
      op: r.op,
      source: { ts_ms: r.ts, lsn: r.lsn, txId: 7, table: 'x' },
    };
  });

describe('CDC decoder fuzz: bad input is a dead letter or a clear error, never a crash', () => {
  it('arbitrary text', () => {
    fc.assert(
      fc.property(table, fc.string({ maxLength: 300 }), (t, s) => void run(t, s)),
      { numRuns: 500 },
    );
  });

  it('arbitrary JSON values', () => {
    fc.assert(
      fc.property(table, fc.jsonValue({ maxDepth: 4 }), (t, v) => void run(t, JSON.stringify(v))),
      { numRuns: 500 },
    );
  });

  it('deeply nested JSON', () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    expect(run('jobs', deep)).toBe('dead_letter');
    expect(run('jobs', `{"before":null,"after":{"x":${'['.repeat(5000)}${']'.repeat(5000)}},"op":"c","source":{"ts_ms":1,"table":"jobs","lsn":1}}`)).not.toBe(
      'events',
    );
  });

  it('shapes close to Debezium change events', () => {
    const seen = new Set<Outcome>();
    fc.assert(
      fc.property(table, changeArb, (t, c) => {
        seen.add(run(t, JSON.stringify(c)));
      }),
      { numRuns: 2000 },
    );
    expect(seen.has('dead_letter')).toBe(true);
  });

  it('valid business rows with one field broken', () => {
    const seen = new Set<Outcome>();
    fc.assert(
      fc.property(fc.constantFrom<BusinessTable>('jobs', 'invoices', 'estimates', 'clients'), nearValid, (t, c) => {
        seen.add(run(t, JSON.stringify(c)));
      }),
      { numRuns: 2000 },
    );
    // the generator reaches every outcome, so the property is not vacuous
    expect([...seen].sort()).toEqual(['events', 'unmappable']);
  });
});
