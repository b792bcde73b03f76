import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Kafka as CloudEventsKafka, type CloudEventV1, type KafkaMessage } from 'cloudevents';
import { CE_HEADERS, TOPIC_CATALOG, TOPICS, dataSchemaUri } from '@fixlify/contracts';
import {
  REPO_ROOT,
  allowLoopback,
  createActiveWorkflow,
  createOrganization,
  setWebhookSigningSecret,
  startService,
  startWebhookReceiver,
  testPool,
  waitFor,
  type ServiceProcess,
  type WebhookReceiver,
} from '@fixlify/testing';

/** One message as `kcat -J` prints it: headers are a flat [name, value, name, value, …] list. */
interface KcatMessage {
  topic: string;
  partition: number;
  offset: number;
  headers?: string[];
  key: string | null;
  payload: string | null;
}

const BROKER = (process.env.KAFKA_BROKERS ?? '127.0.0.1:29092').split(',')[0]!;

/** Reads a topic from a point in time to its end, committed messages only, with Debian's kcat (librdkafka). */
const kcat = (topic: string, sinceMs: number): KcatMessage[] => {
  const r = spawnSync('kcat', ['-C', '-b', BROKER, '-t', topic, '-o', `s@${sinceMs}`, '-e', '-q', '-J', '-X', 'isolation.level=read_committed'], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`kcat failed (${r.status}): ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as KcatMessage);
};

const headersOf = (m: KcatMessage): Record<string, string> => {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < (m.headers?.length ?? 0); i += 2) out[m.headers![i]!] = m.headers![i + 1]!;
  return out;
};

/**
 * The public topics read from outside this codebase: Debian's kcat (librdkafka, read_committed) reads
 * what the pipeline produced, every message is validated against the published JSON Schemas with
 * ajv (draft 2020-12, not zod), and the CloudEvents headers are checked and read by the CloudEvents SDK.
 */
describe('analytics consumers: the public topics from outside', () => {
  let pool: Pool;
  let receiver: WebhookReceiver;
  const services: ServiceProcess[] = [];
  let org = '';
  let since = 0;

  beforeAll(async () => {
    const have = spawnSync('kcat', ['-V'], { encoding: 'utf8' });
    if (have.error) throw new Error('kcat is missing: apt-get install -y kcat (.ci/run does)');
    pool = testPool();
    receiver = await startWebhookReceiver();
    since = Date.now() - 1000;
    for (const name of ['ingest', 'matcher', 'executor'] as const)
      services.push(await startService(name, { OUTBOUND_ALLOWED_HOSTS: allowLoopback(receiver) }, `analytics-${name}`));
    await Promise.all(services.map((s) => s.waitReady(120_000)));
    org = await createOrganization(pool, { name: 'Analytics Plumbing' });
    await setWebhookSigningSecret(pool, org, 'analytics-webhook-signing-secret-01');
    await createActiveWorkflow(
      pool,
      org,
      {
        nodes: [
          { id: 'trigger', type: 'trigger', trigger: { type: 'job_completed' } },
          { id: 'notify', type: 'webhook', config: { url: `${receiver.url}/hooks/analytics`, payload: '{"done":true}' } },
        ],
        edges: [{ id: 'e1', source: 'trigger', target: 'notify' }],
      },
      'Analytics: job done',
    );
    // the matcher indexes the workflow from its change; a job completed until one run arrives
    await waitFor(
      async () => {
        await pool.query(`INSERT INTO jobs (organization_id, title, status) VALUES ($1, 'Tune the furnace', 'completed')`, [org]);
        return waitFor(async () => receiver.received.some((r) => r.path === '/hooks/analytics'), 3000, 'a webhook', 200).catch(() => false);
      },
      120_000,
      'a job_completed to run the workflow',
      0,
    );
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await receiver?.close();
    await pool?.end();
  });

  it('every message of every public topic since the test began is valid under its published JSON Schema (ajv, draft 2020-12)', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const publics = TOPIC_CATALOG.filter((t) => t.audience === 'public');
    expect(publics.map((t) => t.topic).sort()).toEqual([TOPICS.events, TOPICS.stepResults, TOPICS.workflows].sort());
    for (const t of publics) {
      const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'libs', 'contracts', 'json-schema', `${t.topic}.schema.json`), 'utf8')) as { $id: string };
      expect(schema.$id).toBe(dataSchemaUri(t.topic));
      const validate = ajv.compile(schema);
      const messages = kcat(t.topic, since);
      expect(messages.length).toBeGreaterThan(0);
      const invalid: string[] = [];
      for (const m of messages) {
        if (m.payload === null) {
          // a tombstone: only the compacted workflows topic has them, keyed by the workflow
          if (t.topic !== TOPICS.workflows || !m.key) invalid.push(`${t.topic}@${m.partition}:${m.offset}: null value`);
          continue;
        }
        if (!validate(JSON.parse(m.payload))) invalid.push(`${t.topic}@${m.partition}:${m.offset}: ${ajv.errorsText(validate.errors)}`);
      }
      expect(invalid).toEqual([]);
    }
  });

  it('domain events and step results carry CloudEvents headers that match their bodies, and read as CloudEvents', () => {
    const ours = { events: 0, results: 0 };
    for (const topic of [TOPICS.events, TOPICS.stepResults]) {
      for (const m of kcat(topic, since)) {
        const h = headersOf(m);
        const body = JSON.parse(m.payload!) as Record<string, string>;
        for (const name of CE_HEADERS) expect([topic, m.offset, name, typeof h[name]]).toEqual([topic, m.offset, name, 'string']);
        expect(h.ce_specversion).toBe('1.0');
        expect(h.ce_dataschema).toBe(dataSchemaUri(topic));
        expect(h['content-type']).toBe('application/json');
        expect(h.ce_organizationid).toBe(body.organizationId);
        if (topic === TOPICS.events) {
          expect(h.ce_id).toBe(body.eventId);
          expect(h.ce_type).toBe(`com.fixlify.event.${body.type}`);
          expect(h.ce_time).toBe(body.occurredAt);
          if (body.organizationId === org) ours.events++;
        } else {
          expect(h.ce_id).toBe(body.resultId);
          expect(h.ce_type).toBe(`com.fixlify.step_result.${body.kind}`);
          expect(h.ce_subject).toBe(`executions/${body.executionId}`);
          if (body.organizationId === org) ours.results++;
        }
        const ce = CloudEventsKafka.toEvent({
          key: m.key ?? '',
          headers: h,
          body: m.payload,
          value: m.payload,
        } as KafkaMessage<string>) as CloudEventV1<unknown>;
        expect(ce.id).toBe(h.ce_id);
        expect(ce.type).toBe(h.ce_type);
      }
    }
    // the job's event, and its execution's started, step and completed results
    expect(ours.events).toBeGreaterThanOrEqual(1);
    expect(ours.results).toBeGreaterThanOrEqual(3);
  });
});
