import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
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

export type ServiceName = 'ingest' | 'matcher' | 'executor' | 'metrics' | 'api';

const PORT_VAR: Record<ServiceName, string> = {
  ingest: 'INGEST_HTTP_PORT',
  matcher: 'MATCHER_HTTP_PORT',
  executor: 'EXECUTOR_HTTP_PORT',
  metrics: 'METRICS_HTTP_PORT',
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
  const port = await freePort();
  // ingest also serves trigger endpoints (manual, inbound webhooks) on a port of their own
  const extraPorts: Record<string, string> = name === 'ingest' ? { INGEST_TRIGGER_PORT: String(await freePort()) } : {};
  const dir = join(REPO_ROOT, 'artifacts', 'logs');
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, `${label}-${Date.now()}.log`);
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join('services', name, 'src', 'main.ts')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      [PORT_VAR[name]]: String(port),
      ...extraPorts,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      // each test run gets its own consumer groups, starting at the end of the log
      FIXLIFY_GROUP_PREFIX: `t-${process.pid}`,
      FIXLIFY_START_FROM: 'latest',
      FIXLIFY_INSTANCE_ID: `${label}-${process.pid}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  let exitedFlag = false;
  child.once('exit', () => {
    exitedFlag = true;
  });
  return {
    name,
    port,
    child,
    logFile,
    exited: () => exitedFlag,
    waitReady: async (timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (exitedFlag) throw new Error(`${label} exited before it was ready; see ${logFile}`);
        try {
          const r = await fetch(`http://127.0.0.1:${port}/health/ready`);
          if (r.ok) return;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${label} not ready after ${timeoutMs} ms; see ${logFile}`);
    },
    kill: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (exitedFlag) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(t);
    },
  };
};

export const waitFor = async <T>(fn: () => Promise<T | undefined | null | false>, timeoutMs: number, what: string, intervalMs = 100): Promise<T> => {
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
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`);
};
