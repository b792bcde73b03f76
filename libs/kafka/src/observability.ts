import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process; every service exposes it on GET /metrics. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const messagesProcessed = new Counter({
  name: 'fixlify_messages_processed_total',
  help: 'Messages consumed and processed, per consumer and topic',
  labelNames: ['consumer', 'topic'] as const,
  registers: [registry],
});
export const messagesFailed = new Counter({
  name: 'fixlify_messages_failed_total',
  help: 'Messages sent to the dead-letter topic or skipped, per consumer, topic and reason',
  labelNames: ['consumer', 'topic', 'reason'] as const,
  registers: [registry],
});
export const batchDuration = new Histogram({
  name: 'fixlify_batch_duration_seconds',
  help: 'Time to process and commit one batch, per consumer and topic',
  labelNames: ['consumer', 'topic'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});
export const consumerLag = new Gauge({
  name: 'fixlify_consumer_lag',
  help: 'Offset lag of the last batch, per consumer, topic and partition',
  labelNames: ['consumer', 'topic', 'partition'] as const,
  registers: [registry],
});

export const messageAge = new Histogram({
  name: 'fixlify_message_age_seconds',
  help: 'Time from a message being written to the log to its processing being committed, per consumer and topic',
  labelNames: ['consumer', 'topic'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [registry],
});
export const consumerLastCommit = new Gauge({
  name: 'fixlify_consumer_last_commit_timestamp_seconds',
  help: 'Unix time of the last batch a consumer committed; alert when it stops moving while its lag grows',
  labelNames: ['consumer'] as const,
  registers: [registry],
});
export const organizationLag = new Gauge({
  name: 'fixlify_organization_lag_seconds',
  help: 'Age of the newest message of an organization when its batch committed, per consumer (the most recently active organizations only)',
  labelNames: ['consumer', 'organization'] as const,
  registers: [registry],
});
export const executionsByStatus = new Counter({
  name: 'fixlify_executions_by_status_total',
  help: 'Executions that reached a status (pending, processing, retry, waiting, completed, failed, cancelled), as projected, by lane (live, or replay: backfilled)',
  labelNames: ['status', 'lane'] as const,
  registers: [registry],
});
export const deliveries = new Counter({
  name: 'fixlify_deliveries_total',
  help: 'Deliveries per channel (email, sms, push, webhook, api_call), outcome (delivered, suppressed, deduplicated, retrying, failed) and lane (live, or replay: backfilled)',
  labelNames: ['channel', 'outcome', 'lane'] as const,
  registers: [registry],
});

/** Label sets of organizationLag, oldest first: bounded, so a large tenant base cannot blow up the series count. */
const lagSeries = new Map<string, { consumer: string; organization: string }>();
const MAX_LAG_SERIES = 500;

/** Records, per organization, how old its newest message was when the batch committed. */
export const recordOrganizationLag = (consumer: string, newestByOrganization: ReadonlyMap<string, number>, now = Date.now()): void => {
  for (const [organization, writtenAtMs] of newestByOrganization) {
    const key = `${consumer}|${organization}`;
    organizationLag.set({ consumer, organization }, Math.max(0, now - writtenAtMs) / 1000);
    lagSeries.delete(key);
    lagSeries.set(key, { consumer, organization });
  }
  for (const [key, labels] of lagSeries) {
    if (lagSeries.size <= MAX_LAG_SERIES) break;
    organizationLag.remove(labels);
    lagSeries.delete(key);
  }
};

/** The part of a kafkajs batch the consumer metrics read. */
export interface DoneBatch {
  topic: string;
  partition: number;
  messages: readonly { timestamp: string }[];
  offsetLag: () => string;
}

/**
 * What every consumer records once a batch is committed (the exactly-once pipelines and the
 * projector alike): messages processed, the partition's lag, each message's age, the newest
 * message's age per organization, and the commit time that alerts watch.
 */
export const recordBatchDone = (consumer: string, batch: DoneBatch, newestByOrganization: ReadonlyMap<string, number>, now = Date.now()): void => {
  const labels = { consumer, topic: batch.topic };
  messagesProcessed.inc(labels, batch.messages.length);
  consumerLag.set({ ...labels, partition: String(batch.partition) }, Number(batch.offsetLag()));
  for (const m of batch.messages) messageAge.observe(labels, Math.max(0, now - Number(m.timestamp)) / 1000);
  recordOrganizationLag(consumer, newestByOrganization, now);
  consumerLastCommit.set({ consumer }, now / 1000);
};

/**
 * The identity fields of a message (organizationId, workflowId, executionId, eventId) when it has
 * them, for log lines and per-organization metrics; duck-typed so libraries stay message-agnostic.
 */
export const identityOf = (value: unknown): { organizationId?: string; workflowId?: string; executionId?: string; eventId?: string } => {
  if (typeof value !== 'object' || value === null) return {};
  const v = value as Record<string, unknown>;
  const out: { organizationId?: string; workflowId?: string; executionId?: string; eventId?: string } = {};
  if (typeof v.organizationId === 'string') out.organizationId = v.organizationId;
  if (typeof v.workflowId === 'string') out.workflowId = v.workflowId;
  if (typeof v.executionId === 'string') out.executionId = v.executionId;
  if (typeof v.eventId === 'string') out.eventId = v.eventId;
  return out;
};

export interface ServiceHttp {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/**
 * /metrics (Prometheus text), /health/live (the process serves requests) and /health/ready (every
 * consumer running and every dependency answering; 503 with the checks that fail otherwise).
 */
export const startServiceHttp = async (port: number, readiness: () => ReadinessReport, extra?: (path: string) => unknown): Promise<ServiceHttp> => {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/metrics') {
      registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        })
        .catch((e: unknown) => {
          res.writeHead(500);
          res.end(String(e));
        });
      return;
    }
    if (path === '/health/live') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"live"}');
      return;
    }
    if (path === '/health/ready' || path === '/health') {
      const { ready, checks } = readiness();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ready ? 'ready' : 'not_ready', checks }));
      return;
    }
    const body = extra?.(path);
    if (body !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const addr = server.address();
  return {
    server,
    port: typeof addr === 'object' && addr ? addr.port : port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
};

// The other side of /metrics ------------------------------------------------------------------
/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), used by the tests that
 * scrape services: every line must be a HELP, a TYPE, or a sample of a declared family; anything
 * else is an error with its line number. prom-client has no parser of its own.
 */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
}

