import { readFileSync } from 'node:fs';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Pool } from 'pg';
import { TOPICS, type Command, type DomainEvent, type StepResult } from '@fixlify/contracts';
import { parsePrometheusText, parseTraceparent, sampleSum, traceIdFromUuid, type PromExposition, type TraceContext } from '@fixlify/kafka';
import {
  createActiveWorkflow,
  createOrganization,
  startService,
  startWebhookReceiver,
  tailTopic,
  testKafka,
  testPool,
  waitFor,
  type ServiceProcess,
  type TopicTail,
  type WebhookReceiver,
  allowLoopback,
} from '@fixlify/testing';

/**
 * Observability of every service on the real stack: /metrics parses as Prometheus text and moves
 * when work flows; one trace id follows an event from ingest to the step results; log lines are
 * JSON and carry the execution's identity; health says ready.
 */
jest.setTimeout(420_000);

interface Traced<T> {
  value: T;
  trace: TraceContext | null;
}
const traced =
  <T>(pick: (v: T) => boolean) =>
  (m: KafkaMessage): Traced<T> | undefined => {
    if (!m.value) return undefined;
    const value = JSON.parse(m.value.toString('utf8')) as T;
    if (!pick(value)) return undefined;
    const h = m.headers?.traceparent;
    return { value, trace: parseTraceparent(h === undefined ? undefined : String(Array.isArray(h) ? h[0] : h)) };
  };

