import * as fs from 'node:fs';
import * as path from 'node:path';
import { CAPTURED_TABLES } from '@fixlify/contracts';
import { runMigrations } from '@fixlify/db';
import { type StackConfig, kafkaNodePaths, stackConfig, stackEnv, statePaths } from './config';
import { connectHealthy, connectLog, connectPid, connectorStatus, registerConnector, restartConnector, startConnect, waitConnectorRunning } from './connect';
import { CONNECTOR_NAME, renderConnectorConfig } from './connector';
import { ensureTopics, kafkaHealthy, kafkaLog, kafkaNodePid, kafkaPid, listTopics, startKafka, stoppedKafkaNodes } from './kafka';
import { ensureLib, libStale } from './maven';
import { ensureDatabase, existingTables, findPgBin, postgresHealthy, postgresLog, postgresPid, startPostgres, stopPostgres } from './postgres';
import { StackError, childPids, isAlive, portOpen, readPidFile, rssKb, run, sleep, stopPid, tailLines, waitUntil } from './proc';
import { connectWorkerProperties, kafkaServerProperties, postgresConf } from './settings';
import { AUTOMATION_TOPIC_SPECS, cdcTopicSpecs } from './topics';

export const PART_NAMES = ['postgres', 'migrations', 'kafka', 'topics', 'connect', 'connector'] as const;
export type PartName = (typeof PART_NAMES)[number];
/** Parts that are processes with a log file. */
export const PROCESS_PARTS = ['postgres', 'kafka', 'connect'] as const;
export type ProcessPart = (typeof PROCESS_PARTS)[number];

export type PartAction = 'started' | 'running' | 'applied' | 'up-to-date' | 'created' | 'updated' | 'registered' | 'unchanged';

export interface PartResult {
  readonly part: PartName;
  readonly action: PartAction;
  readonly ms: number;
  readonly detail: string;
}

export interface StackUpOptions {
  /** Where progress lines go; default console.log. */
  readonly log?: (line: string) => void;
}

export interface StackUpResult {
  readonly parts: readonly PartResult[];
  readonly totalMs: number;
  /** False when everything was already running and nothing was created or applied. */
  readonly changed: boolean;
  readonly env: ReturnType<typeof stackEnv>;
}

export const partLogFile = (config: StackConfig, part: ProcessPart): string => {
  switch (part) {
    case 'postgres':
      return postgresLog(config);
    case 'kafka':
      return kafkaLog(config);
    case 'connect':
      return connectLog(config);
  }
};

const PORT_VARS = {
  postgres: [['FIXLIFY_PG_PORT', (c: StackConfig) => c.pg.port]],
  kafka: [
    ['FIXLIFY_KAFKA_PORT', (c: StackConfig) => c.kafka.port],
    ['FIXLIFY_KAFKA_CONTROLLER_PORT', (c: StackConfig) => c.kafka.controllerPort],
  ],
  connect: [['FIXLIFY_CONNECT_PORT', (c: StackConfig) => c.connect.port]],
} as const satisfies Record<ProcessPart, readonly (readonly [string, (c: StackConfig) => number])[]>;

const pidOf = (config: StackConfig, part: ProcessPart): number | undefined => {
  switch (part) {
    case 'postgres':
      return postgresPid(config);
    case 'kafka':
      return kafkaPid(config);
    case 'connect':
      return connectPid(config);
  }
};

const healthOf = (config: StackConfig, part: ProcessPart): Promise<boolean> => {
  switch (part) {
    case 'postgres':
      return postgresHealthy(config);
    case 'kafka':
      return kafkaHealthy(config);
    case 'connect':
      return connectHealthy(config);
  }
};

/** The settings file a running part was started with, and what the current configuration renders. */
const settingsOf = (config: StackConfig, part: ProcessPart): { file: string; wanted: string } => {
  const paths = statePaths(config);
  switch (part) {
    case 'postgres':
      return { file: path.join(paths.pgData, 'fixlify.conf'), wanted: postgresConf(config, paths) };
    case 'kafka':
      return { file: paths.kafkaProps, wanted: kafkaServerProperties(config) };
    case 'connect':
      return { file: paths.connectProps, wanted: connectWorkerProperties(config) };
  }
};

/** Every node of the cluster: its settings file, what the configuration renders, its pid. */
const kafkaNodeSettings = (config: StackConfig) =>
  config.kafka.nodes.map((node) => ({
    node,
    file: kafkaNodePaths(config, node).props,
    wanted: kafkaServerProperties(config, node),
    pid: kafkaNodePid(config, node),
  }));

