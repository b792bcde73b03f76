import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Pool } from 'pg';
import { TOPICS, cdcHeartbeatTopic, cdcTopic, BUSINESS_TABLES, type StepResult } from '@fixlify/contracts';
import {
  REPO_ROOT,
  createActiveWorkflow,
  createClient,
  organizationFamily,
  startMailgunStandin,
  startService,
  startTelnyxStandin,
  startWebhookReceiver,
  testKafka,
  testPool,
  waitFor,
  type MailgunStandin,
  type ServiceProcess,
  type TelnyxStandin,
  type WebhookReceiver,
  allowLoopback,
} from '@fixlify/testing';
jest.setTimeout(1_500_000);

/** completed jobs per fault; each starts three executions (SMS, webhook, email) */
const JOBS_PER_FAULT = 1000;
const FAULTS = ['postgres', 'kafka', 'connect'] as const;
type Fault = (typeof FAULTS)[number];
const SERVICES = ['ingest', 'matcher', 'executor', 'metrics'] as const;

/** `npm run stack -- <args>` as a person would type it; resolves with its exit code and output */
const stackCli = (args: string[]): Promise<{ code: number; out: string }> =>
  new Promise((resolve) => {
    const child = spawn('npm', ['run', '-s', 'stack', '--', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (c) => resolve({ code: c ?? 1, out }));
  });

/** the pid of a part of the local stack, from `npm run stack -- status --json` */
const pidOf = async (part: Fault): Promise<number> => {
  const { code, out } = await stackCli(['status', '--json']);
  if (code !== 0) throw new Error(`stack status failed: ${out}`);
  const pid = (JSON.parse(out) as { part: string; pid?: number }[]).find((p) => p.part === part)?.pid;
  if (!pid) throw new Error(`no pid for ${part}: ${out}`);
  return pid;
};

/** `npm run stack -- up`, as a person would after a crash; retried while a killed part still holds its resources */
const stackUp = async (): Promise<void> => {
  for (let attempt = 1; ; attempt++) {
    const { code, out } = await stackCli(['up']);
    if (code === 0) return;
    console.warn(`stack up attempt ${attempt} failed:\n${out}`);
    if (attempt >= 5) throw new Error('npm run stack -- up kept failing');
    await new Promise((r) => setTimeout(r, 2000));
  }
};

/**
 * The stack's parts are killed with SIGKILL in turn — PostgreSQL, the Kafka broker, Kafka Connect —
 * while thousands of completed jobs flow through three workflows (SMS, webhook, email), and each is
 * brought back with the stack CLI. Nothing may be lost or doubled, no service may exit, and health
 * must say not-ready while a part is down and ready again after.
 */
describe('self-healing: PostgreSQL, the broker and Connect killed in turn', () => {
  let pool: Pool;
  let kafka: Kafka;
  let telnyx: TelnyxStandin;
  let mailgun: MailgunStandin;
  let hooks: WebhookReceiver;
  const services: ServiceProcess[] = [];
  const family = organizationFamily();
  const prefix = `heal-${process.pid}-${randomUUID().slice(0, 6)}`;
  /** per service: moments it answered /health/ready not-ready, and whether it was ready at the end */
  const notReadyAt = new Map<string, number[]>();
  let monitoring = true;
  let monitor: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    pool = testPool();
    kafka = testKafka();
    [telnyx, mailgun, hooks] = await Promise.all([startTelnyxStandin(), startMailgunStandin(), startWebhookReceiver()]);
    // The services start from the committed offsets of groups of their own, set here to the end of each
    // topic: a consumer restarted after a broker outage resumes exactly there ("latest" would skip what
    // was written while it was away).
    const admin = kafka.admin();
    await admin.connect();
    const groups: Record<string, string[]> = {
      [`${prefix}-ingest-cdc`]: [...BUSINESS_TABLES.map((t) => cdcTopic('fixlify', t)), cdcHeartbeatTopic('fixlify')],
      [`${prefix}-ingest-workflows`]: [cdcTopic('fixlify', 'automation_workflows')],
      [`${prefix}-matcher`]: [TOPICS.events],
      [`${prefix}-executor`]: [TOPICS.commands],
      [`${prefix}-metrics`]: [TOPICS.stepResults],
    };
    // numeric offsets: resetOffsets would commit the logical -1, which a consumer resolves by FIXLIFY_START_FROM (the beginning)
    for (const [groupId, topics] of Object.entries(groups))
      for (const topic of topics)
        await admin.setOffsets({ groupId, topic, partitions: (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high })) });
    await admin.disconnect();
    const env = {
      FIXLIFY_GROUP_PREFIX: prefix,
      FIXLIFY_START_FROM: 'earliest',
      OUTBOUND_ALLOWED_HOSTS: allowLoopback(hooks),
      MAILGUN_API_BASE: mailgun.url,
      MAILGUN_API_KEY: 'key-test',
      TELNYX_API_BASE: telnyx.url,
      TELNYX_API_KEY: 'KEY_test',
      EXECUTOR_CHANNEL_RATE_LIMITS: 'email=0,sms=0,push=0,webhook=0,api_call=0',
      EXECUTOR_TIMER_POLL_MS: '100',
      CDC_WATCH_POLL_MS: '1000',
      LOG_LEVEL: 'warn',
    };
    for (const name of SERVICES) services.push(await startService(name, env, `heal-${name}`));
    await Promise.all(services.map((s) => s.waitReady(120_000)));
    for (const s of services) notReadyAt.set(s.name, []);
    monitor = (async () => {
      while (monitoring) {
        await Promise.all(
          services.map(async (s) => {
            const ok = await fetch(`http://127.0.0.1:${s.port}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
              (r) => r.ok,
              () => false,
            );
            if (!ok) notReadyAt.get(s.name)!.push(Date.now());
          }),
        );
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
  });

  afterAll(async () => {
    monitoring = false;
    await monitor;
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await Promise.all([telnyx, mailgun, hooks].map((s) => s?.close()));
    await pool?.end();
  });

  it('completes every execution once, keeps every service alive, and health tells the truth', async () => {
    const org = await family.create(pool, { name: 'Self-healing Co' });
    const client = await createClient(pool, org, { name: 'Heal', phone: '+15557770000', email: 'heal@example.com' });
    const onCompleted = { id: 't', type: 'trigger' as const, trigger: { type: 'job_completed' as const } };
    const workflows = [
      await createActiveWorkflow(
        pool,
        org,
        { nodes: [onCompleted, { id: 'sms', type: 'send_sms', config: { body: 'Done: {{ job.title }}' } }], edges: [{ id: 'e', source: 't', target: 'sms' }] },
        'SMS',
      ),
      await createActiveWorkflow(
        pool,
        org,
        {
          nodes: [onCompleted, { id: 'hook', type: 'webhook', config: { url: `${hooks.url}/done`, payload: '{"job":"{{ job.title }}"}' } }],
          edges: [{ id: 'e', source: 't', target: 'hook' }],
        },
        'Webhook',
      ),
      await createActiveWorkflow(
        pool,
        org,
        {
          nodes: [onCompleted, { id: 'mail', type: 'send_email', config: { subject: 'Done: {{ job.title }}', text: 'Thanks' } }],
          edges: [{ id: 'e', source: 't', target: 'mail' }],
        },
        'Email',
      ),
    ];
    const matcher = services.find((s) => s.name === 'matcher')!;
    for (const wf of workflows)
      await waitFor(
        async () => ((await (await fetch(`http://127.0.0.1:${matcher.port}/index/${wf.workflowId}`)).json()) as { present: boolean }).present,
        60_000,
        'the matcher to index the workflow',
      );
    const admin = kafka.admin();
    await admin.connect();
    const startOffsets = await admin.fetchTopicOffsets(TOPICS.stepResults);
    await admin.disconnect();

    // completed executions of this organization, polled from the executor's table (a failed poll while PostgreSQL is down counts as no news)
    let completedNow = 0;
    const completions: { at: number; n: number }[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const n = await pool
          .query<{ n: string }>(`SELECT count(*)::text AS n FROM automation_executions WHERE organization_id = $1 AND state = 'completed'`, [org])
          .then((r) => Number(r.rows[0]!.n))
          .catch(() => null);
        if (n !== null && n > completedNow) {
          completedNow = n;
          completions.push({ at: Date.now(), n });
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    let jobs = 0;
    const insertJobs = async (n: number): Promise<void> => {
      const from = jobs;
      jobs += n;
      await pool.query(
        `INSERT INTO jobs (organization_id, client_id, title, status) SELECT $1, $2, 'heal-' || g, 'completed' FROM generate_series($3::int, $4::int) g`,
        [org, client, from, from + n - 1],
      );
    };

    const report: Record<string, unknown>[] = [];
    try {
      for (const fault of FAULTS) {
        // the pid first (the CLI takes a second or two): the kill must land while the batch is flowing
        const pid = await pidOf(fault);
        await insertJobs(JOBS_PER_FAULT);
        const target = jobs * 3;
        await waitFor(async () => completedNow >= target - JOBS_PER_FAULT * 3 * 0.8, 300_000, `a fifth of the ${fault} phase`, 20);
        const atKill = completedNow;
        const downAt = Date.now();
        process.kill(pid, 'SIGKILL');
        await new Promise((r) => setTimeout(r, 1000));
        // while the broker or Connect is down, business goes on: these jobs wait for the part to come back
        if (fault !== 'postgres') await insertJobs(100);
        // long enough for every probe to notice
        await new Promise((r) => setTimeout(r, 8000));
        await stackUp();
        const upAt = Date.now();
        // the services may well have caught up before the CLI returns (it checks topics and the connector after starting the part)
        await waitFor(
          async () => completedNow >= jobs * 3,
          600_000,
          `all ${jobs * 3} executions after the ${fault} fault`,
          200,
          () => `${completedNow} so far`,
        );
        const allDoneAt = Date.now();
        // no completion is seen while PostgreSQL or the broker is down; while Connect is down, rows captured before go on
        const resumed = completions.find((c) => c.at > downAt && c.n > atKill);
        const notReady = Object.fromEntries([...notReadyAt].map(([name, ts]) => [name, ts.filter((t) => t >= downAt && t <= upAt + 30_000).length]));
        // the kill landed while executions were flowing
        expect({ fault, inFlightAtKill: atKill < target }).toEqual({ fault, inFlightAtKill: true });
        report.push({
          fault,
          completedAtKill: atKill - (target - JOBS_PER_FAULT * 3),
          downMs: upAt - downAt,
          firstCompletionAfterKillMs: resumed ? resumed.at - downAt : null,
          drainedAfterUpMs: allDoneAt - upAt,
          notReadyPolls: notReady,
        });
        // the services that depend on the part said so while it was down
        const expectNotReady: Record<Fault, string[]> = {
          postgres: ['ingest', 'executor', 'metrics'],
          kafka: ['ingest', 'matcher', 'executor', 'metrics'],
          connect: ['ingest'],
        };
        for (const name of expectNotReady[fault]) expect({ fault, name, saidNotReady: (notReady[name] ?? 0) > 0 }).toEqual({ fault, name, saidNotReady: true });
        // and every service is ready again
        for (const s of services)
          await waitFor(async () => (await fetch(`http://127.0.0.1:${s.port}/health/ready`)).ok, 120_000, `${s.name} ready after the ${fault} fault`);
      }
    } finally {
      polling = false;
      await poller;
      console.log(JSON.stringify({ selfHealing: report, jobs, executions: jobs * 3 }));
    }

    // no service process exited at any point
    for (const s of services) expect({ service: s.name, exited: s.exited() }).toEqual({ service: s.name, exited: false });

    // the step-results topic (read_committed) from before the first job: every execution completed, once
    const isCompletion = (r: StepResult) => r.kind === 'execution_completed' && r.organizationId === org;
    const results = await readFrom(
      kafka,
      TOPICS.stepResults,
      startOffsets,
      family.ours<StepResult>,
      (seen) => new Set(seen.filter(isCompletion).map((r) => r.executionId)).size >= jobs * 3,
    );
    const completed = results.filter(isCompletion);
    expect(new Set(completed.map((r) => r.executionId)).size).toBe(jobs * 3);
    expect(completed.length).toBe(jobs * 3);
    const perWorkflow = new Map<string, number>();
    for (const r of completed) perWorkflow.set(r.workflowId, (perWorkflow.get(r.workflowId) ?? 0) + 1);
    for (const wf of workflows) expect(perWorkflow.get(wf.workflowId)).toBe(jobs);

    // nobody got a message twice, and everybody got theirs
    const texts = telnyx.received.filter((m) => m.to === '+15557770000').map((m) => m.text);
    expect(new Set(texts).size).toBe(texts.length);
    expect(texts.length).toBe(jobs);
    const subjects = mailgun.received.filter((m) => m.to.includes('heal@example.com')).map((m) => m.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
    expect(subjects.length).toBe(jobs);
    // webhooks may be resent after a crash, always with the same key: distinct keys = executions
    const keys = hooks.received.filter((r) => r.path === '/done').map((r) => r.idempotencyKey);
    expect(keys.every((k) => typeof k === 'string' && k.length > 0)).toBe(true);
    expect(new Set(keys).size).toBe(jobs);
  });
});

/**
 * Reads `topic` (read_committed) from the offsets `from`, keeping what `map` returns, until `enough`
 * holds and then nothing new arrived for a while (what could come twice is already in the log).
 */
const readFrom = async <T>(
  kafka: Kafka,
  topic: string,
  from: { partition: number; offset: string }[],
  map: (m: KafkaMessage) => T | undefined,
  enough: (seen: T[]) => boolean,
): Promise<T[]> => {
  const groupId = `fixlify-test-range-${randomUUID()}`;
  // the group starts exactly at `from` (a seek right after run can come before the assignment)
  const admin = kafka.admin();
  await admin.connect();
  await admin.setOffsets({ groupId, topic, partitions: from.map((p) => ({ partition: p.partition, offset: p.offset })) });
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100, maxBytesPerPartition: 8 * 1024 * 1024 });
  const out: T[] = [];
  let lastMessageAt = Date.now();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: false });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      lastMessageAt = Date.now();
      const v = map(message);
      if (v !== undefined) out.push(v);
    },
  });
  await waitFor(async () => enough(out), 300_000, `enough messages on ${topic} (${out.length} so far)`);
  await waitFor(async () => Date.now() - lastMessageAt > 3000, 300_000, `the end of ${topic}`);
  await consumer.disconnect();
  return out;
};
