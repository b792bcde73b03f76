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
  .refine((e) => new Set([e.FIXLIFY_PG_PORT, e.FIXLIFY_KAFKA_PORT, e.FIXLIFY_KAFKA_CONTROLLER_PORT, e.FIXLIFY_CONNECT_PORT]).size === 4, {
    message: 'FIXLIFY_PG_PORT, FIXLIFY_KAFKA_PORT, FIXLIFY_KAFKA_CONTROLLER_PORT and FIXLIFY_CONNECT_PORT must differ',
  });

export interface StackConfig {
  readonly repoRoot: string;
  readonly stateDir: string;
  readonly pgBin: string | undefined;
  readonly pg: { readonly host: '127.0.0.1'; readonly port: number; readonly database: string; readonly user: 'postgres' };
  readonly kafka: { readonly port: number; readonly controllerPort: number; readonly heap: string };
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
  return {
    repoRoot: REPO_ROOT,
    stateDir: path.resolve(REPO_ROOT, e.FIXLIFY_STACK_DIR ?? '.stack'),
    pgBin: e.FIXLIFY_PG_BIN,
    pg,
    kafka: { port: e.FIXLIFY_KAFKA_PORT, controllerPort: e.FIXLIFY_KAFKA_CONTROLLER_PORT, heap: e.FIXLIFY_KAFKA_HEAP },
    connect: { port: e.FIXLIFY_CONNECT_PORT, heap: e.FIXLIFY_CONNECT_HEAP },
    cdcPrefix: e.FIXLIFY_CDC_PREFIX,
    timeoutMs: e.FIXLIFY_STACK_TIMEOUT_MS,
    java: e.JAVA_HOME ? path.join(e.JAVA_HOME, 'bin', 'java') : 'java',
    DATABASE_URL: `postgres://${pg.user}@${pg.host}:${pg.port}/${pg.database}`,
    KAFKA_BROKERS: `127.0.0.1:${e.FIXLIFY_KAFKA_PORT}`,
    CONNECT_URL: `http://127.0.0.1:${e.FIXLIFY_CONNECT_PORT}`,
  };
}

let cached: StackConfig | undefined;

/** The stack configuration from process.env, parsed once; throws with every bad variable named. */
export function stackConfig(): StackConfig {
  cached ??= parseStackConfig(process.env);
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
    kafkaData: path.join(s, 'kafka', 'data'),
    kafkaProps: path.join(s, 'kafka', 'server.properties'),
    connectRoot: path.join(s, 'connect'),
    connectProps: path.join(s, 'connect', 'worker.properties'),
    lock: path.join(s, 'stack.lock'),
  } as const;
}
export type StatePaths = ReturnType<typeof statePaths>;
