import type { Pool } from 'pg';
import type { Kafka, Producer } from 'kafkajs';
import { DateTime } from 'luxon';
import { TOPICS, type Command, type DeadLetter, type StepResult, type WorkflowDefinitionInput } from '@fixlify/contracts';
import {
  allowLoopback,
  freePort,
  organizationFamily,
  createActiveWorkflow,
  createClient,
  startMailgunStandin,
  startService,
  startTelnyxStandin,
  startWebhookReceiver,
  tailTopic,
  testKafka,
  testPool,
  waitFor,
  type MailgunStandin,
  type ServiceProcess,
  type TelnyxStandin,
  type TopicTail,
  type WebhookReceiver,
} from '@fixlify/testing';

type Ended = Extract<StepResult, { kind: 'execution_completed' | 'execution_failed' | 'execution_cancelled' }>;
type Failed = Extract<StepResult, { kind: 'step_failed' }>;
type Succeeded = Extract<StepResult, { kind: 'step_succeeded' }>;

/**
 * What goes wrong, on the real stack: provider errors and retries, consent and quiet hours,
 * cancellation, and hostile or broken input. The executor must answer each with a clear step
 * error and keep running.
 */
// the project's testTimeout does not reach hooks in every jest mode: set it here
jest.setTimeout(240_000);

