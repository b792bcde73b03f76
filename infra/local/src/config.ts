import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { CDC_TOPIC_PREFIX_DEFAULT } from '@fixlify/contracts';

/** Repository root (this file lives in infra/local/src). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

const port = (fallback: number) => z.coerce.number().int().min(1024).max(65535).default(fallback);

/**
 * Every variable the local stack reads. Services read only the derived names
 * (DATABASE_URL, KAFKA_BROKERS, CONNECT_URL, FIXLIFY_CDC_PREFIX), see stackEnv().
 */
const EnvSchema = z
  .object({
    FIXLIFY_STACK_DIR: z.string().min(1).optional().describe('State dir: data, logs, pid files, Maven lib cache. Default <repo>/.stack (git-ignored).'),
    FIXLIFY_PG_BIN: z.string().min(1).optional().describe('Folder with initdb/pg_ctl/postgres. Default /usr/lib/postgresql/15/bin, then `pg_config --bindir`.'),
    FIXLIFY_PG_PORT: port(55432).describe('PostgreSQL TCP port on 127.0.0.1.'),
    FIXLIFY_PG_DATABASE: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/)
      .default('fixlify')
      .describe('Database created on first start and migrated.'),
    FIXLIFY_KAFKA_PORT: port(29092).describe('Kafka broker (PLAINTEXT) port on 127.0.0.1.'),
    FIXLIFY_KAFKA_CONTROLLER_PORT: port(29093).describe('KRaft controller port on 127.0.0.1.'),
    FIXLIFY_KAFKA_NODES: z.coerce
      .number()
      .int()
      .min(1)
      .max(5)
      .default(1)
      .describe(
        'Kafka nodes (KRaft, each broker and controller). 3 (`up --brokers 3`): replication factor 3, min.insync.replicas 2; node n listens on the ports above + 100 × (n − 1). Remembered in the state dir.',
      ),
    FIXLIFY_CONNECT_PORT: port(28083).describe('Kafka Connect REST port on 127.0.0.1.'),
    FIXLIFY_CDC_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .default(CDC_TOPIC_PREFIX_DEFAULT)
      .describe('Debezium topic.prefix: change topics are <prefix>.public.<table>.'),
    FIXLIFY_KAFKA_HEAP: z
      .string()
      .regex(/^\d+[mg]$/)
      .default('512m')
      .describe('Broker JVM -Xmx (2-core dev machines: keep it small).'),
    FIXLIFY_CONNECT_HEAP: z
      .string()
      .regex(/^\d+[mg]$/)
      .default('768m')
      .describe('Connect JVM -Xmx.'),
    FIXLIFY_STACK_TIMEOUT_MS: z.coerce.number().int().positive().default(180_000).describe('How long `up` waits for one part to become healthy.'),
    JAVA_HOME: z.string().min(1).optional().describe('If set, $JAVA_HOME/bin/java is used instead of `java` on PATH.'),
  })
  .refine(
    (e) => {
      const kafka = kafkaNodes(e.FIXLIFY_KAFKA_PORT, e.FIXLIFY_KAFKA_CONTROLLER_PORT, e.FIXLIFY_KAFKA_NODES).flatMap((n) => [n.port, n.controllerPort]);
      const all = [e.FIXLIFY_PG_PORT, e.FIXLIFY_CONNECT_PORT, ...kafka];
      return new Set(all).size === all.length && all.every((p) => p <= 65535);
    },
    {
      message:
        'FIXLIFY_PG_PORT, FIXLIFY_CONNECT_PORT and the Kafka ports (FIXLIFY_KAFKA_PORT, FIXLIFY_KAFKA_CONTROLLER_PORT, + 100 per further node) must differ and stay ≤ 65535',
    },
  );

/** One Kafka node of the local stack: broker and KRaft controller in one process. */
export interface KafkaNode {
  /** node.id, 1-based */
  readonly id: number;
  readonly port: number;
  readonly controllerPort: number;
}

/** Node n listens on the configured ports + 100 × (n − 1). */
function kafkaNodes(port: number, controllerPort: number, count: number): KafkaNode[] {
  return Array.from({ length: count }, (_, i) => ({ id: i + 1, port: port + 100 * i, controllerPort: controllerPort + 100 * i }));
}

export interface StackConfig {
  readonly repoRoot: string;
  readonly stateDir: string;
  readonly pgBin: string | undefined;
  readonly pg: { readonly host: '127.0.0.1'; readonly port: number; readonly database: string; readonly user: 'postgres' };
  readonly kafka: {
    /** node 1's ports */
    readonly port: number;
    readonly controllerPort: number;
    readonly heap: string;
    readonly nodes: readonly KafkaNode[];
    /** replication factor of every topic (offsets and transaction logs included): min(3, nodes) */
    readonly replication: number;
    /** min.insync.replicas: 2 with three or more nodes, so one node may fail without losing an acknowledged write */
    readonly minInsyncReplicas: number;
  };
  readonly connect: { readonly port: number; readonly heap: string };
  readonly cdcPrefix: string;
  readonly timeoutMs: number;
  readonly java: string;
  /** Derived URLs, under the env names services read. */
  readonly DATABASE_URL: string;
  readonly KAFKA_BROKERS: string;
  readonly CONNECT_URL: string;
}

