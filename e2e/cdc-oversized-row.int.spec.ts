import { createHash, randomBytes } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import type { Pool } from 'pg';
import { LIMITS, TOPICS, cdcTopic, type DeadLetter, type StartCommand, type StepResult, type WorkflowDefinitionInput } from '@fixlify/contracts';
import { parsePrometheusText, sampleSum } from '@fixlify/kafka';
import {
  createActiveWorkflow,
  createOrganization,
  jsonWhere,
  startService,
  tailTopic,
  testKafka,
  testPool,
  waitFor,
  type ServiceProcess,
  type TopicTail,
} from '@fixlify/testing';

/**
 * One oversized row must never stop change capture (it used to: a 1.3 MB workflow draft made
 * Debezium's producer refuse the record, the task FAILED on the same WAL position after every
 * restart and every organization's automations stopped). On the real stack:
 *
 * - a 3 MB job description (insert, then an update carrying it twice, before and after, with
 *   quotes and newlines that JSON escaping grows by ~8 %) and a 1.3 MB workflow draft written straight to
 *   PostgreSQL flow through: the Debezium task stays RUNNING, the 3 MB job's own automation runs
 *   (a ~7 MB start command through matcher and executor) and another organization's still fires;
 * - with the transform's limit lowered to 1 MiB, a larger change becomes an oversized marker that
 *   ingest turns into a dead letter naming the table, the key and the size (and a counter), and
 *   capture goes on;
 * - the API refuses such a draft (413) and unknown fields (422) before anything is written.
 */
jest.setTimeout(600_000);

const CONNECT_URL = process.env.CONNECT_URL ?? 'http://127.0.0.1:28083';
const CDC_PREFIX = process.env.FIXLIFY_CDC_PREFIX ?? 'fixlify';
const CONNECTOR = 'fixlify-postgres';
const LOW_LIMIT = 1024 * 1024;

const connectorStatus = async (): Promise<{ connector: string; tasks: string[]; trace?: string }> => {
  const s = (await (await fetch(`${CONNECT_URL}/connectors/${CONNECTOR}/status`)).json()) as {
    connector: { state: string };
    tasks: { state: string; trace?: string }[];
  };
  return {
    connector: s.connector.state,
    tasks: s.tasks.map((t) => t.state),
    trace: s.tasks
      .find((t) => t.trace)
      ?.trace?.split('\n')
      .slice(0, 3)
      .join(' | '),
  };
};
const expectRunning = async (): Promise<void> => {
  expect(await connectorStatus()).toEqual({ connector: 'RUNNING', tasks: ['RUNNING'], trace: undefined });
};
const connectorConfig = async (): Promise<Record<string, string>> =>
  (await (await fetch(`${CONNECT_URL}/connectors/${CONNECTOR}/config`)).json()) as Record<string, string>;
