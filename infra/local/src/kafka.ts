import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigResourceTypes, ConfigSource, Kafka, logLevel, type Admin } from 'kafkajs';
import type { StackConfig } from './config';
import { statePaths } from './config';
import { classpath } from './maven';
import { StackError, isAlive, ourPid, run, spawnDetached, waitUntil } from './proc';
import { jvmFlags, kafkaServerProperties } from './settings';
import type { TopicSpec } from './topics';

const PART = 'kafka';
const MAIN = 'kafka.Kafka';

export const kafkaLog = (config: StackConfig) => path.join(statePaths(config).logs, 'kafka.log');
const pidFile = (config: StackConfig) => path.join(statePaths(config).run, 'kafka.pid');

export const kafkaPid = (config: StackConfig) => ourPid(pidFile(config), [MAIN, statePaths(config).kafkaProps]);

/** Runs fn with a connected kafkajs admin; kafkajs' own logging stays quiet (callers report errors). */
export async function withAdmin<T>(config: StackConfig, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const kafka = new Kafka({
    clientId: 'fixlify-stack',
    brokers: [config.KAFKA_BROKERS],
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

export async function kafkaHealthy(config: StackConfig): Promise<boolean> {
  const cluster = await withAdmin(config, (a) => a.describeCluster());
  return cluster.brokers.length > 0 && cluster.controller !== null;
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

export async function startKafka(config: StackConfig): Promise<void> {
  const paths = statePaths(config);
  const logFile = kafkaLog(config);
  const fail = (msg: string) => new StackError(PART, msg, logFile);
  fs.mkdirSync(paths.kafkaData, { recursive: true });
  fs.writeFileSync(paths.kafkaProps, kafkaServerProperties(config, paths));
  const cp = classpath(config, 'broker');

  if (!fs.existsSync(path.join(paths.kafkaData, 'meta.properties'))) {
    const args = ['-Xmx256m', '-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', randomClusterId(), '-c', paths.kafkaProps];
    const res = await run(config.java, args, { cwd: paths.kafkaRoot, timeoutMs: 120_000 });
    fs.appendFileSync(logFile, `\n===== storage format\n${res.stdout}${res.stderr}`);
    if (res.code !== 0) throw fail(`kafka storage format failed (exit ${res.code})`);
  }

  const pid = await spawnDetached(config.java, [...jvmFlags(config.kafka.heap), '-cp', cp, MAIN, paths.kafkaProps], {
    logFile,
    cwd: paths.kafkaRoot,
  });
  fs.writeFileSync(pidFile(config), `${pid}\n`);
  try {
    await waitUntil('kafka', () => kafkaHealthy(config), { timeoutMs: config.timeoutMs, intervalMs: 500, alive: () => isAlive(pid) });
  } catch (e) {
    throw fail((e as Error).message);
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
          replicationFactor: 1,
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

export { pidFile as kafkaPidFile };
