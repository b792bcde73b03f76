import { Counter, Histogram, Registry } from 'prom-client';
import { parsePrometheusText, sampleSum, recordBatchDone, registry } from './observability';

describe('parsePrometheusText', () => {
  it('parses what prom-client writes, histograms and escaped labels included', async () => {
    const r = new Registry();
    const c = new Counter({ name: 'x_total', help: 'a counter', labelNames: ['topic'], registers: [r] });
    const h = new Histogram({ name: 'lat_seconds', help: 'latency', labelNames: ['k'], buckets: [0.1, 1], registers: [r] });
    c.inc({ topic: 'a "quoted" \\ topic\nnext' }, 3);
    c.inc({ topic: 'b' });
    h.observe({ k: 'v' }, 0.5);
    const x = parsePrometheusText(await r.metrics());
    expect(x.families.get('x_total')).toEqual({ name: 'x_total', type: 'counter', help: 'a counter' });
    expect(sampleSum(x, 'x_total', { topic: 'a "quoted" \\ topic\nnext' })).toBe(3);
    expect(sampleSum(x, 'x_total')).toBe(4);
    expect(sampleSum(x, 'lat_seconds_bucket', { le: '+Inf' })).toBe(1);
    expect(sampleSum(x, 'lat_seconds_bucket', { le: '0.1' })).toBe(0);
    expect(sampleSum(x, 'lat_seconds_count')).toBe(1);
  });

  it('rejects malformed lines with their line number', () => {
    const ok = '# HELP a help\n# TYPE a gauge\n';
    expect(() => parsePrometheusText(`${ok}a 1\n`)).not.toThrow();
    expect(() => parsePrometheusText(`${ok}a{} 1 1700000000000\n`)).not.toThrow();
    for (const bad of [
      `${ok}a\n`, // no value
      `${ok}a one\n`, // not a number
      `${ok}a{b=1} 1\n`, // unquoted label
      `${ok}a{b="1",b="2"} 1\n`, // duplicate label
      `${ok}a{b="1} 1\n`, // unterminated
      `${ok}a{1b="x"} 1\n`, // bad label name
      `${ok}b 1\n`, // undeclared family
      `${ok}a 1 2 3\n`, // too many fields
      `${ok}a 1`, // no final newline
      '# TYPE a wibble\n',
      `${ok}a 1\n# TYPE a counter\n`,
    ])
      expect(() => parsePrometheusText(bad)).toThrow(/line \d+|newline/);
  });
});

describe('recordBatchDone', () => {
  it('records what every consumer reports after a commit: processed, lag, ages, organization lag, commit time', async () => {
    const now = 1_800_000_000_000;
    const batch = {
      topic: 'obs-test-topic',
      partition: 3,
      messages: [{ timestamp: String(now - 2000) }, { timestamp: String(now - 500) }],
      offsetLag: () => '7',
    };
    recordBatchDone('obs-test', batch, new Map([['org-obs', now - 500]]), now);
    const text = await registry.metrics();
    expect(text).toContain('fixlify_messages_processed_total{consumer="obs-test",topic="obs-test-topic"} 2');
    expect(text).toContain('fixlify_consumer_lag{consumer="obs-test",topic="obs-test-topic",partition="3"} 7');
    expect(text).toContain('fixlify_message_age_seconds_count{consumer="obs-test",topic="obs-test-topic"} 2');
    expect(text).toContain('fixlify_organization_lag_seconds{consumer="obs-test",organization="org-obs"} 0.5');
    expect(text).toContain(`fixlify_consumer_last_commit_timestamp_seconds{consumer="obs-test"} ${now / 1000}`);
  });
});