export interface PromExposition {
  families: Map<string, PromFamily>;
  samples: PromSample[];
}

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<PromFamily['type'], string[]> = {
  counter: ['', '_total', '_created'],
  gauge: [''],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  summary: ['', '_sum', '_count', '_created'],
  untyped: [''],
};

const parseValue = (s: string): number => {
  if (s === '+Inf' || s === 'Inf') return Number.POSITIVE_INFINITY;
  if (s === '-Inf') return Number.NEGATIVE_INFINITY;
  if (s === 'NaN') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`bad value "${s}"`);
  return Number(s);
};

/** Parses `{a="x",b="y\"z"}` starting at `i` (the brace); returns the labels and the index after `}`. */
const parseLabels = (line: string, i: number): [Record<string, string>, number] => {
  const labels: Record<string, string> = {};
  i++; // {
  for (;;) {
    if (line[i] === '}') return [labels, i + 1];
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error('label without "="');
    const name = line.slice(i, eq);
    if (!LABEL.test(name)) throw new Error(`bad label name "${name}"`);
    if (name in labels) throw new Error(`duplicate label "${name}"`);
    if (line[eq + 1] !== '"') throw new Error(`label ${name}: value not quoted`);
    let j = eq + 2;
    let value = '';
    for (;;) {
      const c = line[j];
      if (c === undefined) throw new Error(`label ${name}: unterminated value`);
      if (c === '"') break;
      if (c === '\\') {
        const e = line[j + 1];
        if (e === 'n') value += '\n';
        else if (e === '\\' || e === '"') value += e;
        else throw new Error(`label ${name}: bad escape \\${e ?? ''}`);
        j += 2;
        continue;
      }
      value += c;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`label ${name}: expected "," or "}"`);
  }
};

export const parsePrometheusText = (text: string): PromExposition => {
  const families = new Map<string, PromFamily>();
  const samples: PromSample[] = [];
  const familyOf = (sample: string): PromFamily | undefined => {
    for (const [name, f] of families) if (SUFFIXES[f.type].some((s) => sample === name + s)) return f;
    return undefined;
  };
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('exposition must end with a newline');
  text.split('\n').forEach((line, n) => {
    const at = (msg: string): Error => new Error(`line ${n + 1}: ${msg}: ${JSON.stringify(line)}`);
    if (line === '') return;
    try {
      if (line.startsWith('#')) {
        const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
        if (!m) return; // a plain comment
        const [, kind, name, rest] = m as unknown as [string, string, string, string];
        if (!METRIC.test(name)) throw new Error(`bad metric name "${name}"`);
        const f = families.get(name) ?? { name, type: 'untyped' as const, help: '' };
        if (kind === 'HELP') f.help = rest;
        else {
          if (!TYPES.has(rest)) throw new Error(`bad type "${rest}"`);
          if (samples.some((s) => familyOf(s.name)?.name === name)) throw new Error('TYPE after samples');
          f.type = rest as PromFamily['type'];
        }
        families.set(name, f);
        return;
      }
      const nameEnd = line.search(/[{ ]/);
      if (nameEnd <= 0) throw new Error('no metric name');
      const name = line.slice(0, nameEnd);
      if (!METRIC.test(name)) throw new Error(`bad metric name "${name}"`);
      let labels: Record<string, string> = {};
      let i = nameEnd;
      if (line[i] === '{') [labels, i] = parseLabels(line, i);
      if (line[i] !== ' ') throw new Error('expected a space before the value');
      const [value, timestamp, extra] = line.slice(i + 1).split(' ');
      if (value === undefined || extra !== undefined) throw new Error('expected "value [timestamp]"');
      if (timestamp !== undefined && !/^-?\d+$/.test(timestamp)) throw new Error(`bad timestamp "${timestamp}"`);
      if (!familyOf(name)) throw new Error(`sample of an undeclared family "${name}"`);
      samples.push({ name, labels, value: parseValue(value) });
    } catch (e) {
      throw at(e instanceof Error ? e.message : String(e));
    }
  });
  return { families, samples };
};

/** Sum of the samples of `name` whose labels include `match`. */
export const sampleSum = (x: PromExposition, name: string, match: Record<string, string> = {}): number =>
  x.samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