/** PUTs a config and waits until Connect runs it (the task restarts with it). */
const putConnectorConfig = async (config: Record<string, string>): Promise<void> => {
  const { name: _name, ...rest } = config;
  const r = await fetch(`${CONNECT_URL}/connectors/${CONNECTOR}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(rest),
  });
  if (!r.ok) throw new Error(`PUT config answered ${r.status}: ${await r.text()}`);
  await waitFor(
    async () => (await connectorConfig())['transforms.oversized.max.bytes'] === config['transforms.oversized.max.bytes'],
    30_000,
    'Connect to hold the new config',
  );
  // the old task stops and a new one starts with the config: give it the time, then it must run
  await new Promise((r) => setTimeout(r, 3000));
  await waitFor(
    async () => {
      const s = await connectorStatus();
      return s.connector === 'RUNNING' && s.tasks.length === 1 && s.tasks[0] === 'RUNNING';
    },
    60_000,
    'the connector to run the new config',
  );
};

/** Text of about `bytes` bytes with quotes and newlines (escaped in JSON: ~8 % larger there). */
const longText = (bytes: number, seed: string): string => {
  const line = `${seed}: replace the "main" valve, then test\n`;
  return line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
};

const apiKey = async (pool: Pool, org: string): Promise<string> => {
  const prefix = randomBytes(6).toString('hex').slice(0, 8);
  const key = `fx_${prefix}_${randomBytes(32).toString('base64url')}`;
  await pool.query(`INSERT INTO api_keys (organization_id, name, prefix, key_hash, role) VALUES ($1, 'oversized test', $2, $3, 'editor')`, [
    org,
    prefix,
    createHash('sha256').update(key).digest('hex'),
  ]);
  return key;
};

describe('CDC: no row can stop change capture', () => {
  let pool: Pool;
  let ingest: ServiceProcess;
  let matcher: ServiceProcess;
  let executor: ServiceProcess;
  let api: ServiceProcess;
  let commands: TopicTail<StartCommand>;
  let results: TopicTail<StepResult>;
  let deadLetters: TopicTail<DeadLetter>;
  /** size and op of every CDC record of the rows this test watches (jobs, automation_workflows) */
  let cdcRecords: TopicTail<{ id: string; bytes: number; op: string }>[];
  const watched = new Set<string>();
  const orgs = new Set<string>();
  let orgA: string;
  let orgB: string;
  let workflowA: string;
  let workflowB: string;
  let originalConfig: Record<string, string>;

  const definition: WorkflowDefinitionInput = {
    nodes: [
      { id: 'trigger', type: 'trigger', trigger: { type: 'job_status_changed' } },
      { id: 'task', type: 'create_task', config: { title: 'follow up {{ job.title }}' } },
    ],
    edges: [{ id: 'e1', source: 'trigger', target: 'task' }],
  };

  const startsOf = (workflowId: string, entityId: string): StartCommand[] =>
    commands.seen.filter((c) => c.workflowId === workflowId && c.event.entityId === entityId);
  const completed = (executionId: string): boolean => results.seen.some((r) => r.executionId === executionId && r.kind === 'execution_completed');
  const sizesOf = (id: string): { bytes: number; op: string }[] => cdcRecords.flatMap((t) => t.seen).filter((r) => r.id === id);

  /** A job of `org` that is scheduled, then in progress: `workflow` must start once and complete. */
  const jobFires = async (org: string, workflow: string, description: string | null = null): Promise<{ jobId: string; command: StartCommand }> => {
    const job = await pool.query<{ id: string }>(
      `INSERT INTO jobs (organization_id, title, description, status) VALUES ($1, 'Boiler', $2, 'scheduled') RETURNING id`,
      [org, description],
    );
    const jobId = job.rows[0]!.id;
    watched.add(jobId);
    await pool.query(`UPDATE jobs SET status = 'in_progress' WHERE id = $1`, [jobId]);
    await commands.until(() => startsOf(workflow, jobId).length > 0, 180_000, `the start command of ${workflow} for job ${jobId}`);
    const command = startsOf(workflow, jobId)[0]!;
    await results.until(() => completed(command.executionId), 180_000, `execution ${command.executionId} to complete`);
    return { jobId, command };
  };

  const ingestMetrics = async () => parsePrometheusText(await (await fetch(`http://127.0.0.1:${ingest.port}/metrics`)).text());

  beforeAll(async () => {
    pool = testPool();
    const kafka = testKafka();
    originalConfig = await connectorConfig();
    // a previous run that died with the low limit in place
    if (originalConfig['transforms.oversized.max.bytes'] !== String(LIMITS.cdcRecordBytes)) {
      originalConfig = { ...originalConfig, 'transforms.oversized.max.bytes': String(LIMITS.cdcRecordBytes) };
      await putConnectorConfig(originalConfig);
    }

    commands = await tailTopic(
      kafka,
      TOPICS.commands,
      jsonWhere<StartCommand>((c) => c.kind === 'start' && orgs.has(c.organizationId)),
    );
    results = await tailTopic(
      kafka,
      TOPICS.stepResults,
      jsonWhere<StepResult>((r) => orgs.has(r.organizationId)),
    );
    deadLetters = await tailTopic(
      kafka,
      TOPICS.dlq,
      jsonWhere<DeadLetter>((d) => d.origin.topic.startsWith(`${CDC_PREFIX}.public.`) && [...watched].some((id) => d.origin.key?.includes(id) === true)),
    );
    const sizes = (m: KafkaMessage): { id: string; bytes: number; op: string } | undefined => {
      const key = m.key?.toString('utf8');
      const id = [...watched].find((w) => key?.includes(w));
      if (!id || !m.value) return undefined;
      return { id, bytes: m.value.length, op: (JSON.parse(m.value.toString('utf8')) as { op: string }).op };
    };
    cdcRecords = await Promise.all([
      tailTopic(kafka, cdcTopic(CDC_PREFIX, 'jobs'), sizes),
      tailTopic(kafka, cdcTopic(CDC_PREFIX, 'automation_workflows'), sizes),
    ]);
    ingest = await startService('ingest', { CLOCK_ENABLED: 'false' }, 'oversized-ingest');
    matcher = await startService('matcher', {}, 'oversized-matcher');
    executor = await startService('executor', { LOG_LEVEL: 'warn' }, 'oversized-executor');
    api = await startService('api', { LOG_LEVEL: 'warn' }, 'oversized-api');
    await Promise.all([
      ingest.waitReady(120_000),
      matcher.waitReady(120_000),
      executor.waitReady(120_000),
      api.waitReady(120_000),
      commands.ready,
      results.ready,
      deadLetters.ready,
      ...cdcRecords.map((t) => t.ready),
    ]);
    // services first: their consumer groups start at the end of the log
    orgA = await createOrganization(pool, { name: 'E2E oversized rows' });
    orgB = await createOrganization(pool, { name: 'E2E bystander' });
    orgs.add(orgA).add(orgB);
    workflowA = (await createActiveWorkflow(pool, orgA, definition, 'e2e oversized A')).workflowId;
    workflowB = (await createActiveWorkflow(pool, orgB, definition, 'e2e oversized B')).workflowId;
    for (const id of [workflowA, workflowB])
      await waitFor(
        async () => ((await (await fetch(`http://127.0.0.1:${matcher.port}/index/${id}`)).json()) as { present: boolean }).present,
        90_000,
        `the matcher to index ${id}`,
      );
    await expectRunning();
  });

  afterAll(async () => {
    // never leave the low limit behind, whatever failed
    if (
      originalConfig &&
      (await connectorConfig().catch(() => originalConfig))['transforms.oversized.max.bytes'] !== originalConfig['transforms.oversized.max.bytes']
    )
      await putConnectorConfig(originalConfig).catch(() => undefined);
    await Promise.all([ingest?.kill('SIGTERM'), matcher?.kill('SIGTERM'), executor?.kill('SIGTERM'), api?.kill('SIGTERM')]);
    await Promise.all([commands?.stop(), results?.stop(), deadLetters?.stop(), ...(cdcRecords ?? []).map((t) => t.stop())]);
    await pool?.end();
  });

  it('a 3 MB job description and a 1.3 MB workflow draft flow through; the task stays RUNNING and another organization still fires', async () => {
    // 3 MB description: inserted, then updated (before and after, both 3 MB) with a status change that fires workflow A
    const { jobId: bigJob, command } = await jobFires(orgA, workflowA, longText(3_000_000, 'A'));
    expect(command.event.before?.description).toHaveLength(3_000_000);
    expect(command.event.after?.description).toHaveLength(3_000_000);
    expect(Buffer.byteLength(JSON.stringify(command))).toBeGreaterThan(6_300_000);
    await waitFor(async () => sizesOf(bigJob).length >= 2, 60_000, 'both CDC records of the 3 MB job');
    const [insert, update] = sizesOf(bigJob);
    expect(insert).toMatchObject({ op: 'c' });
    expect(update).toMatchObject({ op: 'u' });
    // the update carries the row twice, escaped: well over the old 1 MiB limit, under the transform's
    expect(update!.bytes).toBeGreaterThan(6_300_000);
    expect(update!.bytes).toBeLessThan(LIMITS.cdcRecordBytes);

    // a 1.3 MB draft written around the API (inserted, then updated: 2 × 1.3 MB)
    const draft = { schemaVersion: 1, nodes: [{ id: 't', type: 'trigger', blob: 'x'.repeat(1_300_000) }], edges: [] };
    const w = await pool.query<{ id: string }>(
      `INSERT INTO automation_workflows (organization_id, name, definition) VALUES ($1, 'huge draft', $2) RETURNING id`,
      [orgA, JSON.stringify(draft)],
    );
    const draftId = w.rows[0]!.id;
    watched.add(draftId);
    await pool.query(`UPDATE automation_workflows SET definition = $2, updated_at = now() WHERE id = $1`, [
      draftId,
      JSON.stringify({ ...draft, edges: [{ id: 'e', source: 't', target: 't' }] }),
    ]);
    await waitFor(async () => sizesOf(draftId).length >= 2, 60_000, 'both CDC records of the 1.3 MB draft');
    expect(sizesOf(draftId).map((r) => r.op)).toEqual(['c', 'u']);
    expect(sizesOf(draftId)[1]!.bytes).toBeGreaterThan(2_600_000);

    await expectRunning();
    // another organization's automation, after both
    const b = await jobFires(orgB, workflowB);
    expect(b.command.event.organizationId).toBe(orgB);
    await expectRunning();
    expect(deadLetters.seen).toEqual([]);
  });

  it('a change above the transform limit becomes a dead letter naming table, key and size; capture goes on', async () => {
    const before = await ingestMetrics();
    const jobsBefore = sampleSum(before, 'fixlify_cdc_oversized_rows_total', { table: 'jobs' });
    const workflowsBefore = sampleSum(before, 'fixlify_cdc_oversized_rows_total', { table: 'automation_workflows' });
    await putConnectorConfig({ ...originalConfig, 'transforms.oversized.max.bytes': String(LOW_LIMIT) });
    try {
      // a job row over the (lowered) limit: an insert of 2 MB
      const big = await pool.query<{ id: string }>(`INSERT INTO jobs (organization_id, title, description) VALUES ($1, 'Too big', $2) RETURNING id`, [
        orgA,
        longText(2_000_000, 'B'),
      ]);
      const jobId = big.rows[0]!.id;
      watched.add(jobId);
      // and a workflow draft over it, written around the API
      const w = await pool.query<{ id: string }>(
        `INSERT INTO automation_workflows (organization_id, name, definition) VALUES ($1, 'too big draft', $2) RETURNING id`,
        [orgA, JSON.stringify({ schemaVersion: 1, nodes: [{ id: 't', type: 'trigger', blob: 'y'.repeat(1_300_000) }], edges: [] })],
      );
      const draftId = w.rows[0]!.id;
      watched.add(draftId);

      await deadLetters.until(
        (s) => s.some((d) => d.origin.key?.includes(jobId)) && s.some((d) => d.origin.key?.includes(draftId)),
        120_000,
        'dead letters of both oversized rows',
      );
      const jobDl = deadLetters.seen.find((d) => d.origin.key?.includes(jobId))!;
      expect(jobDl).toMatchObject({ consumer: 'ingest-cdc', origin: { topic: cdcTopic(CDC_PREFIX, 'jobs'), key: JSON.stringify({ id: jobId }) } });
      expect(jobDl.reason).toMatch(
        new RegExp(
          `^oversized row: jobs \\{"id":"${jobId}"\\} was \\d+ bytes as a change event, over the CDC limit of ${LOW_LIMIT} bytes \\(op c, lsn \\d+, txId \\d+, committed `,
        ),
      );
      const bytes = Number(/was (\d+) bytes/.exec(jobDl.reason)![1]);
      expect(bytes).toBeGreaterThan(2_000_000);
      // the dead letter holds the marker (source block kept: table, position), not the row
      const marker = JSON.parse(jobDl.value!) as Record<string, unknown>;
      expect(marker).toMatchObject({
        op: 'oversized',
        originalOp: 'c',
        bytes,
        limit: LOW_LIMIT,
        key: { id: jobId },
        source: { table: 'jobs', lsn: expect.any(Number), txId: expect.any(Number) },
      });
      expect(jobDl.value!.length).toBeLessThan(2000);
      const draftDl = deadLetters.seen.find((d) => d.origin.key?.includes(draftId))!;
      expect(draftDl).toMatchObject({
        consumer: 'ingest-workflows',
        origin: { topic: cdcTopic(CDC_PREFIX, 'automation_workflows'), key: JSON.stringify({ id: draftId }) },
      });
      expect(draftDl.reason).toMatch(new RegExp(`^oversized row: automation_workflows \\{"id":"${draftId}"\\} was \\d+ bytes`));
      // nothing of the oversized job started anything
      expect(commands.seen.filter((c) => c.event.entityId === jobId)).toEqual([]);

      const after = await ingestMetrics();
      expect(sampleSum(after, 'fixlify_cdc_oversized_rows_total', { table: 'jobs' })).toBe(jobsBefore + 1);
      expect(sampleSum(after, 'fixlify_cdc_oversized_rows_total', { table: 'automation_workflows' })).toBe(workflowsBefore + 1);
      expect(sampleSum(after, 'fixlify_messages_failed_total', { consumer: 'ingest-cdc', reason: 'oversized' })).toBeGreaterThanOrEqual(1);

      await expectRunning();
      // capture and the consumers go on: another organization's automation fires afterwards
      await jobFires(orgB, workflowB);
      await expectRunning();
    } finally {
      await putConnectorConfig(originalConfig);
    }
  });

  it('the API refuses a 1.3 MB draft (413) and unknown fields (422) before writing anything', async () => {
    const key = await apiKey(pool, orgA);
    const call = async (
      method: string,
      path: string,
      body: unknown,
    ): Promise<{ status: number; body: { code: string; message: string; details?: unknown } }> => {
      const r = await fetch(`http://127.0.0.1:${api.port}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: (await r.json()) as { code: string; message: string; details?: unknown } };
    };
    const created = await call('POST', '/api/workflows', { name: 'limits', definition });
    expect(created.status).toBe(201);
    const id = (created.body as unknown as { id: string }).id;
    const huge = {
      ...definition,
      nodes: [definition.nodes[0], { id: 'task', type: 'create_task', config: { title: 'x', description: 'd'.repeat(1_300_000) } }],
    };
    const tooLarge = await call('PUT', `/api/workflows/${id}`, { definition: huge });
    expect(tooLarge).toMatchObject({ status: 413, body: { code: 'payload_too_large', details: { maxBytes: LIMITS.workflowDraftBytes } } });
    expect(tooLarge.body.message).toMatch(/more than the 262144 bytes \(256 KiB\)/);
    const unknown = await call('PUT', `/api/workflows/${id}`, {
      definition: { ...definition, nodes: [{ id: 'trigger', type: 'trigger', trigger: { type: 'job_status_changed' }, blob: 'x' }, definition.nodes[1]] },
    });
    expect(unknown).toMatchObject({ status: 422, body: { code: 'invalid_workflow', details: [{ nodeId: 'trigger', path: '', code: 'unknown_field' }] } });
    // nothing was written
    const stored = await pool.query<{ definition: unknown }>('SELECT definition FROM automation_workflows WHERE id = $1', [id]);
    expect(JSON.stringify(stored.rows[0]!.definition)).not.toContain('blob');
    expect(JSON.stringify(stored.rows[0]!.definition).length).toBeLessThan(10_000);
    // over the body parser's 2 MiB: the same error shape
    const body = await call('PUT', `/api/workflows/${id}`, { definition: { ...huge, edges: [{ id: 'e', source: 'x'.repeat(2_200_000), target: 'y' }] } });
    expect(body).toMatchObject({ status: 413, body: { code: 'payload_too_large' } });
  });
});
