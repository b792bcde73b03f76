import * as fs from 'node:fs';
import * as path from 'node:path';
import { CAPTURED_TABLES } from '@fixlify/contracts';
import { REPO_ROOT, parseStackConfig, statePaths } from './config';
import { connectWorkerProperties, kafkaServerProperties, postgresSettings } from './settings';
import { AUTOMATION_TOPIC_SPECS, cdcTopicSpecs } from './topics';

// infra/compose cannot run here (no Docker); these checks keep it in step with the Docker-free stack.
const compose = fs.readFileSync(path.join(REPO_ROOT, 'infra', 'compose', 'docker-compose.yml'), 'utf8');

describe('infra/compose mirrors infra/local', () => {
  it('creates the same automation topics with the same partitions and configs', () => {
    for (const spec of AUTOMATION_TOPIC_SPECS) {
      const configs = Object.entries(spec.configs)
        .map(([k, v]) => ` --config ${k}=${v}`)
        .join('');
      expect(compose).toContain(`t --topic ${spec.topic} --partitions ${spec.numPartitions}${configs}\n`);
    }
  });

  it('pre-creates one CDC topic per captured table, with the same configs', () => {
    expect(compose).toContain(`for table in ${CAPTURED_TABLES.join(' ')}; do`);
    const [spec] = cdcTopicSpecs('fixlify');
    const configs = Object.entries(spec!.configs)
      .map(([k, v]) => ` --config ${k}=${v}`)
      .join('');
    expect(configs).toContain('max.message.bytes');
    expect(compose).toContain(`t --topic "fixlify.public.$$table" --partitions ${spec!.numPartitions}${configs}\n`);
  });

  it("pre-creates Debezium's heartbeat topic, which ingest follows, with the same configs", () => {
    const spec = cdcTopicSpecs('fixlify').find((t) => t.topic.startsWith('__debezium-heartbeat.'))!;
    const configs = Object.entries(spec.configs)
      .map(([k, v]) => ` --config ${k}=${v}`)
      .join('');
    expect(compose).toContain(`t --topic ${spec.topic} --partitions ${spec.numPartitions}${configs}\n`);
  });

  it('runs the broker with the same size limits', () => {
    const config = parseStackConfig({});
    const props = kafkaServerProperties(config);
    for (const key of ['message.max.bytes', 'replica.fetch.max.bytes']) {
      const line = props.split('\n').find((l) => l.startsWith(`${key}=`));
      expect(line).toBeDefined();
      expect(compose).toContain(`KAFKA_${key.replace(/\./g, '_').toUpperCase()}: ${line!.slice(key.length + 1)}\n`);
    }
  });

  it("builds Fixlify's Connect transform into the Connect image", () => {
    const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'infra', 'compose', 'connect.Dockerfile'), 'utf8');
    expect(dockerfile).toContain('COPY infra/local/maven/connect-smt ');
    expect(dockerfile).toMatch(/mvn .*-f \/build\/connect-smt\/pom\.xml package/);
    expect(dockerfile).toMatch(/cp \/build\/connect-smt-target\/fixlify-connect-smt-\*\.jar \/opt\/connect\/lib\//);
  });

  it('starts PostgreSQL with the same server settings', () => {
    const config = parseStackConfig({});
    const local = postgresSettings(config, statePaths(config));
    for (const key of ['wal_level', 'max_replication_slots', 'max_wal_senders', 'max_connections', 'shared_buffers', 'fsync'] as const) {
      expect(compose).toContain(`- ${key}=${String(local[key]).replace(/'/g, '')}\n`);
    }
  });

  it('runs Connect with the same worker settings apart from addresses', () => {
    const worker = fs.readFileSync(path.join(REPO_ROOT, 'infra', 'compose', 'connect-worker.properties'), 'utf8');
    const addressKeys = ['bootstrap.servers', 'listeners', 'rest.advertised.host.name', 'rest.advertised.port'];
    for (const line of connectWorkerProperties(parseStackConfig({})).trim().split('\n')) {
      if (!addressKeys.includes(line.slice(0, line.indexOf('=')))) expect(worker).toContain(`${line}\n`);
    }
  });
});
