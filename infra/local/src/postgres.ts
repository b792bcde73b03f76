import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import type { StackConfig } from './config';
import { statePaths } from './config';
import { StackError, isAlive, ourPid, run, type RunResult, waitUntil } from './proc';
import { postgresConf } from './settings';

const PART = 'postgres';
const REQUIRED_BINS = ['initdb', 'pg_ctl', 'postgres'] as const;

export const postgresLog = (config: StackConfig) => path.join(statePaths(config).logs, 'postgres.log');

const isRoot = () => process.getuid?.() === 0;

/** Finds the server binaries: FIXLIFY_PG_BIN, /usr/lib/postgresql/15/bin, then `pg_config --bindir`. */
export async function findPgBin(config: StackConfig): Promise<string> {
  const has = (dir: string) => REQUIRED_BINS.every((b) => fs.existsSync(path.join(dir, b)));
  if (config.pgBin !== undefined) {
    if (has(config.pgBin)) return config.pgBin;
    throw new StackError(PART, `FIXLIFY_PG_BIN=${config.pgBin} has no ${REQUIRED_BINS.join('/')}: point it at a PostgreSQL 15 bin folder`);
  }
  if (has('/usr/lib/postgresql/15/bin')) return '/usr/lib/postgresql/15/bin';
  const res = await run('pg_config', ['--bindir']);
  const dir = res.stdout.trim();
  if (res.code === 0 && has(dir)) return dir;
  throw new StackError(
    PART,
    'PostgreSQL server binaries not found: install PostgreSQL 15 (apt-get install postgresql-15) or set FIXLIFY_PG_BIN to its bin folder',
  );
}

/** Runs a PostgreSQL tool as the postgres user when we are root (initdb and postgres refuse root). */
function asPg(cmd: string, args: readonly string[], cwd: string, timeoutMs?: number): Promise<RunResult> {
  return isRoot() ? run('runuser', ['-u', 'postgres', '--', cmd, ...args], { cwd, timeoutMs }) : run(cmd, args, { cwd, timeoutMs });
}

function chownToPg(target: string): void {
  if (!isRoot()) return;
  const out = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = out?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new StackError(PART, 'running as root needs a `postgres` system user (useradd -r postgres)');
  fs.chownSync(target, Number(uid), Number(gid));
}

/** The postmaster pid, if the one in our data dir is running. */
export function postgresPid(config: StackConfig): number | undefined {
  const { pgData } = statePaths(config);
  return ourPid(path.join(pgData, 'postmaster.pid'), ['postgres', pgData]);
}

