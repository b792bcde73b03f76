import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { Pool } from 'pg';
import { TOPICS, TOPIC_CATALOG, WorkflowDefinition, type Command, type StepResult } from '@fixlify/contracts';
import {
  REPO_ROOT,
  allowLoopback,
  createActiveWorkflow,
  createOrganization,
  jsonWhere,
  manualStartCommand,
  stackCli,
  startService,
  startWebhookReceiver,
  readTopic,
  tailTopic,
  waitFor,
  type ServiceProcess,
  type WebhookReceiver,
} from '@fixlify/testing';

jest.setTimeout(900_000);

const EXECUTIONS = 4000;

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

interface StatusRow {
  part: string;
  pid?: number;
  node?: number;
  state: string;
}

/**
 * A second local stack with a three-node Kafka cluster, started as a person would
 * (`npm run stack -- up --brokers 3`: KRaft, replication factor 3, min.insync.replicas 2 for every
 * topic and the transaction log), in a state dir of its own on free ports. Two executors run webhook
 * executions from its commands topic; mid-run the broker leading the most commands partitions is
 * killed with SIGKILL. Every execution must complete exactly once (read_committed results, one
 * execution_completed each, no seq twice), the receiver must see each Idempotency-Key exactly once
 * (a broker failover must not make the executor send anything again), both executors must stay
 * alive and ready, and the pause the failover caused is measured and printed. `up` then brings the
 * killed node back.
 */
