import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import type { Pool } from 'pg';
import { TOPICS, type Command, type DomainEvent, type StepResult } from '@fixlify/contracts';
import {
  allowLoopback,
  createOrganization,
  freePort,
  jsonWhere,
  startService,
  startSmtpStandin,
  startWebhookReceiver,
  tailTopic,
  testKafka,
  testPool,
  waitFor,
  type ServiceProcess,
  type SmtpStandin,
  type TopicTail,
  type WebhookReceiver,
} from '@fixlify/testing';

type Org = 'X' | 'Y';
type Role = 'owner' | 'editor' | 'viewer';
interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- replies are checked field by field
  body: any;
  text: string;
}
type Ended = Extract<StepResult, { kind: 'execution_completed' | 'execution_failed' }>;

const BANNER = 'INTERNAL-ADMIN-BANNER-do-not-leak';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Tenant isolation on the real stack (issue 11, items 1–6), with two organizations X and Y:
 * organizations' own provider endpoints go through the outbound guard, the allow-list names ports,
 * manual runs have one authenticated way in, each organization signs webhooks with its own rotatable
 * secret, a trigger's payload cannot replace the ids the system derived (also on retry), and every id
 * a step writes must be the execution's organization's. Each test fails on the code before this change.
 */
jest.setTimeout(300_000);

