import { LIMITS } from '@fixlify/contracts';
import { type KafkaNode, type StackConfig, type StatePaths, kafkaNodePaths } from './config';

/** Renders `key=value` lines; Java properties need backslashes escaped. */
export function toProperties(entries: Readonly<Record<string, string | number | boolean>>): string {
  return `${Object.entries(entries)
    .map(([k, v]) => `${k}=${String(v).replace(/\\/g, '\\\\')}`)
    .join('\n')}\n`;
}

/** PostgreSQL settings, written to <data>/fixlify.conf (included from postgresql.conf) on every start. */
export function postgresSettings(config: StackConfig, paths: StatePaths): Record<string, string | number> {
  return {
    listen_addresses: `'${config.pg.host}'`,
    port: config.pg.port,
    unix_socket_directories: `'${paths.pgSocketDir}'`,
    // Debezium reads the WAL through a logical replication slot.
    wal_level: 'logical',
    max_replication_slots: 10,
    max_wal_senders: 10,
    max_connections: 200,
    shared_buffers: `'256MB'`,
    // fsync stays on: tests must see the same durability the services rely on.
    fsync: 'on',
  };
}

export const postgresConf = (config: StackConfig, paths: StatePaths): string =>
  `# Written by infra/local on every start; edit infra/local/src/settings.ts instead.\n${Object.entries(postgresSettings(config, paths))
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n')}\n`;

/**
 * A KRaft node: broker and controller in one process. One node by default; with several (`up
 * --brokers 3`) every node is a voter of the quorum and every topic, the consumer offsets and the
 * transaction log included, has config.kafka.replication replicas and min.insync.replicas 2, so
 * one node may die without losing an acknowledged write or stopping producers (acks=all).
 */
export function kafkaServerProperties(config: StackConfig, node: KafkaNode = config.kafka.nodes[0]!): string {
  const { port, controllerPort } = node;
  const { replication, minInsyncReplicas, nodes } = config.kafka;
  return toProperties({
    'node.id': node.id,
    'process.roles': 'broker,controller',
    'controller.quorum.voters': nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(','),
    'controller.listener.names': 'CONTROLLER',
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': kafkaNodePaths(config, node).data,
    'num.partitions': 3,
    'auto.create.topics.enable': true,
    // topics created without a replication factor (the stack's, the tests', Debezium's) get this one;
    // left out for one node, where the broker's defaults (1) are the same
    ...(replication > 1 ? { 'default.replication.factor': replication, 'min.insync.replicas': minInsyncReplicas } : {}),
    'offsets.topic.replication.factor': replication,
    'transaction.state.log.replication.factor': replication,
    'transaction.state.log.min.isr': minInsyncReplicas,
    'share.coordinator.state.topic.replication.factor': replication,
    'share.coordinator.state.topic.min.isr': minInsyncReplicas,
    'group.initial.rebalance.delay.ms': 0,
    // Broker default; the automation topics set their own retention (see topics.ts).
    'log.retention.hours': 168,
    // One large business row must fit (README "Limits"); topics.ts sets the same per topic.
    'message.max.bytes': LIMITS.kafkaMessageBytes,
    'replica.fetch.max.bytes': LIMITS.kafkaMessageBytes,
  });
}

/** Kafka Connect distributed worker; Debezium is found on the JVM classpath through META-INF/services. */
export function connectWorkerProperties(config: StackConfig): string {
  return toProperties({
    'bootstrap.servers': config.KAFKA_BROKERS,
    'group.id': 'fixlify-connect',
    'config.storage.topic': 'fixlify-connect-configs',
    'offset.storage.topic': 'fixlify-connect-offsets',
    'status.storage.topic': 'fixlify-connect-status',
    'config.storage.replication.factor': config.kafka.replication,
    'offset.storage.replication.factor': config.kafka.replication,
    'status.storage.replication.factor': config.kafka.replication,
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': false,
    'value.converter.schemas.enable': false,
    listeners: config.CONNECT_URL,
    'rest.advertised.host.name': '127.0.0.1',
    'rest.advertised.port': config.connect.port,
    'plugin.discovery': 'service_load',
    'offset.flush.interval.ms': 1000,
    // A worker that lost its group session (a broker restart) gets its connectors back only after this
    // delay (default 5 min, meant for rolling restarts of a multi-worker cluster): one worker waits 10 s
    'scheduled.rebalance.max.delay.ms': 10_000,
    // Source tasks' producer: up to the broker's limit. The connector's transform (OversizedToMarker,
    // max.bytes below this) turns a larger change into a marker, so a send never fails on size.
    // buffer.memory (32 MiB by default) must stay above it.
    'producer.max.request.size': LIMITS.kafkaMessageBytes,
  });
}

/** JVM flags shared by the broker and Connect; slf4j-simple writes to stderr, which goes to the part's log. */
export function jvmFlags(heap: string): string[] {
  const mib = (v: string) => Number.parseInt(v, 10) * (v.endsWith('g') ? 1024 : 1);
  // Start at 256m (the heaps settle there) unless the max is smaller.
  const xms = mib(heap) < 256 ? heap : '256m';
  return [
    `-Xms${xms}`,
    `-Xmx${heap}`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    '-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS',
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=info',
  ];
}
