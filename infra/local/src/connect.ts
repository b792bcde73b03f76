import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StackConfig } from './config';
import { statePaths } from './config';
import { CONNECTOR_NAME, POSTGRES_CONNECTOR_CLASS, sameConnectorConfig } from './connector';
import { classpath } from './maven';
import { StackError, isAlive, ourPid, spawnDetached, waitUntil } from './proc';
import { connectWorkerProperties, jvmFlags } from './settings';

const PART = 'connect';
const MAIN = 'org.apache.kafka.connect.cli.ConnectDistributed';

export const connectLog = (config: StackConfig) => path.join(statePaths(config).logs, 'connect.log');
const pidFile = (config: StackConfig) => path.join(statePaths(config).run, 'connect.pid');

export const connectPid = (config: StackConfig) => ourPid(pidFile(config), [MAIN, statePaths(config).connectProps]);

interface HttpResult {
  readonly status: number;
  readonly body: unknown;
}

async function http(config: StackConfig, method: 'GET' | 'PUT' | 'POST', urlPath: string, body?: unknown): Promise<HttpResult> {
  const res = await fetch(`${config.CONNECT_URL}${urlPath}`, {
    method,
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* keep the text */
  }
  return { status: res.status, body: parsed };
}

/** Healthy = the REST API answers and the Debezium PostgreSQL connector plugin is loaded. */
export async function connectHealthy(config: StackConfig): Promise<boolean> {
  const root = await http(config, 'GET', '/');
  if (root.status !== 200) throw new Error(`GET / answered ${root.status}`);
  const plugins = await http(config, 'GET', '/connector-plugins');
  if (plugins.status !== 200 || !Array.isArray(plugins.body)) throw new Error(`GET /connector-plugins answered ${plugins.status}`);
  if (!plugins.body.some((p: { class?: unknown }) => p.class === POSTGRES_CONNECTOR_CLASS)) {
    throw new Error(`${POSTGRES_CONNECTOR_CLASS} is not among the connector plugins (is Debezium on the classpath?)`);
  }
  return true;
}

export async function startConnect(config: StackConfig): Promise<void> {
  const paths = statePaths(config);
  const logFile = connectLog(config);
  fs.mkdirSync(paths.connectRoot, { recursive: true });
  fs.writeFileSync(paths.connectProps, connectWorkerProperties(config));
  const pid = await spawnDetached(config.java, [...jvmFlags(config.connect.heap), '-cp', classpath(config, 'connect'), MAIN, paths.connectProps], {
    logFile,
    cwd: paths.connectRoot,
  });
  fs.writeFileSync(pidFile(config), `${pid}\n`);
  try {
    await waitUntil('connect', () => connectHealthy(config), { timeoutMs: config.timeoutMs, intervalMs: 500, alive: () => isAlive(pid) });
  } catch (e) {
    throw new StackError(PART, (e as Error).message, logFile);
  }
}

export interface ConnectorStatus {
  readonly connector: string;
  readonly tasks: readonly { readonly id: number; readonly state: string; readonly trace?: string }[];
  readonly trace?: string;
}

export async function connectorStatus(config: StackConfig): Promise<ConnectorStatus | undefined> {
  const r = await http(config, 'GET', `/connectors/${CONNECTOR_NAME}/status`);
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw new Error(`GET status answered ${r.status}: ${JSON.stringify(r.body)}`);
  const b = r.body as { connector: { state: string; trace?: string }; tasks: { id: number; state: string; trace?: string }[] };
  return { connector: b.connector.state, tasks: b.tasks, trace: b.connector.trace };
}

/** PUTs the config unless Connect already holds the same one; returns whether it changed. */
export async function registerConnector(config: StackConfig, wanted: Record<string, string>): Promise<boolean> {
  const current = await http(config, 'GET', `/connectors/${CONNECTOR_NAME}/config`);
  if (current.status === 200 && sameConnectorConfig(current.body as Record<string, string>, wanted)) return false;
  const put = await http(config, 'PUT', `/connectors/${CONNECTOR_NAME}/config`, wanted);
  if (put.status !== 200 && put.status !== 201) {
    throw new StackError('connector', `PUT /connectors/${CONNECTOR_NAME}/config answered ${put.status}: ${JSON.stringify(put.body)}`, connectLog(config));
  }
  return true;
}

/**
 * Waits until the connector and every task are RUNNING; a FAILED state fails at once with its trace,
 * except during the first `settleMs` (after a config change or a restart the old FAILED status
 * lingers until the new task reports).
 */
export async function waitConnectorRunning(config: StackConfig, opts: { settleMs?: number } = {}): Promise<void> {
  let failed: string | undefined;
  const settledAt = Date.now() + (opts.settleMs ?? 0);
  try {
    await waitUntil(
      'connector',
      async () => {
        const s = await connectorStatus(config);
        if (s === undefined) return false;
        const bad = [s.connector === 'FAILED' ? s.trace : undefined, ...s.tasks.filter((t) => t.state === 'FAILED').map((t) => t.trace)];
        const trace = bad.find((t) => t !== undefined);
        if (trace !== undefined && Date.now() >= settledAt) {
          failed = trace;
          return true;
        }
        return s.connector === 'RUNNING' && s.tasks.length > 0 && s.tasks.every((t) => t.state === 'RUNNING');
      },
      { timeoutMs: config.timeoutMs, intervalMs: 300 },
    );
  } catch (e) {
    throw new StackError('connector', (e as Error).message, connectLog(config));
  }
  if (failed !== undefined) {
    const firstLines = failed.split('\n').slice(0, 6).join('\n  ');
    throw new StackError('connector', `${CONNECTOR_NAME} FAILED:\n  ${firstLines}`, connectLog(config));
  }
}

/** Restarts a failed connector and its tasks (Connect keeps FAILED until told). */
export async function restartConnector(config: StackConfig): Promise<void> {
  await http(config, 'POST', `/connectors/${CONNECTOR_NAME}/restart?includeTasks=true&onlyFailed=true`);
}

export { pidFile as connectPidFile };