async function query<T>(config: StackConfig, database: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({
    host: config.pg.host,
    port: config.pg.port,
    user: config.pg.user,
    database,
    connectionTimeoutMillis: 2000,
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Healthy = accepts a query on the `postgres` database and runs with wal_level=logical. */
export async function postgresHealthy(config: StackConfig): Promise<boolean> {
  const r = await query(config, 'postgres', (c) => c.query<{ wal_level: string }>('SHOW wal_level'));
  if (r.rows[0]?.wal_level !== 'logical') throw new Error(`wal_level is ${r.rows[0]?.wal_level}, not logical`);
  return true;
}

/** Initialises (once), configures and starts PostgreSQL, then creates the database if missing. */
export async function startPostgres(config: StackConfig, bin: string): Promise<void> {
  const paths = statePaths(config);
  const logFile = postgresLog(config);
  const fail = (msg: string) => new StackError(PART, msg, logFile);
  if (Buffer.byteLength(path.join(paths.pgSocketDir, `.s.PGSQL.${config.pg.port}.lock`)) > 100) {
    throw fail(`socket path under ${paths.pgSocketDir} is too long for a unix socket: set FIXLIFY_STACK_DIR to a shorter path`);
  }
  for (const dir of [paths.pgRoot, paths.pgSocketDir]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    chownToPg(dir);
  }
  if (isRoot()) {
    // access() as the postgres user fails if any parent of the state dir is not traversable.
    const probe = await run('runuser', ['-u', 'postgres', '--', 'test', '-w', paths.pgRoot]);
    if (probe.code !== 0) {
      throw new StackError(
        PART,
        `the postgres user cannot write ${paths.pgRoot}: make every parent folder traversable (chmod o+x) or set FIXLIFY_STACK_DIR to a path such as /var/tmp/fixlify-stack`,
      );
    }
  }
  if (!fs.existsSync(logFile)) fs.writeFileSync(logFile, '');
  chownToPg(logFile);

  if (!fs.existsSync(path.join(paths.pgData, 'PG_VERSION'))) {
    fs.rmSync(paths.pgData, { recursive: true, force: true });
    fs.mkdirSync(paths.pgData, { mode: 0o700 });
    chownToPg(paths.pgData);
    const res = await asPg(
      path.join(bin, 'initdb'),
      ['-D', paths.pgData, '--auth=trust', '-U', 'postgres', '--encoding=UTF8', '--locale=C', '--no-instructions'],
      paths.pgRoot,
    );
    fs.appendFileSync(logFile, `\n===== initdb\n${res.stdout}${res.stderr}`);
    if (res.code !== 0) throw fail(`initdb failed (exit ${res.code})`);
    fs.appendFileSync(path.join(paths.pgData, 'postgresql.conf'), "\n# Local stack settings (infra/local)\ninclude 'fixlify.conf'\n");
  }
  const conf = path.join(paths.pgData, 'fixlify.conf');
  fs.writeFileSync(conf, postgresConf(config, paths));
  chownToPg(conf);

  const timeoutS = Math.ceil(config.timeoutMs / 1000);
  const res = await asPg(
    path.join(bin, 'pg_ctl'),
    ['-D', paths.pgData, '-l', logFile, '-w', '-t', String(timeoutS), 'start'],
    paths.pgRoot,
    config.timeoutMs + 5000,
  );
  if (res.code !== 0) throw fail(`pg_ctl start failed (exit ${res.code}): ${(res.stderr || res.stdout).trim().split('\n').at(-1)}`);
  try {
    await waitUntil('postgres', () => postgresHealthy(config), {
      timeoutMs: config.timeoutMs,
      alive: () => {
        const pid = postgresPid(config);
        return pid !== undefined && isAlive(pid);
      },
    });
  } catch (e) {
    throw fail((e as Error).message);
  }
}

/** Creates the application database; returns true if it was missing. */
export async function ensureDatabase(config: StackConfig): Promise<boolean> {
  const db = config.pg.database;
  return query(config, 'postgres', async (c) => {
    const r = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
    if (r.rowCount) return false;
    // The name is validated by the config schema (lowercase identifier), so quoting is enough.
    await c.query(`CREATE DATABASE "${db}"`);
    return true;
  });
}

/** The captured tables that exist, to warn before the connector builds its publication. */
export async function existingTables(config: StackConfig, tables: readonly string[]): Promise<string[]> {
  return query(config, config.pg.database, async (c) => {
    const r = await c.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name = ANY($1)", [
      tables,
    ]);
    return r.rows.map((row) => row.table_name);
  });
}

export async function stopPostgres(config: StackConfig, bin: string): Promise<'stopped' | 'not-running'> {
  const pid = postgresPid(config);
  if (pid === undefined) return 'not-running';
  const paths = statePaths(config);
  const res = await asPg(path.join(bin, 'pg_ctl'), ['-D', paths.pgData, '-m', 'fast', '-w', '-t', '60', 'stop'], paths.pgRoot);
  if (res.code !== 0 && isAlive(pid)) {
    const imm = await asPg(path.join(bin, 'pg_ctl'), ['-D', paths.pgData, '-m', 'immediate', '-w', '-t', '30', 'stop'], paths.pgRoot);
    if (imm.code !== 0 && isAlive(pid)) throw new StackError(PART, `pg_ctl stop failed: ${imm.stderr.trim()}`, postgresLog(config));
  }
  return 'stopped';
}
