import { parseStackConfig, statePaths } from './config';
import { randomClusterId } from './kafka';
import { connectWorkerProperties, jvmFlags, kafkaServerProperties, postgresConf, toProperties } from './settings';
import { AUTOMATION_TOPIC_SPECS, cdcTopicSpecs } from './topics';

const props = (text: string) =>
  Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

describe('rendered settings', () => {
  const config = parseStackConfig({ FIXLIFY_STACK_DIR: '/var/tmp/s' });
  const paths = statePaths(config);

  it('configures a single KRaft node on loopback', () => {
    const p = props(kafkaServerProperties(config));
    expect(p).toMatchObject({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@127.0.0.1:29093',
      listeners: 'PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093',
      'log.dirs': '/var/tmp/s/kafka/data',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'share.coordinator.state.topic.replication.factor': '1',
      'group.initial.rebalance.delay.ms': '0',
    });
  });

  it('configures a three-node cluster: every node a voter, replication 3 and min.insync.replicas 2 everywhere', () => {
    const cluster = parseStackConfig({ FIXLIFY_STACK_DIR: '/var/tmp/s', FIXLIFY_KAFKA_NODES: '3' });
    expect(cluster.KAFKA_BROKERS).toBe('127.0.0.1:29092,127.0.0.1:29192,127.0.0.1:29292');
    const nodes = cluster.kafka.nodes.map((n) => props(kafkaServerProperties(cluster, n)));
    expect(nodes.map((p) => p['node.id'])).toEqual(['1', '2', '3']);
    expect(nodes.map((p) => p['log.dirs'])).toEqual(['/var/tmp/s/kafka/data', '/var/tmp/s/kafka/node-2/data', '/var/tmp/s/kafka/node-3/data']);
    expect(nodes[2]).toMatchObject({ listeners: 'PLAINTEXT://127.0.0.1:29292,CONTROLLER://127.0.0.1:29293' });
    for (const p of nodes) {
      expect(p).toMatchObject({
        'controller.quorum.voters': '1@127.0.0.1:29093,2@127.0.0.1:29193,3@127.0.0.1:29293',
        'default.replication.factor': '3',
        'min.insync.replicas': '2',
        'offsets.topic.replication.factor': '3',
        'transaction.state.log.replication.factor': '3',
        'transaction.state.log.min.isr': '2',
      });
    }
    expect(props(connectWorkerProperties(cluster))).toMatchObject({
      'bootstrap.servers': '127.0.0.1:29092,127.0.0.1:29192,127.0.0.1:29292',
      'offset.storage.replication.factor': '3',
    });
    // one node: nothing to replicate to
    expect(props(kafkaServerProperties(config))).toMatchObject({ 'offsets.topic.replication.factor': '1', 'transaction.state.log.min.isr': '1' });
    expect(props(kafkaServerProperties(config))['min.insync.replicas']).toBeUndefined();
  });

  it("refuses a cluster whose nodes' ports would collide or leave the port range", () => {
    expect(() => parseStackConfig({ FIXLIFY_KAFKA_NODES: '3', FIXLIFY_CONNECT_PORT: '29193' })).toThrow(/must differ/);
    expect(() => parseStackConfig({ FIXLIFY_KAFKA_NODES: '3', FIXLIFY_KAFKA_PORT: '65400', FIXLIFY_KAFKA_CONTROLLER_PORT: '65401' })).toThrow(/65535/);
    expect(() => parseStackConfig({ FIXLIFY_KAFKA_NODES: '9' })).toThrow(/FIXLIFY_KAFKA_NODES/);
  });

  it('configures Connect with schemaless JSON and service-loaded plugins', () => {
    const p = props(connectWorkerProperties(config));
    expect(p).toMatchObject({
      'bootstrap.servers': '127.0.0.1:29092',
      'group.id': 'fixlify-connect',
      'offset.storage.topic': 'fixlify-connect-offsets',
      'key.converter.schemas.enable': 'false',
      'value.converter.schemas.enable': 'false',
      listeners: 'http://127.0.0.1:28083',
      'plugin.discovery': 'service_load',
      'offset.flush.interval.ms': '1000',
    });
  });

  it('turns on logical decoding and keeps fsync', () => {
    const conf = postgresConf(config, paths);
    expect(conf).toContain('wal_level = logical');
    expect(conf).toContain('fsync = on');
    expect(conf).toContain("unix_socket_directories = '/var/tmp/s/pg/run'");
    expect(conf).toContain('port = 55432');
  });

  it('escapes backslashes in properties and caps -Xms at -Xmx', () => {
    expect(toProperties({ a: 'C:\\x' })).toBe('a=C:\\\\x\n');
    expect(jvmFlags('512m').slice(0, 2)).toEqual(['-Xms256m', '-Xmx512m']);
    expect(jvmFlags('128m').slice(0, 2)).toEqual(['-Xms128m', '-Xmx128m']);
  });

  it('makes Kafka-style cluster ids', () => {
    for (let i = 0; i < 200; i++) expect(randomClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });

  it('lists the six automation topics and one CDC topic per captured table', () => {
    expect(AUTOMATION_TOPIC_SPECS.map((t) => t.topic)).toEqual([
      'automation.workflows.v1',
      'automation.events.v1',
      'automation.commands.v1',
      'automation.replay-commands.v1',
      'automation.step-results.v1',
      'automation.dlq.v1',
    ]);
    expect(AUTOMATION_TOPIC_SPECS[0]?.configs['cleanup.policy']).toBe('compact');
    expect(cdcTopicSpecs('fixlify').map((t) => t.topic)).toContain('fixlify.public.jobs');
  });
});