/** A running part started with other settings (say, another port) would be checked at the wrong address. */
function assertSameSettings(config: StackConfig, part: ProcessPart): void {
  if (part === 'kafka') {
    for (const n of kafkaNodeSettings(config)) if (n.pid !== undefined) assertFileIs(part, n.file, n.wanted);
    return;
  }
  const { file, wanted } = settingsOf(config, part);
  assertFileIs(part, file, wanted);
}

function assertFileIs(part: ProcessPart, file: string, wanted: string): void {
  let current = '';
  try {
    current = fs.readFileSync(file, 'utf8');
  } catch {
    /* missing: treated as different */
  }
  if (current !== wanted) {
    throw new StackError(
      part,
      `${part} is running with other settings than the current environment (${file}); run \`npm run stack -- down\`, then \`up\` again`,
    );
  }
}

/** One-line errors for what `up` would need but is missing, checked before anything starts. */
async function preflight(config: StackConfig, toStart: ReadonlySet<ProcessPart>): Promise<void> {
  if (toStart.has('kafka') || toStart.has('connect')) {
    const java = await run(config.java, ['-version']);
    if (java.code !== 0) {
      throw new StackError('preflight', `\`${config.java}\` not found: install Java 17+ (apt-get install openjdk-17-jre-headless) or set JAVA_HOME`);
    }
    const major = /version "(\d+)(?:\.(\d+))?/.exec(java.stderr);
    const v = major ? Number(major[1] === '1' ? major[2] : major[1]) : 0;
    if (v < 17) throw new StackError('preflight', `Java 17+ is needed (Kafka 4 and Debezium 3), found: ${java.stderr.split('\n')[0]}`);
    const needMaven =
      (toStart.has('kafka') && libStale(config, 'broker')) || (toStart.has('connect') && (libStale(config, 'connect') || libStale(config, 'connect-smt')));
    if (needMaven && (await run('mvn', ['-v'])).code !== 0) {
      throw new StackError('preflight', '`mvn` not found: install Maven 3.8+ (apt-get install maven); it resolves the Kafka/Connect/Debezium jars once');
    }
  }
  if (process.getuid?.() === 0 && toStart.has('postgres') && (await run('runuser', ['--help'])).code !== 0) {
    throw new StackError('preflight', 'running as root needs `runuser` (util-linux) to start PostgreSQL as the postgres user');
  }
  for (const part of toStart) {
    const ports: (readonly [string, number])[] =
      part === 'kafka'
        ? stoppedKafkaNodes(config).flatMap((n) => [
            [n.id === 1 ? 'FIXLIFY_KAFKA_PORT' : `FIXLIFY_KAFKA_PORT (+${100 * (n.id - 1)} for node ${n.id})`, n.port] as const,
            [n.id === 1 ? 'FIXLIFY_KAFKA_CONTROLLER_PORT' : `FIXLIFY_KAFKA_CONTROLLER_PORT (+${100 * (n.id - 1)} for node ${n.id})`, n.controllerPort] as const,
          ])
        : PORT_VARS[part].map(([name, get]) => [name, get(config)] as const);
    for (const [name, port] of ports) {
      if (await portOpen(port)) {
        const who = await run('ss', ['-ltnpH', `sport = :${port}`]);
        const owner = /users:\(\("([^"]+)",pid=(\d+)/.exec(who.stdout);
        throw new StackError(
          part,
          `port ${port} is in use by another process${owner ? ` (${owner[1]}, pid ${owner[2]})` : ''}: stop it or set ${name} to a free port`,
        );
      }
    }
  }
}

/**
 * A lock file so two `up`/`down` never race on the same state dir; a second caller (say, parallel
 * test runs calling stackUp) waits for the first, then finds everything running.
 */
