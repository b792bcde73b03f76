import type { KafkaMessage } from 'kafkajs';
import { observeBatch } from './consumer-observability';
import { parsePrometheusText, registry, sampleSum } from './observability';
import { formatTraceparent } from './trace';

const ORG = '11111111-1111-4111-8111-111111111111';
const message = (offset: string, timestamp: number): KafkaMessage => ({
  offset,
  timestamp: String(timestamp),
  key: null,
  value: null,
  attributes: 0,
  headers: {},
});
const batch = (topic: string, messages: KafkaMessage[]) => ({ topic, partition: 2, messages, offsetLag: () => '0' });
// only the consumer families: the process's default metrics can hold a NaN that parsePrometheusText refuses
const FAMILIES = ['fixlify_messages_processed_total', 'fixlify_messages_failed_total', 'fixlify_batch_duration_seconds', 'fixlify_organization_lag_seconds'];
const metrics = async () => parsePrometheusText((await Promise.all(FAMILIES.map((f) => registry.getSingleMetricAsString(f)))).map((t) => `${t}\n`).join(''));

describe('observeBatch', () => {
  it('counts, times and reports a committed batch under the consumer and topic', async () => {
    const now = Date.now();
    const msgs = [message('1', now - 3000), message('2', now - 1000)];
    const obs = observeBatch({ consumer: 'co-test', batch: batch('co-topic', msgs), spanName: 'co-test process', spans: 'none' });
    obs.startTimer();
    expect(obs.consumed(msgs[0]!, { organizationId: ORG }, undefined)).toBeNull();
    obs.consumed(msgs[1]!, { organizationId: ORG }, undefined);
    obs.failed('invalid');
    obs.committed();
    const x = await metrics();
    expect(sampleSum(x, 'fixlify_messages_processed_total', { consumer: 'co-test', topic: 'co-topic' })).toBe(2);
    expect(sampleSum(x, 'fixlify_messages_failed_total', { consumer: 'co-test', topic: 'co-topic', reason: 'invalid' })).toBe(1);
    expect(sampleSum(x, 'fixlify_batch_duration_seconds_count', { consumer: 'co-test', topic: 'co-topic' })).toBe(1);
    // the organization's newest message is the one that counts
    const lag = sampleSum(x, 'fixlify_organization_lag_seconds', { consumer: 'co-test', organization: ORG });
    expect(lag).toBeGreaterThanOrEqual(1);
    expect(lag).toBeLessThan(3);
  });

  it('does not time a batch whose timer never started', async () => {
    const obs = observeBatch({ consumer: 'co-untimed', batch: batch('co-topic', [message('1', Date.now())]), spanName: 'x', spans: 'none' });
    obs.committed();
    expect(sampleSum(await metrics(), 'fixlify_batch_duration_seconds_count', { consumer: 'co-untimed' })).toBe(0);
  });

  it('gives each message a context: a child of its traceparent, else a root with the id asked for', () => {
    const obs = observeBatch({ consumer: 'co-ctx', batch: batch('co-topic', []), spanName: 'co-ctx process', spans: 'context' });
    const parent = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
    const child = obs.consumed(message('1', 0), {}, formatTraceparent(parent), () => 'ffffffffffffffffffffffffffffffff');
    expect(child?.context.traceId).toBe(parent.traceId);
    expect(child?.context.spanId).not.toBe(parent.spanId);
    const root = obs.consumed(message('2', 0), {}, undefined, () => '4bf92f3577b34da6a3ce929d0e0e4736');
    expect(root?.context.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    obs.endSpans();
  });
});
