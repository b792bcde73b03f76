/**
 * `npm run bench -- executions [--executions N] [--orgs N] [--rate R] [--seconds S] [--instances K] [--direct] [--skip-latency] [--skip-throughput]`
 *
 * Three-step executions (condition → webhook to a local receiver → update_record), started from
 * real row changes: jobs rows inserted in PostgreSQL → Debezium → ingest → matcher → executor,
 * with all four services running as processes. Two phases:
 * - throughput: N jobs (default 20,000, spread over --orgs organizations) inserted as fast as
 *   PostgreSQL takes them; executions completed per second, sustained (between 10 % and 90 % of
 *   the completions, seen on automation.step-results.v1 read_committed);
 * - latency: one job every 1/R s (default R = 200/s) for S seconds (default 20); commit of the
 *   row to the webhook reaching the receiver (the first action), p50 / p99.
 * `--instances K` runs K instances of each service (distinct FIXLIFY_INSTANCE_ID, one consumer group
 * per service, the partitions shared); CPU per execution is then summed over a service's instances.
 * `--direct` skips CDC: start commands go straight onto a commands topic of the bench's own and
 * only the executor runs (to profile the executor alone; not the figure to report).
 * Prints one JSON line last: {"bench":"executions","executions_per_s":…,"p50_ms":…,"p99_ms":…}.
 * Figures are noisy on a shared 2-core machine.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { Pool } from 'pg';
import { TOPICS, type Command, type DomainEvent, type StepResult } from '@fixlify/contracts';
import { allowLoopback, startService, tailTopic, testKafka, testPool, waitFor, type ServiceProcess } from '@fixlify/testing';
import { cpuMs, envList, percentile, sleep } from './lib/measure';
import { startReceiverProcess, type Received } from './lib/receiver';
import { createBenchOrgs, jobCreatedStart, threeStepDefinition, waitIndexed } from './lib/three-step';

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      executions: { type: 'string', default: '20000' },
      orgs: { type: 'string', default: '20' },
      rate: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '20' },
      direct: { type: 'boolean', default: false },
      instances: { type: 'string', default: '1' },
      'skip-latency': { type: 'boolean', default: false },
      'skip-throughput': { type: 'boolean', default: false },
      'executor-env': { type: 'string', default: '' },
    },
    strict: true,
  });
  const total = Number(values.executions);
  const orgCount = Number(values.orgs);
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const direct = values.direct;
  const pool: Pool = testPool();
  const kafka = testKafka();
  const receiver = await startReceiverProcess();
  const services: ServiceProcess[] = [];
  const commandsTopic = direct ? `bench.executions.${process.pid}-${Date.now()}.commands` : TOPICS.commands;
  const extraEnv = envList(values['executor-env']);

  try {
    const definition = (tag: string) => threeStepDefinition(tag, receiver.url);

    if (direct) {
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({
        topics: [{ topic: commandsTopic, numPartitions: 6, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
        waitForLeaders: true,
      });
      await admin.disconnect();
    }
    const env = {
      OUTBOUND_ALLOWED_HOSTS: allowLoopback(Number(new URL(receiver.url).port)),
      LOG_LEVEL: 'warn',
      ...(direct ? { EXECUTOR_COMMANDS_TOPIC: commandsTopic, FIXLIFY_START_FROM: 'earliest' } : {}),
    };
    const instances = Number(values.instances);
    if (!Number.isInteger(instances) || instances < 1 || instances > 6) throw new Error('--instances takes 1 to 6 (the automation topics have 6 partitions)');
    for (const name of direct ? (['executor'] as const) : (['ingest', 'matcher', 'executor', 'metrics'] as const))
      for (let i = 1; i <= instances; i++) {
        const label = instances === 1 ? `bench-exec-${name}` : `bench-exec-${name}-${i}`;
        const own = { ...(name === 'executor' ? { ...env, ...extraEnv } : env), FIXLIFY_INSTANCE_ID: `${label}-${process.pid}` };
        services.push(await startService(name, own, label));
      }
    await Promise.all(services.map((s) => s.waitReady(90_000)));
    const tag = `bench-${process.pid}`;
    const def = definition(tag);
    // organization ids share a prefix, so the readers skip everyone else's messages without parsing them
    const { orgs, prefix } = await createBenchOrgs(pool, orgCount, def, 'Executions bench');
    const needle = Buffer.from(`"organizationId":"${prefix}`);
    const orgSet = new Set(orgs.map((o) => o.org));
    for (const matcher of services.filter((s) => s.name === 'matcher')) await waitIndexed(matcher.port, orgs);

    const completions = await tailTopic(kafka, TOPICS.stepResults, (m) => {
      if (!m.value?.includes(needle)) return undefined;
      const r = JSON.parse(m.value.toString('utf8')) as StepResult;
      if (!orgSet.has(r.organizationId)) return undefined;
      if (r.kind === 'execution_failed') console.error(`execution failed: ${JSON.stringify(r.error)}`);
      return r.kind === 'execution_completed' || r.kind === 'execution_failed'
        ? { id: r.executionId, at: Date.now(), ok: r.kind === 'execution_completed' }
        : undefined;
    });
    // each execution's update_record comes back through CDC (job_status_changed): count those echoes,
    // so the latency phase starts only when the pipeline has drained them
    // when each job's event and start command became visible (read_committed): where latency goes, stage by stage
    const seenEvent = new Map<string, number>();
    const seenCommand = new Map<string, number>();
    const echoes = direct
      ? null
      : await tailTopic(kafka, TOPICS.events, (m) => {
          if (!m.value?.includes(needle)) return undefined;
          const e = JSON.parse(m.value.toString('utf8')) as DomainEvent;
          if (!orgSet.has(e.organizationId)) return undefined;
          if (e.type === 'job_created' && e.entityId && !seenEvent.has(e.entityId)) seenEvent.set(e.entityId, Date.now());
          return e.type === 'job_status_changed' ? 1 : undefined;
        });
    const commands = direct
      ? null
      : await tailTopic(kafka, TOPICS.commands, (m) => {
          if (!m.value?.includes(needle)) return undefined;
          const c = JSON.parse(m.value.toString('utf8')) as Command;
          if (c.kind === 'start' && orgSet.has(c.organizationId) && c.event.entityId && !seenCommand.has(c.event.entityId))
            seenCommand.set(c.event.entityId, Date.now());
          return undefined;
        });
    await Promise.all([completions.ready, echoes?.ready, commands?.ready]);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    if (direct) await producer.connect();

    /** Inserts jobs (one statement per chunk); in direct mode also produces their start commands. */
    const insertJobs = async (o: (typeof orgs)[number], n: number, title: string): Promise<string[]> => {
      const r = await pool.query<{ id: string; created_at: Date }>(
        `INSERT INTO jobs (organization_id, client_id, title, total) SELECT $1, $2, $3 || '-' || g, 100 + g FROM generate_series(1, $4) g RETURNING id`,
        [o.org, o.client, title, n],
      );
      if (direct) {
        const now = new Date().toISOString();
        await producer.send({
          topic: commandsTopic,
          messages: r.rows.map((row) => {
            const c = jobCreatedStart(o, row.id, title, def, now);
            return { key: c.executionId, value: JSON.stringify(c) };
          }),
        });
      }
      return r.rows.map((x) => x.id);
    };

    let executionsPerS: number | null = null;
    let throughput: Record<string, unknown> = {};
    if (!values['skip-throughput'] && total > 0) {
      // throughput: all jobs as fast as PostgreSQL takes them, spread over the organizations
      const before = completions.seen.length;
      const cpuBefore = services.map((sv) => cpuMs(sv.child.pid));
      const benchCpuBefore = process.cpuUsage();
      const t0 = Date.now();
      const chunk = 500;
      for (let i = 0; i < total; i += chunk) await insertJobs(orgs[(i / chunk) % orgs.length]!, Math.min(chunk, total - i), `${tag}-t`);
      const insertedMs = Date.now() - t0;
      console.log(`throughput: ${total} jobs committed in ${insertedMs} ms; waiting for the executions`);
      let last = before;
      let lastChange = Date.now();
      while (completions.seen.length - before < total) {
        await sleep(500);
        if (completions.seen.length !== last) {
          last = completions.seen.length;
          lastChange = Date.now();
        } else if (Date.now() - lastChange > 60_000) throw new Error(`stalled at ${last - before} of ${total} executions`);
      }
      const times = completions.seen
        .slice(before)
        .map((c) => c.at)
        .sort((a, b) => a - b);
      const t10 = times[Math.floor(times.length * 0.1)]!;
      const t90 = times[Math.floor(times.length * 0.9)]!;
      executionsPerS = round((Math.floor(times.length * 0.9) - Math.floor(times.length * 0.1)) / ((t90 - t10) / 1000));
      const failed = completions.seen.slice(before).filter((c) => !c.ok).length;
      // where the time goes: CPU each service used per execution (less sensitive to a busy machine than rates)
      const cpuByService = new Map<string, number>();
      services.forEach((sv, i) => cpuByService.set(sv.name, (cpuByService.get(sv.name) ?? 0) + cpuMs(sv.child.pid) - cpuBefore[i]!));
      const cpuPerExecution = Object.fromEntries([...cpuByService].map(([name, ms]) => [name, round(ms / total, 3)]));
      const benchCpu = process.cpuUsage(benchCpuBefore);
      throughput = {
        executions: total,
        failed,
        insert_ms: insertedMs,
        first_completion_ms: times[0]! - t0,
        all_done_ms: times.at(-1)! - t0,
        sustained_per_s: executionsPerS,
        cpu_ms_per_execution: { ...cpuPerExecution, bench_process: round((benchCpu.user + benchCpu.system) / 1000 / total, 3) },
        load_average: loadavg().map((x) => round(x, 2)),
      };
      console.log(JSON.stringify({ phase: 'throughput', ...throughput }));
      if (echoes) await echoes.until((es) => es.length >= total, 300_000, 'the CDC echoes of the updates');
      await sleep(2000);
    }

    let p50: number | null = null;
    let p99: number | null = null;
    let latency: Record<string, unknown> = {};
    if (!values['skip-latency'] && seconds > 0) {
      // latency at a fixed offered load: one job every 1/rate s, each its own transaction
      const committed = new Map<string, number>();
      const n = Math.round(rate * seconds);
      const t0 = Date.now();
      const pending: Promise<void>[] = [];
      for (let i = 0; i < n; i++) {
        const due = t0 + (i * 1000) / rate;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
        const o = orgs[i % orgs.length]!;
        pending.push(
          insertJobs(o, 1, `${tag}-l${i}`).then(([id]) => {
            committed.set(id!, Date.now());
          }),
        );
      }
      await Promise.all(pending);
      const offeredPerS = round(n / ((Date.now() - t0) / 1000));
      let received: Received[] = [];
      await waitFor(
        async () => {
          received = await receiver.dump();
          const got = new Set(received.map((r) => r.path));
          return [...committed.keys()].every((id) => got.has(`/bench/${id}`)) || undefined;
        },
        120_000,
        'all latency-phase webhooks',
        500,
      );
      const firstAt = new Map<string, number>();
      for (const r of received) {
        const id = r.path.slice('/bench/'.length);
        if (committed.has(id) && !firstAt.has(id)) firstAt.set(id, r.at);
      }
      const lat = [...committed].map(([id, at]) => firstAt.get(id)! - at);
      p50 = percentile(lat, 50);
      p99 = percentile(lat, 99);
      const stage = (from: (id: string, at: number) => number | undefined, to: (id: string, at: number) => number | undefined) => {
        const xs = [...committed].map(([id, at]) => (to(id, at) ?? NaN) - (from(id, at) ?? NaN)).filter((x) => Number.isFinite(x));
        return { p50: percentile(xs, 50), p99: percentile(xs, 99) };
      };
      latency = {
        offered_per_s: offeredPerS,
        events: n,
        p50_ms: p50,
        p90_ms: percentile(lat, 90),
        p99_ms: p99,
        max_ms: Math.max(...lat),
        // commit → event visible (Debezium + ingest), → start command visible (matcher), → webhook (executor)
        stages_ms: direct
          ? undefined
          : {
              cdc_and_ingest: stage(
                (_id, at) => at,
                (id) => seenEvent.get(id),
              ),
              matcher: stage(
                (id) => seenEvent.get(id),
                (id) => seenCommand.get(id),
              ),
              executor_to_first_action: stage(
                (id) => seenCommand.get(id),
                (id) => firstAt.get(id),
              ),
            },
      };
      console.log(JSON.stringify({ phase: 'latency', ...latency }));
    }

    // duplicates would show as more than one request per Idempotency-Key
    const byKey = new Map<string, number>();
    for (const r of await receiver.dump()) if (r.key) byKey.set(r.key, (byKey.get(r.key) ?? 0) + 1);
    const dup = [...byKey.values()].filter((v) => v > 1).length;
    await completions.stop();
    await echoes?.stop();
    await commands?.stop();
    if (direct) await producer.disconnect();
    console.log(
      JSON.stringify({
        bench: 'executions',
        executions_per_s: executionsPerS,
        p50_ms: p50,
        p99_ms: p99,
        mode: direct ? 'direct-commands' : 'cdc',
        instances: Number(values.instances),
        duplicate_keys: dup,
        orgs: orgCount,
        throughput,
        latency,
      }),
    );
  } finally {
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    if (direct) await pool.query('DELETE FROM automation_timers WHERE topic = $1', [commandsTopic]).catch(() => undefined);
    await receiver.close();
    await pool.end();
  }
};

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
