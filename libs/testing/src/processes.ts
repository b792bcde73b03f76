import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../../..');

export const freePort = (): Promise<number> =>
  new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
  });

export type ServiceName = 'ingest' | 'matcher' | 'executor' | 'metrics' | 'replay' | 'api';

/** Jest loads this module once per test file: the services a file starts share consumer groups only with each other. */
const FILE_TAG = randomUUID().slice(0, 8);
/** The consumer-group prefix of the services this test file starts (unless it sets FIXLIFY_GROUP_PREFIX itself). */
export const testGroupPrefix = `t-${process.pid}-${FILE_TAG}`;

const PORT_VAR: Record<ServiceName, string> = {
  ingest: 'INGEST_HTTP_PORT',
  matcher: 'MATCHER_HTTP_PORT',
  executor: 'EXECUTOR_HTTP_PORT',
  metrics: 'METRICS_HTTP_PORT',
  replay: 'REPLAY_HTTP_PORT',
  api: 'API_PORT',
};

export interface ServiceProcess {
  name: ServiceName;
  port: number;
  child: ChildProcess;
  logFile: string;
  waitReady(timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  exited(): boolean;
}

/**
 * Starts a service as its own OS process (so tests can SIGKILL it), logging to artifacts/logs.
 * By default the services of one test process share consumer groups of their own (prefix
 * t-<pid>) that start at the end of the log; `env` overrides (e.g. a fixed FIXLIFY_INSTANCE_ID so
 * a restarted instance fences its killed predecessor).
 */
export const startService = async (name: ServiceName, env: Record<string, string> = {}, label: string = name): Promise<ServiceProcess> => {
  const dir = join(REPO_ROOT, 'artifacts', 'logs');
  mkdirSync(dir, { recursive: true });
  const portVar = PORT_VAR[name];
  const state = { port: 0, child: null as unknown as ChildProcess, exited: false, logFile: '' };
  const spawnOnce = async (): Promise<void> => {
    state.port = env[portVar] ? Number(env[portVar]) : await freePort();
    // ingest also serves trigger endpoints (manual, inbound webhooks) on a port of their own
    const extraPorts: Record<string, string> = name === 'ingest' && !env.INGEST_TRIGGER_PORT ? { INGEST_TRIGGER_PORT: String(await freePort()) } : {};
    state.logFile = join(dir, `${label}-${Date.now()}.log`);
    const out = createWriteStream(state.logFile);
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join('services', name, 'src', 'main.ts')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        [portVar]: String(state.port),
        ...extraPorts,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
        // each test file gets its own consumer groups, starting at the end of the log: a group shared
        // with an earlier file of the same run would first work through everything that file left behind
        FIXLIFY_GROUP_PREFIX: testGroupPrefix,
        FIXLIFY_START_FROM: 'latest',
        FIXLIFY_INSTANCE_ID: `${label}-${process.pid}`,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    state.child = child;
    state.exited = false;
    child.once('exit', () => {
      state.exited = true;
    });
  };
  await spawnOnce();
  /** A free port picked here can be taken by another process before the service binds it: then it is started again on another. */
  const lostItsPort = async (): Promise<boolean> => {
    if (env[portVar]) return false;
    await new Promise((r) => setTimeout(r, 200)); // let the log catch up with the exit
    try {
      return readFileSync(state.logFile, 'utf8').includes('EADDRINUSE');
    } catch {
      return false;
    }
  };
  return {
    name,
    get port() {
      return state.port;
    },
    get child() {
      return state.child;
    },
    get logFile() {
      return state.logFile;
    },
    exited: () => state.exited,
    waitReady: async (timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      let respawns = 0;
      while (Date.now() < deadline) {
        if (state.exited) {
          if (respawns < 3 && (await lostItsPort())) {
            respawns++;
            await spawnOnce();
            continue;
          }
          throw new Error(`${label} exited before it was ready; see ${state.logFile}`);
        }
        try {
          const r = await fetch(`http://127.0.0.1:${state.port}/health/ready`);
          if (r.ok) return;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${label} not ready after ${timeoutMs} ms; see ${state.logFile}`);
    },
    kill: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (state.exited) return;
      const child = state.child;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(t);
    },
  };
};

/** Polls `fn` until it answers a value; on timeout the error names `what`, the last error seen and, if given, `progress()` at that moment. */
export const waitFor = async <T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
  what: string,
  intervalMs = 100,
  progress?: () => string,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${progress ? ` (${progress()})` : ''}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`,
  );
};

/** Runs the CLI (`bin/fixlify.js`) as a newcomer would, with extra environment; resolves with its exit code and all it printed. */
export const runCli = (args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'fixlify.js'), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });

/**
 * `npm run stack -- <args>` as a person would type it, with extra environment (say, FIXLIFY_STACK_DIR
 * and ports for a second stack); resolves with its exit code and output.
 */
export const stackCli = (args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> =>
  new Promise((resolve) => {
    const child = spawn('npm', ['run', '-s', 'stack', '--', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (c) => resolve({ code: c ?? 1, out }));
  });