/** Pure parser (tests pass their own env); most callers want stackConfig(). */
export function parseStackConfig(env: NodeJS.ProcessEnv): StackConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new Error(`invalid local stack configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const pg = { host: '127.0.0.1', port: e.FIXLIFY_PG_PORT, database: e.FIXLIFY_PG_DATABASE, user: 'postgres' } as const;
  const nodes = kafkaNodes(e.FIXLIFY_KAFKA_PORT, e.FIXLIFY_KAFKA_CONTROLLER_PORT, e.FIXLIFY_KAFKA_NODES);
  return {
    repoRoot: REPO_ROOT,
    stateDir: path.resolve(REPO_ROOT, e.FIXLIFY_STACK_DIR ?? '.stack'),
    pgBin: e.FIXLIFY_PG_BIN,
    pg,
    kafka: {
      port: e.FIXLIFY_KAFKA_PORT,
      controllerPort: e.FIXLIFY_KAFKA_CONTROLLER_PORT,
      heap: e.FIXLIFY_KAFKA_HEAP,
      nodes,
      replication: Math.min(3, nodes.length),
      minInsyncReplicas: nodes.length >= 3 ? 2 : 1,
    },
    connect: { port: e.FIXLIFY_CONNECT_PORT, heap: e.FIXLIFY_CONNECT_HEAP },
    cdcPrefix: e.FIXLIFY_CDC_PREFIX,
    timeoutMs: e.FIXLIFY_STACK_TIMEOUT_MS,
    java: e.JAVA_HOME ? path.join(e.JAVA_HOME, 'bin', 'java') : 'java',
    DATABASE_URL: `postgres://${pg.user}@${pg.host}:${pg.port}/${pg.database}`,
    KAFKA_BROKERS: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    CONNECT_URL: `http://127.0.0.1:${e.FIXLIFY_CONNECT_PORT}`,
  };
}

let cached: StackConfig | undefined;

/**
 * Where `up --brokers N` records the node count: a formatted KRaft quorum cannot change its voters,
 * so later commands (`npm test`, `npm start`, `status`, `down`) must find the same cluster.
 */
export const kafkaNodesFile = (stateDir: string): string => path.join(stateDir, 'kafka', 'nodes');

/** The node count recorded in a state dir, if any. */
export function recordedKafkaNodes(stateDir: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(kafkaNodesFile(stateDir), 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The stack configuration from process.env, parsed once; throws with every bad variable named.
 * FIXLIFY_KAFKA_NODES, when unset, is what the state dir recorded (`up --brokers N`), else 1.
 */
export function stackConfig(): StackConfig {
  if (cached) return cached;
  const stateDir = path.resolve(REPO_ROOT, process.env.FIXLIFY_STACK_DIR ?? '.stack');
  const recorded = recordedKafkaNodes(stateDir);
  const env = process.env.FIXLIFY_KAFKA_NODES === undefined && recorded !== undefined ? { ...process.env, FIXLIFY_KAFKA_NODES: String(recorded) } : process.env;
  cached = parseStackConfig(env);
  return cached;
}

/** The environment a service needs to talk to this stack. */
export function stackEnv(config: StackConfig = stackConfig()): Record<'DATABASE_URL' | 'KAFKA_BROKERS' | 'CONNECT_URL' | 'FIXLIFY_CDC_PREFIX', string> {
  return {
    DATABASE_URL: config.DATABASE_URL,
    KAFKA_BROKERS: config.KAFKA_BROKERS,
    CONNECT_URL: config.CONNECT_URL,
    FIXLIFY_CDC_PREFIX: config.cdcPrefix,
  };
}

/** Layout of the state dir; one place so status/down/wipe agree with up. */
export function statePaths(config: StackConfig) {
  const s = config.stateDir;
  return {
    root: s,
    logs: path.join(s, 'logs'),
    run: path.join(s, 'run'),
    lib: path.join(s, 'lib'),
    pgRoot: path.join(s, 'pg'),
    pgData: path.join(s, 'pg', 'data'),
    pgSocketDir: path.join(s, 'pg', 'run'),
    kafkaRoot: path.join(s, 'kafka'),
    /** node 1's data and settings (kafkaNodePaths gives every node's) */
    kafkaData: path.join(s, 'kafka', 'data'),
    kafkaProps: path.join(s, 'kafka', 'server.properties'),
    connectRoot: path.join(s, 'connect'),
    connectProps: path.join(s, 'connect', 'worker.properties'),
    lock: path.join(s, 'stack.lock'),
  } as const;
}
export type StatePaths = ReturnType<typeof statePaths>;

/**
 * A Kafka node's files: node 1 keeps the single-node layout (kafka/data, kafka/server.properties,
 * run/kafka.pid, logs/kafka.log); node n > 1 has kafka/node-n/… and kafka-n.pid / kafka-n.log.
 */
export function kafkaNodePaths(config: StackConfig, node: KafkaNode) {
  const paths = statePaths(config);
  if (node.id === 1) {
    return { data: paths.kafkaData, props: paths.kafkaProps, pid: path.join(paths.run, 'kafka.pid'), log: path.join(paths.logs, 'kafka.log') } as const;
  }
  const root = path.join(paths.kafkaRoot, `node-${node.id}`);
  return {
    data: path.join(root, 'data'),
    props: path.join(root, 'server.properties'),
    pid: path.join(paths.run, `kafka-${node.id}.pid`),
    log: path.join(paths.logs, `kafka-${node.id}.log`),
  } as const;
}