async function acquireLock(file: string, timeoutMs: number, log: (l: string) => void): Promise<() => void> {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readPidFile(file);
    // Our own pid means another stackUp/stackDown in this process: wait for it like for any other.
    if (holder === undefined || !isAlive(holder)) {
      fs.rmSync(file, { force: true }); // stale: its owner died
      continue;
    }
    if (Date.now() > deadline) throw new StackError('stack', `another stack command (pid ${holder}) still holds ${file}`);
    if (!told) log(`waiting for another stack command (pid ${holder}) to finish…`);
    told = true;
    await sleep(200);
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

/** Starts (or checks) every part in order; safe to call again while running. */
export async function stackUp(opts: StackUpOptions = {}): Promise<StackUpResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const config = stackConfig();
  const paths = statePaths(config);
  const t0 = Date.now();
  const release = await acquireLock(paths.lock, config.timeoutMs * 4, log);
  const results: PartResult[] = [];
  const step = async (part: PartName, fn: () => Promise<{ action: PartAction; detail: string }>) => {
    const start = Date.now();
    const { action, detail } = await fn();
    const r: PartResult = { part, action, ms: Date.now() - start, detail };
    results.push(r);
    log(`  ✓ ${part.padEnd(10)} ${action.padEnd(10)} ${seconds(r.ms).padStart(7)}  ${detail}`);
  };
  try {
    for (const dir of [paths.root, paths.logs, paths.run]) fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    // a part is started when it is not running; Kafka when any node of its cluster is not
    const toStart = new Set(PROCESS_PARTS.filter((p) => (p === 'kafka' ? stoppedKafkaNodes(config).length > 0 : pidOf(config, p) === undefined)));
    for (const part of PROCESS_PARTS) if (!toStart.has(part)) assertSameSettings(config, part);
    if (!toStart.has('connect') && (libStale(config, 'connect') || libStale(config, 'connect-smt'))) {
      throw new StackError(
        'connect',
        'connect is running with an older classpath than infra/local/maven/{connect,connect-smt} describe; run `npm run stack -- down`, then `up` again',
      );
    }
    await preflight(config, toStart);
    const pgBin = toStart.has('postgres') ? await findPgBin(config) : undefined;
    log(`fixlify stack (${config.stateDir})`);

    // Maven resolves while PostgreSQL initialises; awaited before the JVM parts start.
    const libs = Promise.all([
      toStart.has('kafka') ? ensureLib(config, 'broker') : Promise.resolve('cached' as const),
      toStart.has('connect') ? ensureLib(config, 'connect') : Promise.resolve('cached' as const),
      toStart.has('connect') ? ensureLib(config, 'connect-smt') : Promise.resolve('cached' as const),
    ]);
    void libs.catch(() => undefined);

    const processStep = (part: ProcessPart, start: () => Promise<void>, port: number) =>
      step(part, async () => {
        const pid = pidOf(config, part);
        if (pid !== undefined && !toStart.has(part)) {
          try {
            await waitUntil(part, () => healthOf(config, part), { timeoutMs: config.timeoutMs, alive: () => isAlive(pid) });
          } catch (e) {
            throw new StackError(part, (e as Error).message, partLogFile(config, part));
          }
          return { action: 'running', detail: `pid ${pid} · 127.0.0.1:${port}` };
        }
        await start();
        if (part === 'kafka' && config.kafka.nodes.length > 1) {
          const nodes = kafkaNodeSettings(config).map((n) => `${n.node.id}: pid ${n.pid ?? '?'} · 127.0.0.1:${n.node.port}`);
          return {
            action: 'started',
            detail: `${nodes.length} nodes (replication ${config.kafka.replication}, min.insync ${config.kafka.minInsyncReplicas}) — ${nodes.join(', ')}`,
          };
        }
        return { action: 'started', detail: `pid ${pidOf(config, part) ?? '?'} · 127.0.0.1:${port}` };
      });

    await processStep(
      'postgres',
      async () => {
        if (pgBin === undefined) throw new StackError('postgres', 'PostgreSQL binaries not located');
        await startPostgres(config, pgBin);
      },
      config.pg.port,
    );
    const createdDb = await ensureDatabase(config);
    if (createdDb) log(`    created database ${config.pg.database}`);

    await step('migrations', async () => {
      let applied: string[];
      try {
        applied = await runMigrations(config.DATABASE_URL);
      } catch (e) {
        throw new StackError('migrations', `runMigrations failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
      return applied.length > 0
        ? { action: 'applied', detail: applied.join(', ') }
        : { action: 'up-to-date', detail: `no pending migration on ${config.pg.database}` };
    });

    const [brokerLib, connectLib, smtLib] = await libs;
    await processStep(
      'kafka',
      async () => {
        if (brokerLib === 'resolved') log('    resolved the broker classpath with Maven');
        await startKafka(config);
      },
      config.kafka.port,
    );

    await step('topics', async () => {
      let created: string[];
      let updated: string[];
      try {
        ({ created, updated } = await ensureTopics(config, [...AUTOMATION_TOPIC_SPECS, ...cdcTopicSpecs(config.cdcPrefix)]));
      } catch (e) {
        throw new StackError('topics', `creating topics failed: ${(e as Error).message}`, kafkaLog(config));
      }
      if (created.length === 0 && updated.length === 0) {
        return { action: 'unchanged', detail: `${AUTOMATION_TOPIC_SPECS.length} automation and ${cdcTopicSpecs(config.cdcPrefix).length} CDC topics exist` };
      }
      const parts = [
        created.length > 0 ? `${created.length} created: ${created.join(', ')}` : '',
        updated.length > 0 ? `configs of ${updated.length} updated: ${updated.join(', ')}` : '',
      ];
      return { action: created.length > 0 ? 'created' : 'updated', detail: parts.filter(Boolean).join('; ') };
    });

    await processStep(
      'connect',
      async () => {
        if (connectLib === 'resolved') log('    resolved the Connect + Debezium classpath with Maven');
        if (smtLib === 'resolved') log('    built and tested the Connect transform (infra/local/maven/connect-smt) with Maven');
        await startConnect(config);
      },
      config.connect.port,
    );

    await step('connector', async () => {
      const present = await existingTables(config, CAPTURED_TABLES);
      const missing = CAPTURED_TABLES.filter((t) => !present.includes(t));
      if (missing.length > 0) {
        log(`    ! tables not in ${config.pg.database} yet (not in the publication until the connector restarts): ${missing.join(', ')}`);
      }
      let wanted: Record<string, string>;
      try {
        wanted = renderConnectorConfig(config);
      } catch (e) {
        throw new StackError('connector', (e as Error).message);
      }
      const changed = await registerConnector(config, wanted);
      // a task that FAILED before (say, on a record the old config could not send) stays FAILED in its
      // status until restarted, even when the new config would run it
      const before = await connectorStatus(config);
      const restarted = before?.connector === 'FAILED' || before?.tasks.some((t) => t.state === 'FAILED') === true;
      if (restarted) await restartConnector(config);
      await waitConnectorRunning(config, { settleMs: changed || restarted ? 15_000 : 0 });
      return { action: changed ? 'registered' : 'unchanged', detail: `${CONNECTOR_NAME} RUNNING → ${config.cdcPrefix}.public.*` };
    });

    const totalMs = Date.now() - t0;
    const changed = results.some((r) => !['running', 'up-to-date', 'unchanged'].includes(r.action));
    log(changed ? `stack up in ${seconds(totalMs)}` : `stack already up, nothing changed (${seconds(totalMs)})`);
    return { parts: results, totalMs, changed, env: stackEnv(config) };
  } finally {
    release();
  }
}

export interface StackDownOptions {
  /** Also delete data and logs (PostgreSQL, Kafka, Connect state); the Maven lib cache stays. */
  readonly wipe?: boolean;
  /** With wipe: delete the whole state dir, Maven lib cache included. */
  readonly all?: boolean;
  readonly log?: (line: string) => void;
}

/** Stops the processes in reverse order (Connect, Kafka, PostgreSQL). */
export async function stackDown(opts: StackDownOptions = {}): Promise<void> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const config = stackConfig();
  const paths = statePaths(config);
  if (!fs.existsSync(paths.root)) {
    log(`nothing to stop (${paths.root} does not exist)`);
    return;
  }
  const release = await acquireLock(paths.lock, config.timeoutMs * 4, log);
  try {
    const stopJvm = async (part: string, pid: number | undefined, timeoutMs: number) => {
      const t = Date.now();
      if (pid === undefined) return log(`  · ${part.padEnd(10)} not running`);
      const graceful = await stopPid(pid, timeoutMs);
      log(`  ✓ ${part.padEnd(10)} ${graceful ? 'stopped' : 'killed after timeout'} in ${seconds(Date.now() - t)} (pid ${pid})`);
    };
    await stopJvm('connect', connectPid(config), 30_000);
    // the nodes of a cluster together: the last ones up would wait for a quorum that has gone
    const kafkaNodes = config.kafka.nodes;
    await Promise.all(kafkaNodes.map((n) => stopJvm(n.id === 1 ? 'kafka' : `kafka-${n.id}`, kafkaNodePid(config, n), 60_000)));
    const t = Date.now();
    if (postgresPid(config) === undefined) log(`  · postgres   not running`);
    else {
      await stopPostgres(config, await findPgBin(config));
      log(`  ✓ postgres   stopped in ${seconds(Date.now() - t)}`);
    }
    if (opts.wipe) {
      for (const target of [paths.pgRoot, paths.kafkaRoot, paths.connectRoot, paths.logs, paths.run]) {
        // kafkaRoot holds the recorded node count: a wiped stack starts with FIXLIFY_KAFKA_NODES (default 1) again
        fs.rmSync(target, { recursive: true, force: true });
      }
      if (opts.all) fs.rmSync(paths.lib, { recursive: true, force: true });
      log(`  ✓ wiped ${opts.all ? paths.root : `data and logs in ${paths.root} (kept the Maven lib cache; --all removes it too)`}`);
    }
  } finally {
    release();
    // Only our own sub-folders are deleted; the state dir itself goes only if nothing else is in it.
    if (opts.wipe && opts.all) {
      try {
        fs.rmdirSync(paths.root);
      } catch {
        /* not empty: someone else's files */
      }
    }
  }
}

export interface PartStatus {
  readonly part: PartName;
  readonly state: 'running' | 'stopped' | 'absent';
  readonly pid?: number;
  readonly port?: number;
  /** VmRSS of the main process, KiB. */
  readonly rssKb?: number;
  /** Sum of VmRSS over the main process and its children (PostgreSQL backends), KiB; shared memory counts once per process. */
  readonly treeRssKb?: number;
  /** 'ok' or the reason it is not healthy. */
  readonly health: string;
  readonly logFile?: string;
  /** A Kafka node's node.id, on every kafka row of a cluster (`up --brokers N`); node 1's row comes first. */
  readonly node?: number;
}

const healthText = async (check: () => Promise<boolean>): Promise<string> => {
  try {
    return (await check()) ? 'ok' : 'not ready';
  } catch (e) {
    return (e as Error).message.split('\n')[0] ?? 'error';
  }
};

/** The state of every part, with health checks run in parallel. */
export async function stackStatus(): Promise<PartStatus[]> {
  const config = stackConfig();
  const ports: Record<ProcessPart, number> = { postgres: config.pg.port, kafka: config.kafka.port, connect: config.connect.port };
  const row = async (part: ProcessPart, pid: number | undefined, port: number, logFile: string, node?: number): Promise<PartStatus> => {
    const tag = node === undefined ? {} : { node };
    if (pid === undefined) return { part, state: 'stopped', port, health: '-', logFile, ...tag };
    const kids = childPids(pid);
    const tree = [pid, ...kids].map((p) => rssKb(p) ?? 0).reduce((a, b) => a + b, 0);
    return {
      part,
      state: 'running',
      pid,
      port,
      rssKb: rssKb(pid),
      treeRssKb: kids.length > 0 ? tree : undefined,
      health: await healthText(() => healthOf(config, part)),
      logFile,
      ...tag,
    };
  };
  const cluster = config.kafka.nodes.length > 1;
  const processRows = PROCESS_PARTS.flatMap((part) =>
    part === 'kafka' && cluster
      ? config.kafka.nodes.map((n) => row(part, kafkaNodePid(config, n), n.port, kafkaNodePaths(config, n).log, n.id))
      : [row(part, pidOf(config, part), ports[part], partLogFile(config, part))],
  );
  const kafkaUp = config.kafka.nodes.some((n) => kafkaNodePid(config, n) !== undefined);
  const topicsRow = (async (): Promise<PartStatus> => {
    if (!kafkaUp) return { part: 'topics', state: 'absent', health: '-' };
    try {
      const names = new Set(await listTopics(config));
      const have = AUTOMATION_TOPIC_SPECS.filter((s) => names.has(s.topic)).length;
      const cdc = [...names].filter((n) => n.startsWith(`${config.cdcPrefix}.public.`)).length;
      return {
        part: 'topics',
        state: have === AUTOMATION_TOPIC_SPECS.length ? 'running' : 'absent',
        health: `${have}/${AUTOMATION_TOPIC_SPECS.length} automation, ${cdc} CDC topics`,
      };
    } catch (e) {
      return { part: 'topics', state: 'absent', health: (e as Error).message };
    }
  })();
  const connectorRow = (async (): Promise<PartStatus> => {
    if (connectPid(config) === undefined) return { part: 'connector', state: 'absent', health: '-' };
    try {
      const s = await connectorStatus(config);
      if (s === undefined) return { part: 'connector', state: 'absent', health: 'not registered' };
      const ok = s.connector === 'RUNNING' && s.tasks.length > 0 && s.tasks.every((t) => t.state === 'RUNNING');
      return {
        part: 'connector',
        state: ok ? 'running' : 'stopped',
        health: ok ? 'ok' : `connector ${s.connector}, tasks ${s.tasks.map((t) => t.state).join(',') || 'none'}`,
      };
    } catch (e) {
      return { part: 'connector', state: 'absent', health: (e as Error).message };
    }
  })();
  // postgres, the kafka node(s), topics, connect, connector
  const [pg, ...rest] = processRows;
  const connect = rest.pop();
  return Promise.all([pg, ...rest, topicsRow, connect, connectorRow].filter((r) => r !== undefined));
}

/** The last lines of a part's log, for error reports. */
export const partLogTail = (part: ProcessPart, lines = 20): string => tailLines(partLogFile(stackConfig(), part), lines);