describe('tenant isolation: provider endpoints, allow-list ports, manual runs, signing secrets, trigger ids, record references', () => {
  let pool: Pool;
  let results: TopicTail<StepResult>;
  let receiver: WebhookReceiver;
  let rejecting: WebhookReceiver;
  let smtp: SmtpStandin;
  /** an internal HTTP admin API on loopback (the kind Kafka Connect or ingest serve), reachable by nobody's workflow */
  let internal: HttpServer;
  let internalPort = 0;
  let internalConnections = 0;
  let internalRequests = 0;
  /** an internal TCP service on a port the deployment allows for SMTP, but on loopback */
  let banner: TcpServer;
  let bannerPort = 0;
  let bannerConnections = 0;
  let ingestTriggerPort = 0;
  const services: ServiceProcess[] = [];
  let base = '';
  const orgs = {} as Record<Org, string>;
  const keys = { X: {}, Y: {} } as Record<Org, Record<Role, string>>;

  const call = async (key: string, method: string, path: string, body?: unknown): Promise<Reply> => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: r.status, body: parsed, text };
  };
  const svc = (name: string) => services.find((s) => s.name === name)!;
  const manualDraft = (...steps: Record<string, unknown>[]) => ({
    nodes: [{ id: 'trigger', type: 'trigger', trigger: { type: 'manual' } }, ...steps.map((s, i) => ({ id: `s${i}`, ...s }))],
    edges: steps.map((_, i) => ({ id: `e${i}`, source: i === 0 ? 'trigger' : `s${i - 1}`, target: `s${i}` })),
  });
  /** a draft of `org` run once by the API's test run; resolves with the run's execution id */
  const testRun = async (org: Org, definition: unknown, body: Record<string, unknown> = {}): Promise<string> => {
    const created = await call(keys[org].editor, 'POST', '/api/workflows', { name: `isolation ${org}`, definition });
    expect(created.status).toBe(201);
    const run = await call(keys[org].editor, 'POST', `/api/workflows/${created.body.id}/test-run`, body);
    expect([run.status, run.text]).toEqual([202, expect.any(String)]);
    return run.body.executionId as string;
  };
  const ended = async (executionId: string): Promise<{ end: Ended; steps: StepResult[] }> => {
    const of = () => results.seen.filter((r) => r.executionId === executionId);
    await results.until(
      () => of().some((r) => r.kind === 'execution_completed' || r.kind === 'execution_failed'),
      90_000,
      `the end of execution ${executionId}`,
    );
    return { end: of().find((r) => r.kind === 'execution_completed' || r.kind === 'execution_failed') as Ended, steps: of() };
  };
  const failure = async (executionId: string) => {
    const { end } = await ended(executionId);
    expect(end.kind).toBe('execution_failed');
    return end.kind === 'execution_failed' ? end.error : null;
  };
  const publishActive = async (org: Org, definition: unknown): Promise<string> => {
    const created = await call(keys[org].editor, 'POST', '/api/workflows', { name: `isolation manual ${org}`, definition });
    expect((await call(keys[org].editor, 'POST', `/api/workflows/${created.body.id}/publish`, { activate: true })).status).toBe(200);
    const id = created.body.id as string;
    await waitFor(
      async () => ((await (await fetch(`http://127.0.0.1:${svc('matcher').port}/index/${id}`)).json()) as { present: boolean }).present,
      90_000,
      'the matcher to index the workflow',
    );
    return id;
  };

  beforeAll(async () => {
    pool = testPool();
    [receiver, rejecting, smtp] = await Promise.all([startWebhookReceiver(), startWebhookReceiver(), startSmtpStandin({ auth: { user: 'u', pass: 'pw' } })]);
    rejecting.respondWith(400, JSON.stringify({ error: 'refused on purpose' }));
    internal = createHttpServer((req, res) => {
      internalRequests++;
      req.resume();
      res.writeHead(400, { 'content-type': 'text/plain' }).end(BANNER);
    });
    internal.on('connection', () => internalConnections++);
    await new Promise<void>((r) => internal.listen(0, '127.0.0.1', r));
    internalPort = (internal.address() as AddressInfo).port;
    banner = createTcpServer((socket) => {
      bannerConnections++;
      socket.end(`220 ${BANNER}\r\n`);
    });
    await new Promise<void>((r) => banner.listen(0, '127.0.0.1', r));
    bannerPort = (banner.address() as AddressInfo).port;
    ingestTriggerPort = await freePort();

    results = await tailTopic(
      testKafka(),
      TOPICS.stepResults,
      jsonWhere<StepResult>((r) => r.organizationId === orgs.X || r.organizationId === orgs.Y),
    );
    const env = {
      // exactly the stand-ins: not Kafka Connect, not ingest, not the internal admin API on the same loopback
      OUTBOUND_ALLOWED_HOSTS: allowLoopback(receiver, rejecting, smtp.port),
      // the stand-in's port and the internal service's are "submission ports" here; the address check still applies
      SMTP_ALLOWED_PORTS: `587,${smtp.port},${bannerPort}`,
      EXECUTOR_CREDENTIALS_TTL_MS: '0',
      WORKFLOW_ACTIVATION_GRACE_MS: '1000',
      INGEST_TRIGGER_PORT: String(ingestTriggerPort),
      CLOCK_ENABLED: 'false',
      CDC_WATCH_ENABLED: 'false',
    };
    for (const name of ['ingest', 'matcher', 'executor', 'metrics', 'api'] as const) services.push(await startService(name, env, `tenant-isolation-${name}`));
    await Promise.all([...services.map((s) => s.waitReady(120_000)), results.ready]);
    base = `http://127.0.0.1:${svc('api').port}`;
    const tag = `${process.pid}-${Date.now()}`;
    orgs.X = await createOrganization(pool, { name: `Isolation X ${tag}` });
    orgs.Y = await createOrganization(pool, { name: `Isolation Y ${tag}` });
    for (const org of ['X', 'Y'] as const)
      for (const role of ['owner', 'editor', 'viewer'] as const) {
        const prefix = randomBytes(6).toString('hex').slice(0, 8);
        const key = `fx_${prefix}_${randomBytes(32).toString('base64url')}`;
        await pool.query(`INSERT INTO api_keys (organization_id, name, prefix, key_hash, role) VALUES ($1, $2, $3, $4, $5)`, [
          orgs[org],
          `${org} ${role}`,
          prefix,
          createHash('sha256').update(key).digest('hex'),
          role,
        ]);
        keys[org][role] = key;
      }
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await results?.stop();
    await Promise.all([receiver?.close(), rejecting?.close(), smtp?.close()]);
    await new Promise<void>((r) => (internal ? internal.close(() => r()) : r()));
    await new Promise<void>((r) => (banner ? banner.close(() => r()) : r()));
    await pool?.end();
  });

  describe("1. an organization's own provider endpoints", () => {
    it('refuses a Mailgun API base on an internal address: nothing is sent there and its answer does not reach the log', async () => {
      const put = await call(keys.X.owner, 'PUT', '/api/channels/mailgun', {
        secret: 'key-x-own',
        settings: { domain: 'mg.x.test', from: 'X <hi@x.test>', apiBase: `http://127.0.0.1:${internalPort}` },
      });
      expect(put.status).toBe(200);
      const bad = await call(keys.X.owner, 'PUT', '/api/channels/mailgun', {
        secret: 'key-x-own',
        settings: { domain: 'mg.x.test', from: 'X <hi@x.test>', apiBase: 'file:///etc/passwd' },
      });
      expect([bad.status, bad.body.code, bad.body.message]).toEqual([400, 'validation_failed', expect.stringMatching(/settings\.apiBase: an http\(s\) URL/)]);
      const run = await testRun(
        'X',
        manualDraft({ type: 'send_email', config: { provider: 'mailgun', to: 'someone@example.com', subject: 'hello', text: 'hi' } }),
      );
      const error = await failure(run);
      expect(error).toMatchObject({ code: 'ssrf_blocked', retryable: false, message: expect.stringContaining('127.0.0.1 is a loopback address') });
      expect(JSON.stringify(results.seen.filter((r) => r.executionId === run))).not.toContain(BANNER);
      expect(internalRequests).toBe(0);
    });

    it('refuses an SMTP server on a port outside the submission ports, or on a loopback address, without connecting; an allowed one sends', async () => {
      const smtpAccount = (org: Org, port: number) =>
        call(keys[org].owner, 'PUT', '/api/channels/smtp', { secret: 'pw', settings: { host: '127.0.0.1', port, user: 'u', from: 'X <hi@x.test>' } });
      const sendOne = (org: Org, subject: string) =>
        testRun(org, manualDraft({ type: 'send_email', config: { provider: 'smtp', to: 'someone@example.com', subject, text: 'hi' } }));
      const before = { internal: internalConnections, banner: bannerConnections };

      // the HTTP admin port as an "SMTP server": a port scanner before
      expect((await smtpAccount('X', internalPort)).status).toBe(200);
      expect(await failure(await sendOne('X', 'scan'))).toMatchObject({
        code: 'ssrf_blocked',
        message: expect.stringContaining(`SMTP port ${internalPort} is not allowed`),
      });
      // a submission port, but on loopback: the address check refuses it before any connection (no banner in the log)
      expect((await smtpAccount('X', bannerPort)).status).toBe(200);
      const run = await sendOne('X', 'banner');
      expect(await failure(run)).toMatchObject({ code: 'ssrf_blocked', message: expect.stringContaining('127.0.0.1 is a loopback address') });
      expect(JSON.stringify(results.seen.filter((r) => r.executionId === run))).not.toContain(BANNER);
      expect({ internal: internalConnections, banner: bannerConnections }).toEqual(before);

      // Y's server is allowed by the deployment (host:port and port): it is used
      expect((await smtpAccount('Y', smtp.port)).status).toBe(200);
      const ok = await ended(await sendOne('Y', `allowed ${orgs.Y}`));
      expect(ok.end.kind).toBe('execution_completed');
      expect(smtp.received.map((m) => m.subject)).toContain(`allowed ${orgs.Y}`);
    });
  });

  describe('2. the outbound allow-list names ports', () => {
    it("reaches the allowed stand-in's port, not Kafka Connect's admin API, ingest or another service on the same loopback", async () => {
      const connect = process.env.CONNECT_URL ?? 'http://127.0.0.1:28083';
      const cases: [string, Record<string, unknown>][] = [
        ['connect', { url: `${connect}/connectors`, method: 'GET' }],
        ['ingest', { url: `http://127.0.0.1:${ingestTriggerPort}/triggers/manual`, method: 'POST', body: JSON.stringify({ organizationId: orgs.Y }) }],
        ['internal', { url: `http://127.0.0.1:${internalPort}/admin`, method: 'GET' }],
      ];
      for (const [what, config] of cases) {
        const error = await failure(await testRun('X', manualDraft({ type: 'api_call', config })));
        expect([what, error]).toEqual([what, expect.objectContaining({ code: 'ssrf_blocked', message: expect.stringContaining('loopback address') })]);
      }
      expect(internalRequests).toBe(0);
      const allowed = await ended(await testRun('X', manualDraft({ type: 'api_call', config: { url: `${receiver.url}/allowed/${orgs.X}`, method: 'GET' } })));
      expect(allowed.end.kind).toBe('execution_completed');
      expect(receiver.received.some((r) => r.path === `/allowed/${orgs.X}`)).toBe(true);
    });
  });

  describe('3. one manual-trigger path, for the organization of the credentials', () => {
    it("ingest serves no unauthenticated manual trigger; another organization's key gets 404; the owner's key runs it", async () => {
      const wfY = await publishActive('Y', manualDraft({ type: 'create_task', config: { title: 'manual Y' } }));
      const starts = () => results.seen.filter((r) => r.kind === 'execution_started' && r.workflowId === wfY);
      const direct = await fetch(`http://127.0.0.1:${ingestTriggerPort}/triggers/manual`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ organizationId: orgs.Y, workflowId: wfY, requestId: 'from-anyone', context: {} }),
      });
      expect(direct.status).toBe(404);
      expect((await call(keys.X.editor, 'POST', `/api/workflows/${wfY}/trigger`, { requestId: 'from-x' })).status).toBe(404);
      await sleep(3000);
      expect(starts()).toEqual([]);
      const own = await call(keys.Y.editor, 'POST', `/api/workflows/${wfY}/trigger`, { requestId: 'from-y' });
      expect(own.status).toBe(202);
      await results.until(() => starts().length === 1, 60_000, "Y's manual run");
      expect(starts()[0]).toMatchObject({ organizationId: orgs.Y, executionId: own.body.executionId });
    });
  });

  describe('4. per-organization webhook signing secrets', () => {
    const hookRun = async (org: Org, path: string, payload: string) => {
      const r = await ended(await testRun(org, manualDraft({ type: 'webhook', config: { url: `${receiver.url}${path}`, payload } })));
      expect(r.end.kind).toBe('execution_completed');
      return receiver.received.filter((x) => x.path === path).at(-1)!;
    };

    it("signs each organization's payloads with its own secret, never the deployment's; rotation keeps the old one valid for the grace period", async () => {
      // X's body claims to be Y's
      const forged = await hookRun('X', `/sig/x/${orgs.X}`, JSON.stringify({ organizationId: orgs.Y, invoice: 'paid' }));
      const y0 = await hookRun('Y', `/sig/y/${orgs.Y}`, JSON.stringify({ organizationId: orgs.Y }));
      for (const r of [forged, y0]) expect(receiver.verify(r, 'local-development-webhook-secret')).toBe(false);

      // the secret is shown once, to owners, by a rotation
      expect((await call(keys.Y.editor, 'POST', '/api/webhook-secret/rotate', {})).status).toBe(403);
      const ySecret = (await call(keys.Y.owner, 'POST', '/api/webhook-secret/rotate', {})).body.secret as string;
      expect(ySecret).toMatch(/^whsec_/);
      const shown = await call(keys.Y.owner, 'GET', '/api/webhook-secret');
      expect([
        shown.status,
        shown.body.exists,
        shown.text.includes(ySecret),
        (await call(keys.Y.owner, 'GET', '/api/channels')).text.includes(ySecret),
      ]).toEqual([200, true, false, false]);
      // a receiver of Y does not accept X's forged body
      expect(receiver.verify(forged, ySecret)).toBe(false);
      const y1 = await hookRun('Y', `/sig/y1/${orgs.Y}`, JSON.stringify({ organizationId: orgs.Y }));
      expect(receiver.verify(y1, ySecret)).toBe(true);

      const x1 = (await call(keys.X.owner, 'POST', '/api/webhook-secret/rotate', {})).body.secret as string;
      const x2rot = await call(keys.X.owner, 'POST', '/api/webhook-secret/rotate', {});
      const x2 = x2rot.body.secret as string;
      expect(new Date(x2rot.body.previousValidUntil as string).getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
      const during = await hookRun('X', `/sig/x2/${orgs.X}`, '{"n":2}');
      expect(String(during.headers['fixlify-signature']).match(/v1=/g)).toHaveLength(2);
      expect([receiver.verify(during, x2), receiver.verify(during, x1), receiver.verify(during, ySecret)]).toEqual([true, true, false]);

      const x3 = (await call(keys.X.owner, 'POST', '/api/webhook-secret/rotate', { graceSeconds: 0 })).body.secret as string;
      const after = await hookRun('X', `/sig/x3/${orgs.X}`, '{"n":3}');
      expect([receiver.verify(after, x3), receiver.verify(after, x2), receiver.verify(after, x1)]).toEqual([true, false, false]);
      // Y's secret did not move
      expect(receiver.verify(await hookRun('Y', `/sig/y2/${orgs.Y}`, '{}'), ySecret)).toBe(true);
    });
  });

  describe('5. ids the system derives', () => {
    it('a manual context cannot replace the event and entity ids, neither in the log nor in the event a retry rebuilds', async () => {
      const jobY = (await pool.query<{ id: string }>(`INSERT INTO jobs (organization_id, title) VALUES ($1, 'Y job for context') RETURNING id`, [orgs.Y]))
        .rows[0]!.id;
      const wfX = await publishActive('X', manualDraft({ type: 'webhook', config: { url: `${rejecting.url}/fail/${orgs.X}` } }));
      const chosenEvent = randomUUID();
      const context = { entityId: jobY, entityType: 'job', eventId: chosenEvent, reason: 'context' };
      const run = await call(keys.X.editor, 'POST', `/api/workflows/${wfX}/trigger`, { requestId: `ctx-${randomUUID()}`, context });
      expect(run.status).toBe(202);
      const { end, steps } = await ended(run.body.executionId as string);
      expect(end.kind).toBe('execution_failed');
      const started = steps.find((r) => r.kind === 'execution_started');
      expect(started?.kind === 'execution_started' && started.triggerData).toMatchObject({
        eventId: run.body.eventId,
        entityType: 'none',
        entityId: null,
        reason: 'context',
      });

      const commands = await tailTopic(
        testKafka(),
        TOPICS.commands,
        jsonWhere<Command>((c) => c.kind === 'resume' && c.executionId === run.body.executionId),
      );
      try {
        await commands.ready;
        await waitFor(
          async () => (await call(keys.X.viewer, 'GET', `/api/executions/${run.body.executionId}`)).body.status === 'failed',
          60_000,
          'the failed execution in the log',
        );
        const retried = await call(keys.X.editor, 'POST', `/api/executions/${run.body.executionId}/retry`);
        expect(retried.status).toBe(202);
        await commands.until((s) => s.length > 0, 30_000, 'the retry command');
        const ev: DomainEvent = (commands.seen[0] as Extract<Command, { kind: 'resume' }>).event;
        expect(ev).toMatchObject({ eventId: run.body.eventId, entityType: 'none', entityId: null, organizationId: orgs.X });
        // the context itself is kept as given
        expect(ev.data).toMatchObject(context);
      } finally {
        await commands.stop();
      }
    });
  });

  describe('6. every id a step writes is the organization’s', () => {
    const insertTechnician = async (org: Org, name: string, id: string = randomUUID()): Promise<string> =>
      (await pool.query<{ id: string }>(`INSERT INTO technicians (id, organization_id, name) VALUES ($1, $2, $3) RETURNING id`, [id, orgs[org], name])).rows[0]!
        .id;
    const insertJob = async (org: Org, title: string, extra: { technician?: string; start?: Date; end?: Date } = {}): Promise<string> =>
      (
        await pool.query<{ id: string }>(
          `INSERT INTO jobs (organization_id, title, technician_id, scheduled_start, scheduled_end) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
          [orgs[org], title, extra.technician ?? null, extra.start ?? null, extra.end ?? null],
        )
      ).rows[0]!.id;

    it("update_record and create_task refuse Y's technician with the message of an id that does not exist", async () => {
      const techY = await insertTechnician('Y', 'Yvonne');
      const nowhere = randomUUID();
      const jobX = await insertJob('X', 'X job');
      const refused = async (id: string) =>
        failure(await testRun('X', manualDraft({ type: 'update_record', config: { table: 'jobs', id: jobX, set: { technician_id: id } } })));
      const foreign = await refused(techY);
      const missing = await refused(nowhere);
      expect(foreign).toEqual({ code: 'invalid_reference', message: `technician_id ${techY} is not a technician of this organization`, retryable: false });
      expect(missing).toEqual({ code: 'invalid_reference', message: `technician_id ${nowhere} is not a technician of this organization`, retryable: false });
      expect((await pool.query('SELECT technician_id FROM jobs WHERE id = $1', [jobX])).rows[0]).toEqual({ technician_id: null });
      // Y's record itself: the same answer as a record that does not exist
      const jobY = await insertJob('Y', 'Y job');
      const other = await failure(await testRun('X', manualDraft({ type: 'update_record', config: { table: 'jobs', id: jobY, set: { title: 'taken' } } })));
      expect(other).toMatchObject({ code: 'record_not_found', message: `jobs ${jobY} not found in this organization` });

      const task = await failure(await testRun('X', manualDraft({ type: 'create_task', config: { title: `task ${orgs.X}`, assigneeTechnicianId: techY } })));
      expect(task).toEqual({ code: 'invalid_reference', message: `assigneeTechnicianId ${techY} is not a technician of this organization`, retryable: false });
      const taskJob = await failure(await testRun('X', manualDraft({ type: 'create_task', config: { title: `task job ${orgs.X}`, jobId: jobY } })));
      expect(taskJob).toMatchObject({ code: 'invalid_reference', message: `jobId ${jobY} is not a job of this organization` });
      expect((await pool.query('SELECT 1 FROM tasks WHERE organization_id = $1', [orgs.X])).rowCount).toBe(0);
      // X's own technician goes through
      const techX = await insertTechnician('X', 'Xavier');
      expect(
        (await ended(await testRun('X', manualDraft({ type: 'update_record', config: { table: 'jobs', id: jobX, set: { technician_id: techX } } })))).end.kind,
      ).toBe('execution_completed');
      expect((await pool.query('SELECT technician_id FROM jobs WHERE id = $1', [jobX])).rows[0]).toEqual({ technician_id: techX });
    });

    it("least busy counts only the organization's jobs: Y's jobs cannot make X's technicians look busy", async () => {
      const [low, high] = [randomUUID(), randomUUID()].sort();
      await insertTechnician('X', 'Low', low);
      await insertTechnician('X', 'High', high);
      const start = new Date(Date.now() + 86_400_000);
      const end = new Date(start.getTime() + 3600_000);
      const jobX = await insertJob('X', 'needs someone', { start, end });
      // Y books X's "low" technician in the same window (a row Y controls)
      await insertJob('Y', 'Y pollution', { technician: low, start, end });
      const r = await ended(await testRun('X', manualDraft({ type: 'assign_technician', config: { jobId: jobX, strategy: 'least_busy' } })));
      expect(r.end.kind).toBe('execution_completed');
      expect((await pool.query('SELECT technician_id FROM jobs WHERE id = $1', [jobX])).rows[0]).toEqual({ technician_id: low });
    });

    it('a test run refuses (404) an entity id of another organization, whatever the trigger', async () => {
      const jobY = await insertJob('Y', 'Y job for a test run');
      const jobX = await insertJob('X', 'X job for a test run');
      const created = await call(keys.X.editor, 'POST', '/api/workflows', {
        name: 'test run refs',
        definition: manualDraft({ type: 'create_task', config: { title: 'ref' } }),
      });
      const refused = await call(keys.X.editor, 'POST', `/api/workflows/${created.body.id}/test-run`, { entityId: jobY });
      expect([refused.status, refused.body.code]).toEqual([404, 'not_found']);
      expect((await call(keys.X.editor, 'POST', `/api/workflows/${created.body.id}/test-run`, { entityId: randomUUID() })).status).toBe(404);
      expect((await call(keys.X.editor, 'POST', `/api/workflows/${created.body.id}/test-run`, { entityId: jobX })).status).toBe(202);
      const onJob = await call(keys.X.editor, 'POST', '/api/workflows', {
        name: 'test run job refs',
        definition: {
          nodes: [
            { id: 'trigger', type: 'trigger', trigger: { type: 'job_completed' } },
            { id: 't', type: 'create_task', config: { title: 'ref' } },
          ],
          edges: [{ id: 'e', source: 'trigger', target: 't' }],
        },
      });
      expect((await call(keys.X.editor, 'POST', `/api/workflows/${onJob.body.id}/test-run`, { entityId: jobY })).status).toBe(404);
    });
  });
});
