import type { Admin, Kafka } from 'kafkajs';
import { Counter, Gauge } from 'prom-client';
import type { Logger } from './logger';
import { registry } from './observability';

/** What one part of a service says about itself: ok, or why not. */
export interface CheckResult {
  ok: boolean;
  detail?: string;
}
export type Check = () => CheckResult;

export const consumerRunning = new Gauge({
  name: 'fixlify_consumer_running',
  help: '1 while a consumer is joined to its group and consuming; 0 while it is (re)starting or waiting for a dependency',
  labelNames: ['consumer'] as const,
  registers: [registry],
});
export const consumerRestarts = new Counter({
  name: 'fixlify_consumer_restarts_total',
  help: 'Times a crashed consumer was started again (with a fresh producer where it has one)',
  labelNames: ['consumer'] as const,
  registers: [registry],
});
export const dependencyUp = new Gauge({
  name: 'fixlify_dependency_up',
  help: '1 while a dependency (postgres, kafka, change capture) answers its probe',
  labelNames: ['dependency'] as const,
  registers: [registry],
});

/**
 * The readiness of one process: every consumer and dependency registers a check, and the
 * service is ready only when all of them are ok. `/health/ready` answers with each check.
 */
export class Health {
  private readonly checks = new Map<string, Check>();

  add(name: string, check: Check): this {
    this.checks.set(name, check);
    return this;
  }

  report(): { ready: boolean; checks: Record<string, CheckResult> } {
    const checks: Record<string, CheckResult> = {};
    let ready = this.checks.size > 0;
    for (const [name, check] of this.checks) {
      let r: CheckResult;
      try {
        r = check();
      } catch (e) {
        r = { ok: false, detail: e instanceof Error ? e.message : String(e) };
      }
      checks[name] = r;
      if (!r.ok) ready = false;
    }
    return { ready, checks };
  }
}

export interface Probe {
  check: Check;
  stop: () => void;
}

/** `p`, or a rejection naming `what` once `ms` have passed */
export const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });

/**
 * A dependency probed in the background (every `intervalMs`, each probe bounded by `timeoutMs`),
 * so a readiness request never waits on a dead dependency. Logs each transition once: the
 * service says when it starts waiting for a dependency and when the dependency is back.
 * `run` resolves when the dependency answers; it may resolve with a detail to report.
 */
export const probeDependency = (o: { name: string; log: Logger; run: () => Promise<string | void>; intervalMs?: number; timeoutMs?: number }): Probe => {
  const intervalMs = o.intervalMs ?? 2000;
  const timeoutMs = o.timeoutMs ?? 3000;
  let state: CheckResult = { ok: false, detail: 'not probed yet' };
  let wasOk: boolean | null = null;
  let busy = false;
  const once = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      const detail = await withTimeout(o.run(), timeoutMs, o.name);
      state = detail ? { ok: true, detail } : { ok: true };
    } catch (e) {
      state = { ok: false, detail: e instanceof Error ? e.message : String(e) };
    } finally {
      busy = false;
    }
    dependencyUp.set({ dependency: o.name }, state.ok ? 1 : 0);
    if (wasOk !== state.ok) {
      if (state.ok) o.log.info({ dependency: o.name }, `${o.name} reachable`);
      else o.log.warn({ dependency: o.name, detail: state.detail }, `${o.name} unreachable; waiting for it`);
      wasOk = state.ok;
    }
  };
  void once();
  const timer = setInterval(() => void once(), intervalMs);
  timer.unref();
  return { check: () => state, stop: () => clearInterval(timer) };
};

/** PostgreSQL answers `SELECT 1` (any pool-like object). */
export const probePostgres = (pool: { query: (sql: string) => Promise<unknown> }, log: Logger, name = 'postgres'): Probe =>
  probeDependency({
    name,
    log,
    run: async () => {
      await pool.query('SELECT 1');
    },
  });

/** The Kafka cluster answers a metadata request and has a controller. */
export const probeKafka = (kafka: Kafka, log: Logger): Probe => {
  let admin: Admin | null = null;
  return probeDependency({
    name: 'kafka',
    log,
    run: async () => {
      try {
        admin ??= kafka.admin({ retry: { retries: 0 } });
        await admin.connect();
        const c = await admin.describeCluster();
        if (c.brokers.length === 0) throw new Error('no brokers in the cluster metadata');
      } catch (e) {
        // a fresh admin next time: a broken one keeps failing on its dead connection
        const broken = admin;
        admin = null;
        await broken?.disconnect().catch(() => undefined);
        throw e;
      }
    },
  });
};
