import type { Pool } from 'pg';
import { Counter, Gauge } from 'prom-client';
import type { ChangeCaptureStatus } from '@fixlify/contracts';
import { registry, type CheckResult, type Logger } from '@fixlify/kafka';

const connectorUp = new Gauge({
  name: 'fixlify_cdc_connector_running',
  help: '1 while the Debezium connector and all its tasks are RUNNING (Connect REST)',
  registers: [registry],
});
const slotRetained = new Gauge({
  name: 'fixlify_cdc_slot_retained_wal_bytes',
  help: 'WAL the replication slot keeps (pg_current_wal_lsn - restart_lsn): grows while change capture is stopped',
  registers: [registry],
});
const slotActive = new Gauge({ name: 'fixlify_cdc_slot_active', help: '1 while a walsender reads the replication slot', registers: [registry] });
const heartbeatAge = new Gauge({
  name: 'fixlify_cdc_heartbeat_age_seconds',
  help: 'Seconds since the last Debezium heartbeat reached ingest (end to end: PostgreSQL, Connect, Kafka)',
  registers: [registry],
});
const taskRestarts = new Counter({ name: 'fixlify_cdc_task_restarts_total', help: 'Failed connector tasks restarted by the watchdog', registers: [registry] });

export interface WatchdogOptions {
  pool: Pool;
  log: Logger;
  connectUrl: string;
  connectorName: string;
  slotName: string;
  /** Debezium's heartbeat.interval.ms: heartbeats older than three intervals mean capture has stopped */
  heartbeatIntervalMs: number;
  pollMs: number;
  /** restart FAILED tasks through Connect (at most once per this many ms); 0 turns it off */
  restartFailedEveryMs: number;
  now?: () => number;
}

export interface CaptureWatchdog {
  /** ingest saw a heartbeat written at this time (broker timestamp, ms) */
  heartbeat: (atMs: number) => void;
  status: () => ChangeCaptureStatus;
  check: () => CheckResult;
  stop: () => void;
}

const firstLine = (trace: string | undefined): string | null => (trace ? (trace.split('\n')[0] ?? '').slice(0, 500) : null);

/**
 * Watches change capture like any other dependency: the connector's and tasks' state from Connect's
 * REST API, the replication slot's retained WAL, and the age of the newest Debezium heartbeat that
 * made it through to ingest. A FAILED task is restarted (Connect never does it by itself), spaced out
 * so a task that fails again on the same record is not hammered.
 */