describe('a three-broker cluster: SIGKILL of the commands leader loses and repeats nothing', () => {
  let dir: string;
  let kafka: Kafka;
  let producer: Producer | undefined;
  let pool: Pool;
  let receiver: WebhookReceiver;
  const executors: ServiceProcess[] = [];

  let stackEnv: Record<string, string>;
  const stack = async (args: string[]): Promise<string> => {
    const { code, out } = await stackCli(args, stackEnv);
    if (code !== 0) throw new Error(`npm run stack -- ${args.join(' ')} failed:\n${out}`);
    return out;
  };
  const status = async (): Promise<StatusRow[]> => JSON.parse(await stack(['status', '--json'])) as StatusRow[];
  let brokers: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fixlify-cluster-'));
    // PostgreSQL runs as the postgres user when the tests run as root: the folder must be traversable
    chmodSync(dir, 0o755);
    // the Maven classpaths are the shared stack's (resolved by `npm test`'s stack up)
    symlinkSync(join(process.env.FIXLIFY_STACK_DIR ?? join(REPO_ROOT, '.stack'), 'lib'), join(dir, 'lib'));
    // below the ephemeral range (32768+ on Linux), where a process's outgoing connections could take a port first
    let base = 24092;
    const free = async (b: number) => {
      for (const p of [b - 1, b, b + 1, b + 2, b + 100, b + 101, b + 200, b + 201]) if (await listening(p)) return false;
      return true;
    };
    while (!(await free(base))) base += 10;
    stackEnv = {
      FIXLIFY_STACK_DIR: dir,
      FIXLIFY_PG_PORT: String(base - 1),
      FIXLIFY_KAFKA_PORT: String(base),
      FIXLIFY_KAFKA_CONTROLLER_PORT: String(base + 1),
      FIXLIFY_CONNECT_PORT: String(base + 2),
      FIXLIFY_KAFKA_HEAP: '384m',
    };
    const t = Date.now();
    await stack(['up', '--brokers', '3']);
    const env = Object.fromEntries(
      (await stack(['env'])).split('\n').flatMap((l) => {
        const m = /^export ([A-Z_]+)=(.*)$/.exec(l);
        return m ? [[m[1]!, m[2]!]] : [];
      }),
    ) as Record<string, string>;
    brokers = env.KAFKA_BROKERS!.split(',');
    console.log(JSON.stringify({ measure: 'cluster_up', nodes: brokers.length, brokers, ms: Date.now() - t }));
    kafka = new Kafka({ clientId: 'cluster-test', brokers, logLevel: logLevel.NOTHING });
    pool = new Pool({ connectionString: env.DATABASE_URL, max: 5 });
    pool.on('error', () => undefined);
    stackEnv.DATABASE_URL = env.DATABASE_URL!;
    // a new cluster creates its consumer-offsets topic (50 partitions × 3 replicas) on the first group's
    // request: join one group before the test's own readers, which do not retry a missing coordinator
    for (let attempt = 1; ; attempt++) {
      try {
        const probe = await tailTopic(kafka, TOPICS.stepResults, () => undefined);
        await probe.ready;
        await probe.stop();
        break;
      } catch (e) {
        if (attempt >= 30) throw e;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    receiver = await startWebhookReceiver();
  });

  afterAll(async () => {
    await Promise.all(executors.map((e) => e.kill('SIGKILL')));
    await producer?.disconnect();
    await receiver?.close();
    await pool?.end();
    if (dir) {
      await stackCli(['down', '--wipe'], stackEnv);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replicates every automation topic three times with min.insync.replicas 2', async () => {
    expect((await status()).filter((r) => r.part === 'kafka').map((r) => [r.node, r.state])).toEqual([
      [1, 'running'],
      [2, 'running'],
      [3, 'running'],
    ]);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topics = [...TOPIC_CATALOG.map((t) => t.topic), '__transaction_state', '__consumer_offsets'];
      const meta = await admin.fetchTopicMetadata({ topics });
      for (const t of meta.topics) for (const p of t.partitions) expect({ topic: t.name, replicas: p.replicas.length }).toEqual({ topic: t.name, replicas: 3 });
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2 /* TOPIC */, name: TOPICS.commands, configNames: ['min.insync.replicas'] }],
      });
      expect(described.resources[0]!.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue).toBe('2');
    } finally {
      await admin.disconnect();
    }
  });

  it(`completes ${EXECUTIONS} executions exactly once through the loss of the commands leader`, async () => {
    const org = await createOrganization(pool, { name: 'Cluster test' });
    const definition = WorkflowDefinition.parse({
      nodes: [
        { id: 't', type: 'trigger', trigger: { type: 'manual' } },
        {
          id: 'hook',
          type: 'webhook',
          config: { url: `${receiver.url}/cluster`, payload: '{"n":{{ trigger.n }}}' },
          retry: { maxAttempts: 10, initialDelayMs: 50, maxDelayMs: 500 },
        },
      ],
      edges: [{ id: 'e', source: 't', target: 'hook' }],
    });
    const wf = await createActiveWorkflow(pool, org, definition);
    /**
     * Progress comes from the database (the executions the executor recorded as completed), not from
     * a reader of the cluster: a kafkajs consumer of the test's own could lose its coordinator in the
     * kill and stop. The results topic is read from the beginning once the cluster is whole again.
     */
    const completed = async (): Promise<number> =>
      Number(
        (await pool.query<{ n: string }>(`SELECT count(*) AS n FROM automation_executions WHERE organization_id = $1 AND state = 'completed'`, [org])).rows[0]!
          .n,
      );
    const until = async (n: number, timeoutMs: number, what: string): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      while ((await completed()) < n) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${await completed()} completed)`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const ids = new Set<string>();
    const counts = new Map<number, number>();
    let completedBeforeKill = 0;
    let killedAt = 0;
    let doneAt = 0;

    const groupPrefix = `cluster-${process.pid}-${Date.now()}`;
    const env = {
      KAFKA_BROKERS: brokers.join(','),
      DATABASE_URL: stackEnv.DATABASE_URL!,
      OUTBOUND_ALLOWED_HOSTS: allowLoopback(receiver),
      FIXLIFY_GROUP_PREFIX: groupPrefix,
      FIXLIFY_START_FROM: 'earliest',
      EXECUTOR_TIMER_POLL_MS: '50',
      // small batches: many transactions are in flight when the broker dies
      EXECUTOR_MAX_BYTES_PER_PARTITION: '65536',
      LOG_LEVEL: 'warn',
    };
    const started: ServiceProcess[] = [];
    let victim: StatusRow | undefined;
    try {
      for (const i of [1, 2])
        started.push(await startService('executor', { ...env, FIXLIFY_INSTANCE_ID: `cluster-exec-${i}-${process.pid}` }, `cluster-exec-${i}`));
      executors.push(...started);
      await Promise.all(started.map((e) => e.waitReady(120_000)));

      producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const now = new Date().toISOString();
      const commands: Command[] = Array.from({ length: EXECUTIONS }, (_, n) => manualStartCommand(org, wf, definition, { at: now, data: { n } }));
      commands.forEach((c) => ids.add(c.executionId));
      // all produced before the kill (the executors take several seconds for them): what is lost or doubled is theirs
      for (let i = 0; i < commands.length; i += 250)
        await producer.send({ topic: TOPICS.commands, messages: commands.slice(i, i + 250).map((c) => ({ key: c.executionId, value: JSON.stringify(c) })) });

      // the node leading the most commands partitions, as the metadata says now
      const admin = kafka.admin();
      await admin.connect();
      const leaders = (await admin.fetchTopicMetadata({ topics: [TOPICS.commands] })).topics[0]!.partitions.map((p) => p.leader);
      await admin.disconnect();
      for (const l of leaders) counts.set(l, (counts.get(l) ?? 0) + 1);
      const leading = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
      victim = (await status()).find((r) => r.part === 'kafka' && r.node === leading)!;
      await until(EXECUTIONS / 4, 300_000, 'a quarter of the executions before the kill');
      completedBeforeKill = await completed();
      killedAt = Date.now();
      process.kill(victim.pid!, 'SIGKILL');
      try {
        await until(EXECUTIONS, 300_000, `${EXECUTIONS} completed executions`);
      } catch (e) {
        // where it stopped: the commands' end offsets beside what the executors' group committed
        const admin = kafka.admin();
        const where = await admin
          .connect()
          .then(async () => ({
            ends: await admin.fetchTopicOffsets(TOPICS.commands),
            committed: await admin.fetchOffsets({ groupId: `${groupPrefix}-executor`, topics: [TOPICS.commands] }),
          }))
          .catch((err: unknown) => String(err))
          .finally(() => admin.disconnect());
        console.log(
          JSON.stringify({ stalled: true, completed: await completed(), where, executors: started.map((x) => ({ log: x.logFile, exited: x.exited() })) }),
        );
        throw e;
      }
      doneAt = Date.now();
      // a moment for anything that would come twice
      await new Promise((r) => setTimeout(r, 3000));
      // they rode it out: both still alive and ready
      for (const e of started) {
        expect(e.exited()).toBe(false);
        expect((await fetch(`http://127.0.0.1:${e.port}/health/ready`)).status).toBe(200);
      }
    } finally {
      // a retry of this test starts from a whole cluster and no executor of this attempt
      await Promise.all(started.map((e) => e.kill('SIGKILL')));
      // `up` after a crash starts what is not running: the killed node, which catches up
      await stack(['up']);
    }
    const kafkaRows = (await status()).filter((r) => r.part === 'kafka');
    expect(kafkaRows.map((r) => r.state)).toEqual(['running', 'running', 'running']);
    if (victim) expect(kafkaRows.find((r) => r.node === victim.node)?.pid).not.toBe(victim.pid);

    // the pause: the longest time without a completion after the kill
    // the pause: the longest time without a completion after the kill (the executions' completion times)
    const times = (
      await pool.query<{ t: Date }>(
        `SELECT updated_at AS t FROM automation_executions WHERE organization_id = $1 AND state = 'completed' AND updated_at >= $2 ORDER BY updated_at`,
        [org, new Date(killedAt)],
      )
    ).rows.map((r) => r.t.getTime());
    let pauseMs = (times[0] ?? doneAt) - killedAt;
    for (let i = 1; i < times.length; i++) pauseMs = Math.max(pauseMs, times[i]! - times[i - 1]!);

    // every result the cluster committed, read from the beginning now that all nodes are back
    const reader = await readTopic(
      kafka,
      TOPICS.stepResults,
      jsonWhere<StepResult>((r) => r.organizationId === org),
    );
    const seen = await reader
      .waitFor(1, 60_000)
      .then(() =>
        waitFor(
          async () => (reader.seen.filter((r) => r.kind === 'execution_completed').length >= EXECUTIONS ? true : undefined),
          120_000,
          'every completion on the results topic',
        ),
      )
      .then(() => new Promise((r) => setTimeout(r, 2000)))
      .then(() => [...reader.seen])
      .finally(() => reader.stop());
    const byExecution = new Map<string, StepResult[]>();
    for (const r of seen) byExecution.set(r.executionId, [...(byExecution.get(r.executionId) ?? []), r]);
    expect([...byExecution.keys()].filter((id) => !ids.has(id))).toEqual([]);
    expect(byExecution.size).toBe(EXECUTIONS);
    const problems: string[] = [];
    for (const [id, rs] of byExecution) {
      const kinds = rs.map((r) => r.kind);
      if (kinds.filter((k) => k === 'execution_completed').length !== 1) problems.push(`${id}: ${kinds.join(',')}`);
      if (kinds.includes('execution_failed')) problems.push(`${id} failed`);
      const seqs = rs.map((r) => r.seq);
      if (new Set(seqs).size !== seqs.length) problems.push(`${id}: seqs ${seqs.join(',')}`);
    }
    expect(problems.slice(0, 10)).toEqual([]);

    // this attempt's keys (a retried attempt runs another organization against the same receiver)
    const byKey = new Map([...receiver.deliveriesByKey()].filter(([k]) => ids.has(k.slice(0, k.indexOf(':')))));
    expect([...ids].map((id) => `${id}:hook`).filter((k) => !byKey.has(k))).toEqual([]);
    expect(byKey.size).toBe(EXECUTIONS);
    const twice = [...byKey.entries()].filter(([, n]) => n > 1);
    const ledger = await pool.query<{ status: string; n: string }>(
      'SELECT status, count(*) AS n FROM automation_deliveries WHERE organization_id = $1 GROUP BY status',
      [org],
    );
    console.log(
      JSON.stringify({
        measure: 'cluster_failover',
        executions: EXECUTIONS,
        killed_node: victim?.node,
        commands_partitions_led: victim?.node === undefined ? undefined : counts.get(victim.node),
        completed_before_kill: completedBeforeKill,
        longest_pause_after_kill_ms: pauseMs,
        kill_to_all_done_ms: doneAt - killedAt,
        requests: [...byKey.values()].reduce((a, b) => a + b, 0),
        keys_sent_twice: twice.length,
        ledger: Object.fromEntries(ledger.rows.map((r) => [r.status, Number(r.n)])),
      }),
    );
    // the executors were not killed: a broker failover alone must not send anything twice
    expect(twice.slice(0, 5)).toEqual([]);
    expect(ledger.rows).toEqual([{ status: 'delivered', n: String(EXECUTIONS) }]);
  });
});