describe('executor: retries, consent, quiet hours, cancel and bad input', () => {
  let pool: Pool;
  let kafka: Kafka;
  let producer: Producer;
  let results: TopicTail<StepResult>;
  let dlq: TopicTail<DeadLetter>;
  let mailgun: MailgunStandin;
  let telnyx: TelnyxStandin;
  let hooks: WebhookReceiver;
  let lateReceiverPort = 0;
  const services: ServiceProcess[] = [];

  // this file's organizations share an id prefix: readers skip everyone else's messages without parsing them
  const family = organizationFamily();
  const createOrganization = family.create;
  const ours = family.ours;

  beforeAll(async () => {
    pool = testPool();
    kafka = testKafka();
    producer = kafka.producer();
    await producer.connect();
    [mailgun, telnyx, hooks] = await Promise.all([startMailgunStandin(), startTelnyxStandin(), startWebhookReceiver()]);
    // a port for the receiver one test starts later: the executor allows exactly the ports it needs
    lateReceiverPort = await freePort();
    const env = {
      OUTBOUND_ALLOWED_HOSTS: allowLoopback(hooks, lateReceiverPort),
      MAILGUN_API_BASE: mailgun.url,
      MAILGUN_API_KEY: 'key-test',
      TELNYX_API_BASE: telnyx.url,
      TELNYX_API_KEY: 'KEY_test',
      EXECUTOR_TIMER_POLL_MS: '50',
    };
    results = await tailTopic(kafka, TOPICS.stepResults, ours<StepResult>);
    dlq = await tailTopic(kafka, TOPICS.dlq, (m) => (m.value?.includes('bad-command-') ? (JSON.parse(m.value.toString('utf8')) as DeadLetter) : undefined));
    for (const name of ['ingest', 'matcher', 'executor', 'metrics'] as const) services.push(await startService(name, env, `exec-failures-${name}`));
    await Promise.all([...services.map((s) => s.waitReady(90_000)), results.ready, dlq.ready]);
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await results?.stop();
    await dlq?.stop();
    await producer?.disconnect();
    await Promise.all([mailgun, telnyx, hooks].map((s) => s?.close()));
    await pool?.end();
  });

  const executor = () => services.find((s) => s.name === 'executor')!;

  const publish = async (org: string, def: WorkflowDefinitionInput) => {
    const wf = await createActiveWorkflow(pool, org, def);
    const matcher = services.find((s) => s.name === 'matcher')!;
    await waitFor(
      async () => {
        const r = await fetch(`http://127.0.0.1:${matcher.port}/index/${wf.workflowId}`);
        return ((await r.json()) as { present: boolean }).present;
      },
      60_000,
      'the matcher to know the published workflow',
    );
    return wf;
  };
  const onJob = (title: string) => ({
    id: 't',
    type: 'trigger' as const,
    trigger: { type: 'job_created' as const, filter: { field: 'after.title', op: 'eq' as const, value: title } },
  });
  const one = (title: string, node: WorkflowDefinitionInput['nodes'][number]): WorkflowDefinitionInput => ({
    nodes: [onJob(title), node],
    edges: [{ id: 'e', source: 't', target: node.id }],
  });
  const insertJob = async (org: string, client: string | null, title: string): Promise<string> =>
    (await pool.query<{ id: string }>(`INSERT INTO jobs (organization_id, client_id, title) VALUES ($1, $2, $3) RETURNING id`, [org, client, title])).rows[0]!
      .id;

  const ofWorkflow = (workflowId: string) => results.seen.filter((r) => r.workflowId === workflowId).sort((a, b) => a.seq - b.seq);
  const ended = async (workflowId: string, timeoutMs = 150_000): Promise<{ all: StepResult[]; end: Ended }> => {
    await results.until(
      (rs) => rs.some((r) => r.workflowId === workflowId && r.kind.startsWith('execution_') && !['execution_started', 'execution_waiting'].includes(r.kind)),
      timeoutMs,
      `the end of ${workflowId}`,
    );
    const all = ofWorkflow(workflowId);
    return { all, end: all.find((r): r is Ended => r.kind === 'execution_completed' || r.kind === 'execution_failed' || r.kind === 'execution_cancelled')! };
  };
  const logOf = (workflowId: string, status: string) =>
    waitFor(
      async () =>
        (
          await pool.query<{
            status: string;
            retry_count: number;
            error_message: string | null;
            actions_executed: { status: string; error?: { message: string } }[];
          }>('SELECT status, retry_count, error_message, actions_executed FROM automation_execution_logs WHERE workflow_id = $1 AND status = $2', [
            workflowId,
            status,
          ])
        ).rows[0],
      30_000,
      `the ${status} execution log of ${workflowId}`,
    );
  const fast = { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 200 };

  describe('retries', () => {
    it('retries 5xx with the same Idempotency-Key, then succeeds; retry_count reaches the log', async () => {
      const org = await createOrganization(pool, { name: 'Retry 5xx' });
      const wf = await publish(org, one('retry-5xx', { id: 'hook', type: 'webhook', config: { url: `${hooks.url}/5xx/${org}` }, retry: fast }));
      hooks.failNext(2, 503);
      await insertJob(org, null, 'retry-5xx');
      const { all, end } = await ended(wf.workflowId);
      expect(end.kind).toBe('execution_completed');
      const attempts = all.filter((r): r is Failed | Succeeded => r.kind === 'step_failed' || r.kind === 'step_succeeded');
      expect(attempts.map((r) => [r.kind, r.attempt])).toEqual([
        ['step_failed', 1],
        ['step_failed', 2],
        ['step_succeeded', 3],
      ]);
      const failed = attempts[0] as Failed;
      expect(failed.error).toMatchObject({ code: 'provider_unavailable', retryable: true });
      expect(failed.retryAt).not.toBeNull();
      const got = hooks.received.filter((r) => r.path === `/5xx/${org}`);
      expect(got).toHaveLength(3);
      expect(new Set(got.map((r) => r.idempotencyKey)).size).toBe(1);
      const log = await logOf(wf.workflowId, 'completed');
      expect(log.retry_count).toBe(2);
      expect(log.actions_executed.map((a) => a.status)).toEqual(['retrying', 'retrying', 'succeeded']);
      expect(log.actions_executed[0]!.error!.message).toMatch(/HTTP 503/);
    });

    it('honours Retry-After on a 429', async () => {
      const org = await createOrganization(pool, { name: 'Retry 429' });
      const wf = await publish(
        org,
        one('retry-429', {
          id: 'hook',
          type: 'webhook',
          config: { url: `${hooks.url}/429/${org}` },
          retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20 },
        }),
      );
      hooks.failNext(1, 429, 2);
      await insertJob(org, null, 'retry-429');
      const { end, all } = await ended(wf.workflowId);
      expect(end.kind).toBe('execution_completed');
      const got = hooks.received.filter((r) => r.path === `/429/${org}`);
      expect(got).toHaveLength(2);
      // the back-off alone would be ≤ 10 ms: the provider's 2 s came first
      expect(new Date(got[1]!.receivedAt).getTime() - new Date(got[0]!.receivedAt).getTime()).toBeGreaterThanOrEqual(1950);
      const f = all.find((r): r is Failed => r.kind === 'step_failed')!;
      expect(f.error.code).toBe('rate_limited');
      expect(new Date(f.retryAt!).getTime() - new Date(f.at).getTime()).toBeGreaterThanOrEqual(1999);
    });

    it('does not retry a 4xx: the execution fails with the reason in the log', async () => {
      const org = await createOrganization(pool, { name: 'Retry 4xx' });
      const wf = await publish(org, one('retry-4xx', { id: 'hook', type: 'webhook', config: { url: `${hooks.url}/4xx/${org}` }, retry: fast }));
      hooks.failNext(1, 422);
      await insertJob(org, null, 'retry-4xx');
      const { end } = await ended(wf.workflowId);
      expect(end.kind === 'execution_failed' && end.error).toMatchObject({ code: 'invalid_request', retryable: false });
      expect(hooks.received.filter((r) => r.path === `/4xx/${org}`)).toHaveLength(1);
      const log = await logOf(wf.workflowId, 'failed');
      expect(log.retry_count).toBe(0);
      expect(log.error_message).toMatch(/HTTP 422/);
    });

    it('gives up after the last attempt and says so in the log', async () => {
      const org = await createOrganization(pool, { name: 'Retry exhausted' });
      const wf = await publish(
        org,
        one('retry-out', { id: 'hook', type: 'webhook', config: { url: `${hooks.url}/out/${org}` }, retry: { ...fast, maxAttempts: 2 } }),
      );
      hooks.failNext(2, 500);
      await insertJob(org, null, 'retry-out');
      const { end } = await ended(wf.workflowId);
      expect(end.kind).toBe('execution_failed');
      const log = await logOf(wf.workflowId, 'failed');
      expect(log.retry_count).toBe(1);
      expect(log.error_message).toMatch(/gave up after 2 attempts: HTTP 500/);
    });
  });

  describe('consent and quiet hours', () => {
    it('suppresses an SMS to a client without SMS consent, and records why', async () => {
      const org = await createOrganization(pool, { name: 'No consent' });
      const client = await createClient(pool, org, { name: 'Quiet', phone: '+15550009999', smsConsent: false });
      const wf = await publish(org, one('no-sms', { id: 'sms', type: 'send_sms', config: { body: 'promo' } }));
      await insertJob(org, client, 'no-sms');
      const { all, end } = await ended(wf.workflowId);
      expect(end.kind).toBe('execution_completed');
      const step = all.find((r): r is Succeeded => r.kind === 'step_succeeded')!;
      expect(step.delivery).toBe('suppressed');
      expect(step.output.reason).toBe('client has no sms consent');
      expect(telnyx.received.some((m) => m.to === '+15550009999')).toBe(false);
      const ledger = await pool.query('SELECT status, error FROM automation_deliveries WHERE step_key = $1', [`${end.executionId}:sms`]);
      expect(ledger.rows).toEqual([{ status: 'suppressed', error: 'client has no sms consent' }]);
    });

    it('suppresses an email to an address that unsubscribed (a suppression row)', async () => {
      const org = await createOrganization(pool, { name: 'Unsubscribed' });
      const client = await createClient(pool, org, { name: 'Gone', email: 'Gone@Example.com' });
      await pool.query(
        `INSERT INTO communication_suppressions (organization_id, channel, address, reason) VALUES ($1, 'email', 'gone@example.com', 'unsubscribe link')`,
        [org],
      );
      const wf = await publish(org, one('no-mail', { id: 'mail', type: 'send_email', config: { subject: 'Hi', text: 'news' } }));
      await insertJob(org, client, 'no-mail');
      const { all, end } = await ended(wf.workflowId);
      expect(end.kind).toBe('execution_completed');
      const step = all.find((r): r is Succeeded => r.kind === 'step_succeeded')!;
      expect(step.delivery).toBe('suppressed');
      expect(step.output.reason).toBe('suppressed: unsubscribe link');
      expect(mailgun.received.some((m) => m.to.includes('Gone@Example.com'))).toBe(false);
      const ledger = await pool.query('SELECT status, error FROM automation_deliveries WHERE step_key = $1', [`${end.executionId}:mail`]);
      expect(ledger.rows[0]).toEqual({ status: 'suppressed', error: 'suppressed: unsubscribe link' });
    });

    it('holds an SMS during quiet hours (in the organization’s zone) and sends it when the window opens', async () => {
      const zone = 'Asia/Tokyo';
      // a one-minute window around now, in Tokyo; start in a fresh minute so the window is still open
      let local = DateTime.now().setZone(zone);
      if (local.second > 45) {
        await new Promise((r) => setTimeout(r, (61 - local.second) * 1000));
        local = DateTime.now().setZone(zone);
      }
      const windowEnd = local.startOf('minute').plus({ minutes: 1 });
      const org = await createOrganization(pool, { name: 'Quiet hours', timeZone: zone, quietHours: [local.toFormat('HH:mm'), windowEnd.toFormat('HH:mm')] });
      const client = await createClient(pool, org, { name: 'Night', phone: '+15550007777' });
      const wf = await publish(org, one('quiet', { id: 'sms', type: 'send_sms', config: { body: 'good morning' } }));
      await insertJob(org, client, 'quiet');
      await results.until((rs) => rs.some((r) => r.workflowId === wf.workflowId && r.kind === 'execution_waiting'), 150_000, 'the quiet-hours wait');
      const waiting = ofWorkflow(wf.workflowId).find((r) => r.kind === 'execution_waiting')!;
      expect(waiting.kind === 'execution_waiting' && waiting.reason).toBe('quiet_hours');
      expect(waiting.kind === 'execution_waiting' && new Date(waiting.until).getTime()).toBe(windowEnd.toMillis());
      const { end } = await ended(wf.workflowId, 120_000);
      expect(end.kind).toBe('execution_completed');
      const sms = telnyx.received.filter((m) => m.to === '+15550007777');
      expect(sms).toHaveLength(1);
      expect(new Date(sms[0]!.receivedAt).getTime()).toBeGreaterThanOrEqual(windowEnd.toMillis());
    });
  });

  it('cancels a waiting execution: its timer is gone and a late continuation is dropped', async () => {
    const org = await createOrganization(pool, { name: 'Cancel Co' });
    const wf = await publish(org, {
      nodes: [
        onJob('cancel-me'),
        { id: 'wait', type: 'delay', config: { mode: 'duration', seconds: 600 } },
        { id: 'hook', type: 'webhook', config: { url: `${hooks.url}/cancel/${org}` } },
      ],
      edges: [
        { id: 'a', source: 't', target: 'wait' },
        { id: 'b', source: 'wait', target: 'hook' },
      ],
    });
    await insertJob(org, null, 'cancel-me');
    await results.until((rs) => rs.some((r) => r.workflowId === wf.workflowId && r.kind === 'execution_waiting'), 150_000, 'the wait');
    const started = ofWorkflow(wf.workflowId)[0]!;
    const timer = await waitFor(
      async () => (await pool.query<{ command: Command }>('SELECT command FROM automation_timers WHERE execution_id = $1', [started.executionId])).rows[0],
      10_000,
      'the timer',
    );
    const cancel: Command = {
      v: 1,
      kind: 'cancel',
      executionId: started.executionId,
      organizationId: org,
      workflowId: wf.workflowId,
      versionId: wf.versionId,
      version: wf.version,
      issuedAt: new Date().toISOString(),
      commandId: `cancel:${started.executionId}`,
      reason: 'the customer called to cancel',
    };
    await producer.send({ topic: TOPICS.commands, messages: [{ key: started.executionId, value: JSON.stringify(cancel) }] });
    const { end } = await ended(wf.workflowId);
    expect(end.kind === 'execution_cancelled' && end.reason).toBe('the customer called to cancel');
    expect((await pool.query('SELECT 1 FROM automation_timers WHERE execution_id = $1', [started.executionId])).rowCount).toBe(0);
    expect((await pool.query('SELECT state FROM automation_executions WHERE id = $1', [started.executionId])).rows[0]).toEqual({ state: 'cancelled' });
    // the continuation arrives anyway (a timer fired just before the cancel): dropped
    await producer.send({
      topic: TOPICS.commands,
      messages: [{ key: started.executionId, value: JSON.stringify({ ...timer.command, issuedAt: new Date().toISOString() }) }],
    });
    await logOf(wf.workflowId, 'cancelled');
    await new Promise((r) => setTimeout(r, 1500));
    expect(hooks.received.some((r) => r.path === `/cancel/${org}`)).toBe(false);
    expect(ofWorkflow(wf.workflowId).filter((r) => r.kind === 'step_succeeded' && r.stepId === 'hook')).toEqual([]);
  });

  describe('hostile and broken input', () => {
    it.each([
      ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a link_local address/],
      ['a private address', 'http://10.0.0.1/internal', /10\.0\.0\.1 is a private address/],
      ['a file URL', 'file:///etc/passwd', /only http and https/],
    ])('refuses a webhook to %s (SSRF) with a clear, final error', async (_what, url, message) => {
      const org = await createOrganization(pool, { name: `SSRF ${url}` });
      const wf = await publish(org, one('ssrf', { id: 'hook', type: 'webhook', config: { url }, retry: fast }));
      await insertJob(org, null, 'ssrf');
      const { end, all } = await ended(wf.workflowId);
      expect(end.kind === 'execution_failed' && end.error.code).toBe('ssrf_blocked');
      expect(end.kind === 'execution_failed' && end.error.message).toMatch(message);
      expect(all.filter((r) => r.kind === 'step_failed')).toHaveLength(1);
    });

    it('refuses an api_call to a private address too', async () => {
      const org = await createOrganization(pool, { name: 'SSRF api' });
      const wf = await publish(org, one('ssrf-api', { id: 'api', type: 'api_call', config: { url: 'http://10.0.0.1:8080/admin', saveAs: 'x' } }));
      await insertJob(org, null, 'ssrf-api');
      const { end } = await ended(wf.workflowId);
      expect(end.kind === 'execution_failed' && end.error.code).toBe('ssrf_blocked');
    });

    it('renders hostile templates as harmless data, and refuses code-like ones before sending', async () => {
      const org = await createOrganization(pool, { name: 'Hostile' });
      const client = await createClient(pool, org, { name: '{{ 7 * 7 }}<script>' });
      const harmless = await publish(
        org,
        one('hostile-1', {
          id: 'hook',
          type: 'webhook',
          config: { url: `${hooks.url}/hostile/${org}`, payload: '{{ client.name }}|{{ job.constructor.name }}|{{ __proto__ }}|{{ client.tags.constructor }}' },
        }),
      );
      const codeLike = await publish(
        org,
        one('hostile-2', {
          id: 'hook',
          type: 'webhook',
          config: { url: `${hooks.url}/hostile2/${org}`, payload: '{{ constructor.constructor("return process")() }}' },
        }),
      );
      await insertJob(org, client, 'hostile-1');
      await insertJob(org, client, 'hostile-2');
      expect((await ended(harmless.workflowId)).end.kind).toBe('execution_completed');
      // a value is never re-rendered as a template
      expect(hooks.received.find((r) => r.path === `/hostile/${org}`)!.body).toBe('{{ 7 * 7 }}<script>|||');
      const { end } = await ended(codeLike.workflowId);
      expect(end.kind === 'execution_failed' && end.error.code).toBe('template_invalid');
      expect(hooks.received.some((r) => r.path === `/hostile2/${org}`)).toBe(false);
    });

    it('fails oversized payloads and responses with clear errors', async () => {
      const org = await createOrganization(pool, { name: 'Oversized' });
      const client = await createClient(pool, org, { name: 'é'.repeat(600) });
      const big = await publish(
        org,
        one('too-big', {
          id: 'hook',
          type: 'webhook',
          config: { url: `${hooks.url}/big/${org}`, payload: '{% for i in (1..1000) %}{{ client.name }}{% endfor %}' },
        }),
      );
      const huge = await publish(
        org,
        one('too-huge', {
          id: 'hook',
          type: 'webhook',
          config: { url: `${hooks.url}/huge/${org}`, payload: '{% for i in (1..3000) %}{{ client.name }}{% endfor %}' },
        }),
      );
      const api = await startWebhookReceiver({ port: lateReceiverPort });
      try {
        api.respondWith(200, JSON.stringify({ blob: 'z'.repeat(100_000) }));
        const saved = await publish(org, one('too-much', { id: 'api', type: 'api_call', config: { url: `${api.url}/blob`, saveAs: 'blob' } }));
        await insertJob(org, client, 'too-big');
        await insertJob(org, client, 'too-huge');
        await insertJob(org, client, 'too-much');
        const r1 = (await ended(big.workflowId)).end;
        expect(r1.kind === 'execution_failed' && r1.error).toMatchObject({ code: 'payload_too_large', retryable: false });
        const r2 = (await ended(huge.workflowId)).end;
        expect(r2.kind === 'execution_failed' && r2.error.code).toMatch(/^template_(output_too_large|render_failed)$/);
        const r3 = (await ended(saved.workflowId)).end;
        expect(r3.kind === 'execution_failed' && r3.error.code).toBe('response_too_large');
        expect(hooks.received.some((r) => r.path === `/big/${org}` || r.path === `/huge/${org}`)).toBe(false);
      } finally {
        await api.close();
      }
    });

    it('fails a definition the walker cannot follow (a loop without a body)', async () => {
      const org = await createOrganization(pool, { name: 'Broken graph' });
      const wf = await publish(org, one('broken', { id: 'each', type: 'loop', config: { over: 'client.tags' } }));
      const client = await createClient(pool, org);
      await pool.query(`UPDATE clients SET tags = ARRAY['a'] WHERE id = $1`, [client]);
      await insertJob(org, client, 'broken');
      const { end } = await ended(wf.workflowId);
      expect(end.kind === 'execution_failed' && end.error.code).toBe('walker_state_invalid');
      expect(end.kind === 'execution_failed' && end.error.message).toMatch(/Loop "each" has no body/);
    });

    it('dead-letters a command that is not a valid command, with the reason, and keeps running', async () => {
      const key = `bad-command-${Date.now()}`;
      await producer.send({
        topic: TOPICS.commands,
        messages: [
          { key, value: '{"v":1,"kind":"start","executionId":"not-a-uuid"' },
          { key, value: JSON.stringify({ v: 1, kind: 'start', executionId: 'not-a-uuid', definition: { nodes: 'nope' } }) },
        ],
      });
      await dlq.until((ds) => ds.filter((d) => d.origin.key === key && d.consumer === 'executor').length >= 2, 30_000, 'the dead letters');
      const reasons = dlq.seen.filter((d) => d.origin.key === key && d.consumer === 'executor').map((d) => d.reason);
      expect(reasons[0]).toMatch(/^not JSON/);
      expect(reasons[1]).toMatch(/^schema: /);
      // still alive and working
      expect(executor().exited()).toBe(false);
      const org = await createOrganization(pool, { name: 'After bad input' });
      const wf = await publish(org, one('still-ok', { id: 'hook', type: 'webhook', config: { url: `${hooks.url}/ok/${org}` } }));
      await insertJob(org, null, 'still-ok');
      expect((await ended(wf.workflowId)).end.kind).toBe('execution_completed');
    });
  });
});
