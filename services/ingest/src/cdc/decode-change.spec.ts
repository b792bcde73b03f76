import type { KafkaMessage } from 'kafkajs';
import type { CapturedTable } from '@fixlify/contracts';
import { deadLetter, registry } from '@fixlify/kafka';
import { change, jobRow } from '../testing/debezium-fixture';
import { OVERSIZED_FAILURE, cdcDecoder, cdcOversizedRows } from './decode-change';

const message = (value: unknown, key: string | null = null): KafkaMessage => ({
  key: key === null ? null : Buffer.from(key),
  value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  timestamp: '0',
  attributes: 0,
  offset: '41',
  headers: {},
});

const tables: Record<string, CapturedTable> = { 'fixlify.public.jobs': 'jobs', 'fixlify.public.automation_workflows': 'automation_workflows' };
const decode = cdcDecoder((t) => tables[t]);
const KEY = '{"id":"36c290c5-a69f-4349-ae2e-3e87e586802d"}';

/** What io.fixlify.connect.OversizedToMarker writes (infra/local/maven/connect-smt, see its test). */
const marker = {
  op: 'oversized',
  originalOp: 'u',
  topic: 'fixlify.public.jobs',
  bytes: 6_291_712,
  limit: 1_048_576,
  ts_ms: 1_795_752_065_309,
  source: {
    version: '3.6.1.Final',
    connector: 'postgresql',
    name: 'fixlify',
    ts_ms: 1_795_752_065_291,
    db: 'fixlify',
    schema: 'public',
    table: 'jobs',
    txId: 734,
    lsn: 27_500_120,
    snapshot: 'false',
  },
  key: { id: '36c290c5-a69f-4349-ae2e-3e87e586802d' },
};

const oversizedCount = async (table: string): Promise<number> => (await cdcOversizedRows.get()).values.find((v) => v.labels.table === table)?.value ?? 0;

describe('cdcDecoder', () => {
  it('decodes a Debezium change event as before', () => {
    const c = change('jobs', 'c', null, jobRow());
    const d = decode(message(c), 'fixlify.public.jobs');
    expect(d).toEqual({ ok: true, value: c });
  });

  it('turns an oversized marker into a dead-letter reason naming the table, key, size and position, and counts it', async () => {
    const before = await oversizedCount('jobs');
    const m = message(marker, KEY);
    const d = decode(m, 'fixlify.public.jobs');
    expect(d.ok).toBe(false);
    if (d.ok !== false) throw new Error('unreachable');
    expect(d.failure).toBe(OVERSIZED_FAILURE);
    expect(d.reason).toBe(
      'oversized row: jobs {"id":"36c290c5-a69f-4349-ae2e-3e87e586802d"} was 6291712 bytes as a change event, over the CDC limit of 1048576 bytes ' +
        '(op u, lsn 27500120, txId 734, committed 2026-11-27T04:01:05.291Z); the change was not captured: shrink the row and save it again',
    );
    expect(await oversizedCount('jobs')).toBe(before + 1);
    // the pipeline's dead letter keeps the origin (topic, offset, key) and the marker itself
    const dl = JSON.parse(deadLetter({ topic: 'fixlify.public.jobs', partition: 2, message: m, consumer: 'ingest-cdc', reason: d.reason }).value!) as Record<
      string,
      unknown
    >;
    expect(dl).toMatchObject({ origin: { topic: 'fixlify.public.jobs', partition: 2, offset: '41', key: KEY }, consumer: 'ingest-cdc', reason: d.reason });
    expect(JSON.parse(dl.value as string)).toEqual(marker);
    expect(await registry.getSingleMetricAsString('fixlify_cdc_oversized_rows_total')).toContain('fixlify_cdc_oversized_rows_total{table="jobs"}');
  });

  it("names what it can of a marker that does not parse: the topic's table and the message key", async () => {
    const before = await oversizedCount('automation_workflows');
    const d = decode(message({ op: 'oversized', bytes: 'many' }, KEY), 'fixlify.public.automation_workflows');
    expect(d).toMatchObject({ ok: false, failure: OVERSIZED_FAILURE });
    expect(d.ok === false && d.reason).toMatch(
      /^oversized row: automation_workflows \{"id":"36c290c5-a69f-4349-ae2e-3e87e586802d"\} was too large as a change event;/,
    );
    expect(await oversizedCount('automation_workflows')).toBe(before + 1);
  });

  it('still refuses what is neither (not JSON, not a change) and skips tombstones', () => {
    expect(decode(message('{oops'), 'fixlify.public.jobs')).toMatchObject({ ok: false, reason: expect.stringMatching(/^not JSON: /) });
    const bad = decode(message({ op: 'x', source: {} }), 'fixlify.public.jobs');
    expect(bad).toMatchObject({ ok: false, reason: expect.stringMatching(/^schema: /) });
    expect(bad.ok === false && bad.failure).toBeUndefined();
    expect(decode(message(null), 'fixlify.public.jobs')).toEqual({ ok: 'skip' });
  });
});
