import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Kafka } from 'kafkajs';
import { WorkflowDefinition, previewDiff, type DomainEvent, type WorkflowDefinitionInput } from '@fixlify/contracts';
import { createReplay, type ReplayJob } from '@fixlify/db';
import {
  createActiveWorkflow,
  createClient,
  createOrganization,
  startMailgunStandin,
  startService,
  startTelnyxStandin,
  testKafka,
  testPool,
  waitFor,
  type MailgunStandin,
  type ServiceProcess,
  type TelnyxStandin,
  replayFinished,
} from '@fixlify/testing';

/**
 * Preview on real history: a dry-run replay runs every execution that would start through the real
 * engine with simulated actions. It sends nothing; its report (per step and branch, messages per
 * channel, suppressed by consent, samples with the rendered text) equals what the real run that
 * follows does; a draft is previewed against the published version.
 */
describe('preview on real history', () => {
  let pool: Pool;
  let kafka: Kafka;
  let telnyx: TelnyxStandin;
  let mailgun: MailgunStandin;
  const services: ServiceProcess[] = [];
  const tag = `${process.pid}-${Date.now()}`;
  const eventsTopic = `test.preview-events.${tag}`;
  const laneTopic = `test.preview-lane.${tag}`;
  const liveTopic = `test.preview-live.${tag}`;
  let org = '';
  let workflow = { workflowId: '', versionId: '', version: 0 };
  const now = Date.now();
  const at = now - 20 * 60_000;
  /** big jobs: 8 clients who take texts, 4 who do not; small jobs: 10, by email */
  const BIG_CONSENTING = 8;
  const BIG_NO_SMS = 4;
  const SMALL = 10;

  const definition = (threshold: number): WorkflowDefinitionInput => ({
    nodes: [
      { id: 'trigger', type: 'trigger', trigger: { type: 'job_created' } },
      { id: 'big', type: 'condition', config: { when: { field: 'job.total', op: 'gte', value: threshold } } },
      { id: 'text', type: 'send_sms', config: { to: '{{ client.phone }}', body: 'Hi {{ client.name }}, your job {{ job.title }} is booked' } },
      {
        id: 'mail',
        type: 'send_email',
        config: { to: '{{ client.email }}', subject: 'Booked: {{ job.title }}', text: 'Dear {{ client.name }}, see you soon.' },
      },
    ],
    edges: [
      { id: 'e1', source: 'trigger', target: 'big' },
      { id: 'e2', source: 'big', target: 'text', branch: 'true' },
      { id: 'e3', source: 'big', target: 'mail', branch: 'false' },
    ],
  });

  const jobEvent = (row: Record<string, unknown>): DomainEvent => ({
    v: 1,
    eventId: randomUUID(),
    type: 'job_created',
    organizationId: org,
    entityType: 'job',
    entityId: String(row.id),
    before: null,
    after: row,
    occurredAt: new Date(at).toISOString(),
    emittedAt: new Date(at).toISOString(),
    workflowId: null,
    causation: null,
    data: {},
    source: { kind: 'cdc', table: 'jobs', lsn: '1', txId: '1' },
  });

  const replay = async (o: { mode: 'dry_run' | 'run'; draft?: Record<string, unknown>; compare?: boolean }): Promise<ReplayJob> => {
    const created = await createReplay(
      pool,
      {
        id: randomUUID(),
        organizationId: org,
        workflowId: workflow.workflowId,
        versionId: o.draft ? randomUUID() : workflow.versionId,
        version: o.draft ? workflow.version + 1 : workflow.version,
        mode: o.mode,
        force: false,
        from: new Date(now - 3600_000),
        to: new Date(now),
        filters: {},
        ratePerSecond: 2000,
        createdBy: null,
        definition: o.draft ?? null,
        compare: o.compare ? { versionId: workflow.versionId, version: workflow.version } : null,
      },
      10,
    );
    return replayFinished(pool, org, created!.id);
  };

  beforeAll(async () => {
    pool = testPool();
    kafka = testKafka();
    [telnyx, mailgun] = await Promise.all([startTelnyxStandin({ apiKey: 'preview-telnyx' }), startMailgunStandin({ apiKey: 'preview-mailgun' })]);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [eventsTopic, laneTopic, liveTopic].map((topic) => ({ topic, numPartitions: 2, replicationFactor: 1 })),
      waitForLeaders: true,
    });
    await admin.disconnect();
    org = await createOrganization(pool, { name: 'Preview Plumbing' });
    workflow = await createActiveWorkflow(pool, org, definition(500));
    const events: DomainEvent[] = [];
    const addJob = async (i: number, total: number, smsConsent: boolean): Promise<void> => {
      const client = await createClient(pool, org, {
        name: `Client ${i}`,
        email: `client${i}@example.com`,
        phone: `+1555100${String(i).padStart(4, '0')}`,
        smsConsent,
      });
      const r = await pool.query<Record<string, unknown>>(`INSERT INTO jobs (organization_id, client_id, title, total) VALUES ($1, $2, $3, $4) RETURNING *`, [
        org,
        client,
        `Job ${i}`,
        total,
      ]);
      events.push(jobEvent(r.rows[0]!));
    };
    let i = 0;
    for (let k = 0; k < BIG_CONSENTING; k++) await addJob(i++, 800, true);
    for (let k = 0; k < BIG_NO_SMS; k++) await addJob(i++, 900, false);
    // 300: big for the draft (threshold 250), small for the published version
    for (let k = 0; k < SMALL; k++) await addJob(i++, k < 3 ? 300 : 100, true);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: eventsTopic,
      messages: events.map((e, n) => ({ key: `${org}:${e.entityId}`, value: JSON.stringify(e), timestamp: String(at + n) })),
    });
    await producer.disconnect();
    await pool.query(`UPDATE automation_replays SET status = 'aborted', finished_at = now() WHERE status IN ('pending','running','paused')`);
    const env = {
      REPLAY_EVENTS_TOPIC: eventsTopic,
      REPLAY_COMMANDS_TOPIC: laneTopic,
      EXECUTOR_REPLAY_TOPIC: laneTopic,
      EXECUTOR_COMMANDS_TOPIC: liveTopic,
      REPLAY_POLL_MS: '200',
      TELNYX_API_BASE: telnyx.url,
      TELNYX_API_KEY: 'preview-telnyx',
      MAILGUN_API_BASE: mailgun.url,
      MAILGUN_API_KEY: 'preview-mailgun',
    };
    for (const name of ['executor', 'replay'] as const) services.push(await startService(name, env, `preview-${name}`));
    await Promise.all(services.map((s) => s.waitReady(90_000)));
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await Promise.all([telnyx?.close(), mailgun?.close()]);
    await pool?.end();
  });

  let preview: ReplayJob;

  it('a dry run simulates what would happen and sends nothing', async () => {
    preview = await replay({ mode: 'dry_run' });
    expect(preview.status).toBe('completed');
    const started = BIG_CONSENTING + BIG_NO_SMS + SMALL;
    expect(preview.counts.started).toBe(started);
    const r = preview.report!;
    expect(r).toMatchObject({ simulated: started, completed: started, failed: 0, waiting: 0 });
    expect(r.steps.big).toEqual({
      type: 'condition',
      reached: started,
      succeeded: started,
      failed: 0,
      branches: { true: BIG_CONSENTING + BIG_NO_SMS, false: SMALL },
    });
    expect(r.channels.sms).toEqual({ sent: BIG_CONSENTING, suppressed: BIG_NO_SMS });
    expect(r.channels.email).toEqual({ sent: SMALL, suppressed: 0 });
    expect(r.suppressedReasons).toEqual({ 'client has no sms consent': BIG_NO_SMS });
    expect(r.samples).toHaveLength(5);
    const texted = r.samples.flatMap((s) => s.messages).find((m) => m.channel === 'sms' && !m.suppressed);
    expect(texted?.body).toMatch(/^Hi Client \d+, your job Job \d+ is booked$/);
    await new Promise((res) => setTimeout(res, 1500));
    expect(telnyx.attempts).toBe(0);
    expect(mailgun.attempts).toBe(0);
  });

  it('the run that follows does what the preview said', async () => {
    const run = await replay({ mode: 'run' });
    expect(run.counts.started).toBe(preview.counts.started);
    await waitFor(
      async () => telnyx.received.length >= BIG_CONSENTING && mailgun.received.length >= SMALL,
      120_000,
      'the backfilled messages',
      200,
      () => `${telnyx.received.length} SMS, ${mailgun.received.length} emails`,
    );
    const suppressed = await waitFor(
      async () => {
        const q = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM automation_deliveries WHERE organization_id = $1 AND status = 'suppressed'`, [
          org,
        ]);
        return q.rows[0]!.n >= BIG_NO_SMS ? q.rows[0]!.n : null;
      },
      60_000,
      'the suppressed deliveries',
    );
    await new Promise((res) => setTimeout(res, 1500));
    expect(telnyx.received.length).toBe(preview.report!.channels.sms!.sent);
    expect(mailgun.received.length).toBe(preview.report!.channels.email!.sent);
    expect(suppressed).toBe(preview.report!.channels.sms!.suppressed);
    const sample = preview.report!.samples.flatMap((s) => s.messages).find((m) => m.channel === 'sms' && !m.suppressed)!;
    expect(telnyx.received.find((m) => m.to === sample.to)?.text).toBe(sample.body);
  });

  it('a draft is previewed against the published version, with the difference', async () => {
    // the draft texts jobs from 250 up: the 3 jobs of 300 move from email to SMS
    const draft = WorkflowDefinition.parse(definition(250)) as unknown as Record<string, unknown>;
    const j = await replay({ mode: 'dry_run', draft, compare: true });
    expect(j.status).toBe('completed');
    // the draft's version has no executions: every event would start it again
    expect(j.counts.started).toBe(BIG_CONSENTING + BIG_NO_SMS + SMALL);
    expect(j.report!.channels.sms).toEqual({ sent: BIG_CONSENTING + 3, suppressed: BIG_NO_SMS });
    expect(j.report!.compare!.totals.channels.sms).toEqual({ sent: BIG_CONSENTING, suppressed: BIG_NO_SMS });
    const diff = previewDiff(j.report!, j.counts.started);
    expect(diff).toEqual(
      expect.arrayContaining([
        { what: 'executions started', previewed: 22, other: 22, delta: 0 },
        { what: 'sms sent', previewed: BIG_CONSENTING + 3, other: BIG_CONSENTING, delta: 3 },
        { what: 'email sent', previewed: SMALL - 3, other: SMALL, delta: -3 },
        { what: 'big → true', previewed: 15, other: 12, delta: 3 },
      ]),
    );
  });
});