export const startCaptureWatchdog = (o: WatchdogOptions): CaptureWatchdog => {
  const now = o.now ?? Date.now;
  const startedAt = now();
  let lastBeat: number | null = null;
  let lastRestart = 0;
  let restarts = 0;
  let stoppedSince: number | null = null;
  let wasRunning: boolean | null = null;
  let current: ChangeCaptureStatus = {
    state: 'unknown',
    reason: 'not checked yet',
    stoppedSince: null,
    connector: { name: o.connectorName, state: null, tasks: [] },
    slot: { name: o.slotName, active: null, retainedWalBytes: null },
    heartbeatAgeSeconds: null,
    taskRestarts: 0,
    checkedAt: null,
  };

  const connectStatus = async (): Promise<{ state: string | null; tasks: ChangeCaptureStatus['connector']['tasks']; error: string | null }> => {
    try {
      const res = await fetch(`${o.connectUrl}/connectors/${encodeURIComponent(o.connectorName)}/status`, { signal: AbortSignal.timeout(3000) });
      if (res.status === 404) return { state: null, tasks: [], error: `connector ${o.connectorName} is not registered in Kafka Connect` };
      if (!res.ok) return { state: null, tasks: [], error: `Kafka Connect answered ${res.status}` };
      const b = (await res.json()) as { connector?: { state?: string; trace?: string }; tasks?: { id: number; state: string; trace?: string }[] };
      return { state: b.connector?.state ?? null, tasks: (b.tasks ?? []).map((t) => ({ id: t.id, state: t.state, error: firstLine(t.trace) })), error: null };
    } catch (e) {
      return { state: null, tasks: [], error: `Kafka Connect unreachable (${e instanceof Error ? e.message : String(e)})` };
    }
  };

  const slotStatus = async (): Promise<{ active: boolean | null; retainedWalBytes: number | null; error: string | null }> => {
    try {
      const r = await o.pool.query<{ active: boolean; retained: string | null }>(
        `SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint::text AS retained FROM pg_replication_slots WHERE slot_name = $1`,
        [o.slotName],
      );
      const row = r.rows[0];
      if (!row) return { active: null, retainedWalBytes: null, error: `replication slot ${o.slotName} does not exist` };
      return { active: row.active, retainedWalBytes: row.retained === null ? null : Number(row.retained), error: null };
    } catch (e) {
      return { active: null, retainedWalBytes: null, error: `PostgreSQL unreachable (${e instanceof Error ? e.message : String(e)})` };
    }
  };

  const restartFailed = async (): Promise<void> => {
    lastRestart = now();
    try {
      const res = await fetch(`${o.connectUrl}/connectors/${encodeURIComponent(o.connectorName)}/restart?includeTasks=true&onlyFailed=true`, {
        method: 'POST',
        signal: AbortSignal.timeout(5000),
      });
      if (res.ok) {
        restarts++;
        taskRestarts.inc();
        o.log.warn({ connector: o.connectorName }, 'change capture: restarted the failed connector tasks');
      } else o.log.warn({ connector: o.connectorName, status: res.status }, 'change capture: Connect refused to restart the failed tasks');
    } catch (e) {
      o.log.warn({ err: e }, 'change capture: could not ask Connect to restart the failed tasks');
    }
  };

  let busy = false;
  const check = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      const [c, slot] = await Promise.all([connectStatus(), slotStatus()]);
      const t = now();
      const age = lastBeat === null ? null : Math.max(0, (t - lastBeat) / 1000);
      const stale = o.heartbeatIntervalMs * 3;
      const failedTask = c.tasks.find((x) => x.state === 'FAILED');
      const idleTask = c.tasks.find((x) => x.state !== 'RUNNING');
      let reason: string | null = null;
      if (c.error) reason = c.error;
      else if (c.state !== 'RUNNING') reason = `connector ${o.connectorName} is ${c.state ?? 'unknown'}`;
      else if (c.tasks.length === 0) reason = `connector ${o.connectorName} has no tasks`;
      else if (failedTask) reason = `task ${failedTask.id} FAILED: ${failedTask.error ?? 'no trace'}`;
      else if (idleTask) reason = `task ${idleTask.id} is ${idleTask.state}`;
      else if (slot.error) reason = slot.error;
      // before the first heartbeat (a fresh ingest), the connector's word is taken for a while
      else if (age === null ? t - startedAt > stale + o.heartbeatIntervalMs : age * 1000 > stale)
        reason = `no heartbeat from change capture for ${age === null ? Math.round((t - startedAt) / 1000) : Math.round(age)} s`;
      const running = reason === null;
      if (running) stoppedSince = null;
      else stoppedSince ??= t;
      if (wasRunning !== running) {
        if (running) o.log.info({ connector: o.connectorName }, 'change capture running');
        else o.log.error({ connector: o.connectorName, reason }, 'change capture stopped: automations triggered by data changes are paused');
        wasRunning = running;
      }
      current = {
        state: running ? 'running' : 'stopped',
        reason,
        stoppedSince: stoppedSince === null ? null : new Date(stoppedSince).toISOString(),
        connector: { name: o.connectorName, state: c.state, tasks: c.tasks },
        slot: { name: o.slotName, active: slot.active, retainedWalBytes: slot.retainedWalBytes },
        heartbeatAgeSeconds: age === null ? null : Math.round(age * 10) / 10,
        taskRestarts: restarts,
        checkedAt: new Date(t).toISOString(),
      };
      connectorUp.set(c.state === 'RUNNING' && c.tasks.length > 0 && c.tasks.every((x) => x.state === 'RUNNING') ? 1 : 0);
      if (slot.retainedWalBytes !== null) slotRetained.set(slot.retainedWalBytes);
      if (slot.active !== null) slotActive.set(slot.active ? 1 : 0);
      if (age !== null) heartbeatAge.set(age);
      if ((failedTask || c.state === 'FAILED') && o.restartFailedEveryMs > 0 && t - lastRestart >= o.restartFailedEveryMs) await restartFailed();
    } finally {
      busy = false;
    }
  };
  void check().catch((e: unknown) => o.log.warn({ err: e }, 'change capture check failed'));
  const timer = setInterval(() => void check().catch((e: unknown) => o.log.warn({ err: e }, 'change capture check failed')), o.pollMs);
  timer.unref();

  return {
    heartbeat: (atMs) => {
      if (lastBeat === null || atMs > lastBeat) lastBeat = atMs;
    },
    status: () => current,
    check: () => (current.state === 'running' ? { ok: true } : { ok: false, detail: current.reason ?? 'change capture state unknown' }),
    stop: () => clearInterval(timer),
  };
};
