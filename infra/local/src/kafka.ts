import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigResourceTypes, ConfigSource, Kafka, logLevel, type Admin } from 'kafkajs';
import { type KafkaNode, type StackConfig, kafkaNodePaths, kafkaNodesFile, recordedKafkaNodes, statePaths } from './config';
import { classpath } from './maven';
import { StackError, isAlive, ourPid, run, spawnDetached, waitUntil } from './proc';
import { jvmFlags, kafkaServerProperties } from './settings';
import type { TopicSpec } from './topics';

const PART = 'kafka';
const MAIN = 'kafka.Kafka';

/** Node 1's log (the single-node layout); kafkaNodePaths gives every node's. */
export const kafkaLog = (config: StackConfig) => kafkaNodePaths(config, config.kafka.nodes[0]!).log;

/** The pid of a running node of this stack (checked against its command line), or undefined. */
export const kafkaNodePid = (config: StackConfig, node: KafkaNode) => {
  const files = kafkaNodePaths(config, node);
  return ourPid(files.pid, [MAIN, files.props]);
};

/** Node 1's pid: `status` and the tests that kill "the broker" mean this one. */
export const kafkaPid = (config: StackConfig) => kafkaNodePid(config, config.kafka.nodes[0]!);

/** The nodes of the configured cluster that are not running. */
export const stoppedKafkaNodes = (config: StackConfig): KafkaNode[] => config.kafka.nodes.filter((n) => kafkaNodePid(config, n) === undefined);

/** Runs fn with a connected kafkajs admin; kafkajs' own logging stays quiet (callers report errors). */
export async function withAdmin<T>(config: StackConfig, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const kafka = new Kafka({
    clientId: 'fixlify-stack',
    brokers: config.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 10_000,
    retry: { retries: 2, initialRetryTime: 100 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Healthy: a controller is elected and every configured node has registered as a broker. */
export async function kafkaHealthy(config: StackConfig): Promise<boolean> {
  const cluster = await withAdmin(config, (a) => a.describeCluster());
  return cluster.brokers.length >= config.kafka.nodes.length && cluster.controller !== null;
}

/**
 * A cluster id as `kafka-storage random-uuid` prints it: 16 random bytes, base64url without padding,
 * never starting with '-' (Kafka's Uuid.randomUuid rule); generated here to save a JVM start.
 */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** The cluster id a formatted node's data dir holds (meta.properties), if any. */
function formattedClusterId(dataDir: string): string | undefined {
  try {
    return /^cluster\.id=(.+)$/m.exec(fs.readFileSync(path.join(dataDir, 'meta.properties'), 'utf8'))?.[1]?.trim();
  } catch {
    return undefined;
  }
}

/**
 * Starts every configured node that is not running (all of them on a first `up`; after a crash, the
 * ones that died), formatting the storage of nodes that have none with the cluster's id, and waits
 * until the whole cluster is healthy. A state dir formatted for another node count is refused: the
 * quorum's voters are fixed when it is formatted.
 */
export async function startKafka(config: StackConfig): Promise<void> {
  const paths = statePaths(config);
  const logFile = kafkaLog(config);
  const fail = (msg: string, file = logFile) => new StackError(PART, msg, file);
  const nodes = config.kafka.nodes;
  const recorded = recordedKafkaNodes(config.stateDir) ?? (formattedClusterId(paths.kafkaData) !== undefined ? 1 : undefined);
  if (recorded !== undefined && recorded !== nodes.length) {
    throw fail(
      `the Kafka data in ${paths.kafkaRoot} is a cluster of ${recorded} node${recorded === 1 ? '' : 's'}, not ${nodes.length}: ` +
        `run \`npm run stack -- down --wipe\` first (a KRaft quorum keeps the voters it was formatted with)`,
    );
  }
  for (const d of [paths.kafkaRoot, paths.logs, paths.run]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(kafkaNodesFile(config.stateDir), `${nodes.length}\n`);
  const clusterId = nodes.map((n) => formattedClusterId(kafkaNodePaths(config, n).data)).find((id) => id !== undefined) ?? randomClusterId();
  const cp = classpath(config, 'broker');
  const toStart = stoppedKafkaNodes(config);

  // formatting is a JVM start each: in parallel
  await Promise.all(
    toStart.map(async (node) => {
      const files = kafkaNodePaths(config, node);
      fs.mkdirSync(files.data, { recursive: true });
      fs.writeFileSync(files.props, kafkaServerProperties(config, node));
      if (formattedClusterId(files.data) !== undefined) return;
      const args = ['-Xmx256m', '-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', files.props];
      const res = await run(config.java, args, { cwd: paths.kafkaRoot, timeoutMs: 120_000 });
      fs.appendFileSync(files.log, `\n===== storage format\n${res.stdout}${res.stderr}`);
      if (res.code !== 0) throw fail(`kafka storage format of node ${node.id} failed (exit ${res.code})`, files.log);
    }),
  );

  const pids = await Promise.all(
    toStart.map(async (node) => {
      const files = kafkaNodePaths(config, node);
      const pid = await spawnDetached(config.java, [...jvmFlags(config.kafka.heap), '-cp', cp, MAIN, files.props], {
        logFile: files.log,
        cwd: paths.kafkaRoot,
      });
      fs.writeFileSync(files.pid, `${pid}\n`);
      return pid;
    }),
  );
  try {
    await waitUntil('kafka', () => kafkaHealthy(config), { timeoutMs: config.timeoutMs, intervalMs: 500, alive: () => pids.every((p) => isAlive(p)) });
  } catch (e) {
    const dead = toStart.find((_, i) => !isAlive(pids[i]!));
    throw fail((e as Error).message, dead ? kafkaNodePaths(config, dead).log : logFile);
  }
}

/**
 * Creates the missing topics, and brings the configs of existing ones up to their spec (say, a
 * limit raised in topics.ts after the stack was first started). Other configs set on a topic stay.
 */
export async function ensureTopics(config: StackConfig, specs: readonly TopicSpec[]): Promise<{ created: string[]; updated: string[] }> {
  return withAdmin(config, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.numPartitions,
          configEntries: Object.entries(s.configs).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    const present = specs.filter((s) => existing.has(s.topic) && Object.keys(s.configs).length > 0);
    const updated: string[] = [];
    if (present.length > 0) {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: present.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.topic })),
      });
      const current = new Map(
        described.resources.map((r) => [
          r.resourceName,
          Object.fromEntries(r.configEntries.filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG).map((e) => [e.configName, e.configValue])),
        ]),
      );
      // AlterConfigs replaces a topic's whole set of configs: send what it has with the spec's on top
      const stale = present.filter((s) => Object.entries(s.configs).some(([k, v]) => current.get(s.topic)?.[k] !== v));
      if (stale.length > 0) {
        await admin.alterConfigs({
          validateOnly: false,
          resources: stale.map((s) => ({
            type: ConfigResourceTypes.TOPIC,
            name: s.topic,
            configEntries: Object.entries({ ...current.get(s.topic), ...s.configs }).map(([name, value]) => ({ name, value })),
          })),
        });
        updated.push(...stale.map((s) => s.topic));
      }
    }
    return { created: missing.map((s) => s.topic), updated };
  });
}

export async function listTopics(config: StackConfig): Promise<string[]> {
  return withAdmin(config, (a) => a.listTopics());
}