describe('observability: metrics, traces, logs and health of every service', () => {
  const tag = `${process.pid}_${Date.now().toString(36)}`;
  const scratch = `t_obs_${tag}`;
  const projectionName = `obs-${tag}`;
  let pool: Pool;
  let kafka: Kafka;
  let receiver: WebhookReceiver;
  let org: string;
  let events: TopicTail<Traced<DomainEvent>>;
  let commands: TopicTail<Traced<Command>>;
  let results: TopicTail<Traced<StepResult>>;
  const services: ServiceProcess[] = [];
  const svc = (name: ServiceProcess['name']) => services.find((s) => s.name === name)!;
  const scrape = async (s: ServiceProcess): Promise<PromExposition> => {
    const res = await fetch(`http://127.0.0.1:${s.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await res.text());
  };

  beforeAll(async () => {
    pool = testPool();
    kafka = testKafka();
    receiver = await startWebhookReceiver();
    org = await createOrganization(pool, { name: 'Observability' });
    const mine = (v: { organizationId: string }) => v.organizationId === org;
    [events, commands, results] = await Promise.all([
      tailTopic(kafka, TOPICS.events, traced<DomainEvent>(mine)),
      tailTopic(kafka, TOPICS.commands, traced<Command>(mine)),
      tailTopic(kafka, TOPICS.stepResults, traced<StepResult>(mine)),
    ]);
    const env = { OUTBOUND_ALLOWED_HOSTS: allowLoopback(receiver) };
    const extra: Partial<Record<ServiceProcess['name'], Record<string, string>>> = {
      // debug: the projector logs each step result with its identity and trace
      metrics: { METRICS_SCHEMA: scratch, METRICS_PROJECTION_NAME: projectionName, LOG_LEVEL: 'debug' },
    };
    for (const name of ['ingest', 'matcher', 'executor', 'metrics'] as const)
      services.push(await startService(name, { ...env, ...extra[name] }, `observability-${name}`));
    await Promise.all([...services.map((s) => s.waitReady(90_000)), events.ready, commands.ready, results.ready]);
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await Promise.all([events, commands, results].map((t) => t?.stop()));
    await receiver?.close();
    await pool?.query(`DROP SCHEMA IF EXISTS "${scratch}" CASCADE`).catch(() => undefined);
    await pool?.end();
  });

  it('health is ready, /metrics parses and moves, and one trace follows the event to its results', async () => {
    for (const s of services) {
      expect((await fetch(`http://127.0.0.1:${s.port}/health/ready`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${s.port}/health/live`)).status).toBe(200);
    }
    const before = new Map<string, PromExposition>();
    for (const s of services) before.set(s.name, await scrape(s));

    const wf = await createActiveWorkflow(pool, org, {
      nodes: [
        { id: 't', type: 'trigger', trigger: { type: 'job_created', filter: { field: 'after.title', op: 'eq', value: 'observed' } } },
        { id: 'hook', type: 'webhook', config: { url: `${receiver.url}/observed` } },
      ],
      edges: [{ id: 'e', source: 't', target: 'hook' }],
    });
    await waitFor(
      async () => ((await (await fetch(`http://127.0.0.1:${svc('matcher').port}/index/${wf.workflowId}`)).json()) as { present: boolean }).present,
      60_000,
      'the matcher',
    );
    await pool.query(`INSERT INTO jobs (organization_id, title) VALUES ($1, 'observed')`, [org]);
    await results.until((rs) => rs.some((r) => r.value.kind === 'execution_completed'), 240_000, 'the execution to complete');
    const executionId = results.seen[0]!.value.executionId;
    // the projector has projected it
    await waitFor(
      async () =>
        (await pool.query(`SELECT 1 FROM "${scratch}".automation_execution_logs WHERE id = $1 AND status = 'completed'`, [executionId])).rowCount === 1,
      60_000,
      'the projection',
    );

    // metrics moved, per service
    const after = new Map<string, PromExposition>();
    for (const s of services) after.set(s.name, await scrape(s));
    const moved = (service: string, name: string, labels: Record<string, string> = {}) =>
      sampleSum(after.get(service)!, name, labels) - sampleSum(before.get(service)!, name, labels);
    expect(moved('ingest', 'fixlify_messages_processed_total', { consumer: 'ingest-cdc' })).toBeGreaterThanOrEqual(1);
    expect(moved('matcher', 'fixlify_messages_processed_total', { consumer: 'matcher', topic: TOPICS.events })).toBeGreaterThanOrEqual(1);
    expect(moved('matcher', 'fixlify_matcher_starts_total', { trigger: 'job_created' })).toBeGreaterThanOrEqual(1);
    expect(moved('executor', 'fixlify_messages_processed_total', { consumer: 'executor' })).toBeGreaterThanOrEqual(1);
    expect(moved('executor', 'fixlify_batch_duration_seconds_count', { consumer: 'executor' })).toBeGreaterThanOrEqual(1);
    expect(moved('metrics', 'fixlify_messages_processed_total', { consumer: projectionName, topic: TOPICS.stepResults })).toBeGreaterThanOrEqual(3);
    expect(moved('metrics', 'fixlify_executions_by_status_total', { status: 'completed' })).toBeGreaterThanOrEqual(1);
    expect(moved('metrics', 'fixlify_deliveries_total', { channel: 'webhook', outcome: 'delivered' })).toBeGreaterThanOrEqual(1);
    expect(moved('metrics', 'fixlify_message_age_seconds_count', { consumer: projectionName })).toBeGreaterThanOrEqual(1);
    // lag per partition, and per organization where the service knows it
    expect(after.get('metrics')!.samples.some((s) => s.name === 'fixlify_consumer_lag' && s.labels.consumer === projectionName)).toBe(true);
    for (const service of ['matcher', 'executor', 'metrics'])
      expect(after.get(service)!.samples.some((s) => s.name === 'fixlify_organization_lag_seconds' && s.labels.organization === org)).toBe(true);

    // one trace: its id is the event id, from ingest's event to the executor's results
    const event = events.seen.find((e) => e.value.type === 'job_created')!;
    const traceId = traceIdFromUuid(event.value.eventId);
    expect(event.trace?.traceId).toBe(traceId);
    const start = commands.seen.find((c) => c.value.executionId === executionId)!;
    expect(start.trace?.traceId).toBe(traceId);
    const mineResults = results.seen.filter((r) => r.value.executionId === executionId);
    expect(mineResults.length).toBeGreaterThanOrEqual(3);
    for (const r of mineResults) expect(r.trace?.traceId).toBe(traceId);
    // every hop is a span of its own
    expect(new Set([event.trace!.spanId, start.trace!.spanId, mineResults[0]!.trace!.spanId]).size).toBe(3);

    // logs: JSON lines; the projector's lines about the execution carry its identity and trace
    for (const s of services) {
      const lines = readFileSync(s.logFile, 'utf8').split('\n').filter(Boolean);
      const parsed = lines.map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          throw new Error(`${s.name} wrote a line that is not JSON: ${l.slice(0, 200)}`);
        }
      });
      for (const p of parsed) expect(p).toMatchObject({ service: expect.any(String), level: expect.any(Number), time: expect.any(String) });
      for (const p of parsed.filter((p) => JSON.stringify(p).includes(executionId))) expect(p).toMatchObject({ organizationId: org, executionId });
    }
    const projectorLines = readFileSync(svc('metrics').logFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes(executionId))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(projectorLines.length).toBeGreaterThanOrEqual(3);
    for (const l of projectorLines) expect(l).toMatchObject({ organizationId: org, workflowId: wf.workflowId, executionId, traceId });
  });
});
