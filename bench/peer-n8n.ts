/**
 * `npm run bench -- peer-n8n [--concurrency 1,8,32,64] [--seconds 20] [--warmup 3] [--n8n-env K=V,...] [--reinstall]`
 *
 * The same kind of figure as the executions bench, measured on n8n 1.82.3 (the tool a field-service
 * business would otherwise pick), on this machine: one workflow Webhook (POST) → If (body.status is
 * "completed") → HTTP Request (POST to a stand-in receiver on loopback, started by the bench in a
 * process of its own) → Set (answered as the webhook's response, "last node"). n8n runs as one plain
 * process (`n8n start`, regular mode, no queue/workers) on a free loopback port, with SQLite in a fresh
 * user folder (.bench/n8n/run, emptied each run), successful executions not saved
 * (EXECUTIONS_DATA_SAVE_ON_SUCCESS=none), NODE_ENV=production, diagnostics, version notifications,
 * templates and personalization off. No owner setup: the workflow is imported and activated with
 * n8n's CLI (`n8n import:workflow`, `n8n update:workflow --active=true`) before `n8n start`.
 *
 * Closed loop: at each concurrency C, C clients each POST to the production webhook URL and send the
 * next request when the answer arrives (undici, keep-alive, C connections), for --warmup s (not
 * counted) and then --seconds s. An execution counts as completed when its answer is 200 with the
 * request's id AND the stand-in received that id's HTTP call; anything else counts as an error.
 * Latency is request sent → answer received. Per level it also prints the CPU n8n used per execution.
 * Prints a table, then ONE JSON line last:
 * {"bench":"peer-n8n","n8n":"1.82.3","points":[{"concurrency":…,"executions_per_s":…,"p50_ms":…,"p99_ms":…,"errors":…}],"peak_executions_per_s":…}
 *
 * Needs neither the local stack nor anything but the npm registry. The first run installs n8n 1.82.3
 * into .bench/n8n (git-ignored; ~1.3 GB, ~1,700 packages, several minutes) with npm, which needs:
 * - `overrides: {xlsx: 0.18.5}`: n8n-nodes-base depends on xlsx as a tarball from cdn.sheetjs.com, which
 *   is not the npm registry; the override takes the registry's xlsx (0.18.5, same publisher). Only the
 *   spreadsheet nodes use it, not this workflow;
 * - sqlite3 built from source (`npm_config_build_from_source=sqlite3`: its prebuilt binary would come
 *   from github.com) by node-gyp, which needs python3, make and a C++ compiler, and the headers of the
 *   running Node: the install points npm_config_nodedir at <node prefix>/include/node (or
 *   /usr/include/node) when present, so node-gyp does not download them from nodejs.org.
 * `--reinstall` empties .bench/n8n first. `--n8n-env` adds/overrides n8n settings (e.g.
 * DB_SQLITE_POOL_SIZE=2). Figures are noisy on a shared 2-core machine: the load generator, the
 * stand-in and n8n share the cores.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { Agent, request } from 'undici';
import { freePort, startWebhookReceiver } from '@fixlify/testing';

const N8N_VERSION = '1.82.3';
const ROOT = resolve(__dirname, '..');
const DIR = join(ROOT, '.bench', 'n8n');
const RUN_DIR = join(DIR, 'run');
const N8N_BIN = join(DIR, 'node_modules', 'n8n', 'bin', 'n8n');
const WORKFLOW_ID = 'peerN8nBench0001';
const WEBHOOK_PATH = 'peer-n8n-bench';

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
};
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux). */
const cpuMs = (pid: number | undefined): number => {
  if (!pid) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
};

const installedVersion = (): string | null => {
  try {
    return (JSON.parse(readFileSync(join(DIR, 'node_modules', 'n8n', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
};

/** Whether sqlite3's native binding loads in this Node (a half-finished install leaves it missing). */
const sqliteLoads = (): Promise<boolean> =>
  new Promise((done) => {
    const c = spawn(process.execPath, ['-e', `require(${JSON.stringify(join(DIR, 'node_modules', 'sqlite3'))})`], { stdio: 'ignore' });
    c.on('exit', (code) => done(code === 0));
    c.on('error', () => done(false));
  });

/** The headers of the running Node, so node-gyp need not download them from nodejs.org. */
const localNodeHeaders = (): string | undefined =>
  [dirname(dirname(process.execPath)), '/usr'].find((p) => existsSync(join(p, 'include', 'node', 'node_api.h')));

/** Installs n8n (exact version) into .bench/n8n with npm unless it is already there; prints progress. */
const ensureN8n = async (reinstall: boolean): Promise<void> => {
  if (reinstall) rmSync(DIR, { recursive: true, force: true });
  if (installedVersion() === N8N_VERSION && (await sqliteLoads())) {
    console.log(`n8n ${N8N_VERSION}: installed in ${DIR}`);
    return;
  }
  mkdirSync(DIR, { recursive: true });
  writeFileSync(
    join(DIR, 'package.json'),
    `${JSON.stringify(
      {
        private: true,
        description: 'n8n for `npm run bench -- peer-n8n` (see bench/peer-n8n.ts); git-ignored',
        dependencies: { n8n: N8N_VERSION },
        // n8n-nodes-base asks for xlsx from cdn.sheetjs.com, outside the npm registry
        overrides: { xlsx: '0.18.5' },
      },
      null,
      2,
    )}\n`,
  );
  const headers = localNodeHeaders();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_build_from_source: 'sqlite3',
    npm_config_update_notifier: 'false',
    SCARF_ANALYTICS: 'false',
    ...(headers && !process.env.npm_config_nodedir ? { npm_config_nodedir: headers } : {}),
  };
  const args = ['install', '--prefix', DIR, `n8n@${N8N_VERSION}`, '--save-exact', '--no-audit', '--no-fund', '--foreground-scripts', '--loglevel=http'];
  const logFile = join(DIR, 'install.log');
  console.log(`installing n8n ${N8N_VERSION} into ${DIR} (once; several minutes): npm ${args.join(' ')}`);
  console.log(`  sqlite3 built from source with node-gyp${headers ? `, Node headers from ${headers}/include/node` : ''}; full log: ${logFile}`);
  const t0 = Date.now();
  const log = createWriteStream(logFile);
  const child = spawn('npm', args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let fetches = 0;
  let phase = 'resolving and downloading packages';
  const tail: string[] = [];
  const onLine = (line: string) => {
    log.write(`${line}\n`);
    tail.push(line);
    if (tail.length > 40) tail.shift();
    if (line.startsWith('npm http fetch')) fetches++;
    const script = /^> (\S+@\S+) (preinstall|install|postinstall)$/.exec(line);
    if (script) {
      phase = `running ${script[1]} ${script[2]}`;
      console.log(`  ${Math.round((Date.now() - t0) / 1000)} s: ${phase}`);
    }
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  const progress = setInterval(() => console.log(`  ${Math.round((Date.now() - t0) / 1000)} s: ${fetches} registry requests; ${phase}`), 15_000);
  const code = await new Promise<number | null>((done) => {
    child.on('exit', (c) => done(c));
    child.on('error', (e) => {
      tail.push(String(e));
      done(null);
    });
  });
  clearInterval(progress);
  await new Promise((r) => log.end(r));
  if (code !== 0) {
    console.error(tail.join('\n'));
    throw new Error(`npm install of n8n ${N8N_VERSION} failed (exit ${code}); full log: ${logFile}`);
  }
  if (installedVersion() !== N8N_VERSION || !(await sqliteLoads()))
    throw new Error(`n8n ${N8N_VERSION} or its sqlite3 binding is missing after npm install; see ${logFile}`);
  console.log(`n8n ${N8N_VERSION} installed in ${Math.round((Date.now() - t0) / 1000)} s`);
};

/** Webhook (POST) → If (body.status is "completed") → HTTP Request to the stand-in → Set, which answers. */
const workflow = (receiverUrl: string) => ({
  id: WORKFLOW_ID,
  name: 'peer-n8n bench: webhook → if → http request → set',
  active: false,
  settings: { executionOrder: 'v1' },
  pinData: {},
  nodes: [
    {
      id: 'b1d4c6a0-0000-4000-8000-000000000001',
      name: 'Webhook',
      type: 'n8n-nodes-base.webhook',
      typeVersion: 2,
      position: [0, 0],
      webhookId: 'b1d4c6a0-0000-4000-8000-0000000000aa',
      parameters: { httpMethod: 'POST', path: WEBHOOK_PATH, responseMode: 'lastNode', options: {} },
    },
    {
      id: 'b1d4c6a0-0000-4000-8000-000000000002',
      name: 'If',
      type: 'n8n-nodes-base.if',
      typeVersion: 2.2,
      position: [220, 0],
      parameters: {
        conditions: {
          options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
          conditions: [
            {
              id: 'b1d4c6a0-0000-4000-8000-0000000000c1',
              leftValue: '={{ $json.body.status }}',
              rightValue: 'completed',
              operator: { type: 'string', operation: 'equals' },
            },
          ],
          combinator: 'and',
        },
        options: {},
      },
    },
    {
      id: 'b1d4c6a0-0000-4000-8000-000000000003',
      name: 'HTTP Request',
      type: 'n8n-nodes-base.httpRequest',
      typeVersion: 4.2,
      position: [440, 0],
      parameters: {
        method: 'POST',
        url: `=${receiverUrl}/n8n/{{ $json.body.id }}`,
        sendBody: true,
        bodyParameters: {
          parameters: [
            { name: 'id', value: '={{ $json.body.id }}' },
            { name: 'status', value: '={{ $json.body.status }}' },
          ],
        },
        options: {},
      },
    },
    {
      id: 'b1d4c6a0-0000-4000-8000-000000000004',
      name: 'Set',
      type: 'n8n-nodes-base.set',
      typeVersion: 3.4,
      position: [660, 0],
      parameters: {
        mode: 'manual',
        assignments: {
          assignments: [
            { id: 'b1d4c6a0-0000-4000-8000-0000000000d1', name: 'id', value: "={{ $('Webhook').item.json.body.id }}", type: 'string' },
            { id: 'b1d4c6a0-0000-4000-8000-0000000000d2', name: 'delivered', value: '={{ $json.ok }}', type: 'boolean' },
          ],
        },
        options: {},
      },
    },
  ],
  connections: {
    Webhook: { main: [[{ node: 'If', type: 'main', index: 0 }]] },
    If: { main: [[{ node: 'HTTP Request', type: 'main', index: 0 }], []] },
    'HTTP Request': { main: [[{ node: 'Set', type: 'main', index: 0 }]] },
  },
});

/** n8n's settings: only these (and PATH/HOME), so nothing from the Fixlify stack's environment leaks in. */
const n8nEnv = (port: number, extra: Record<string, string>): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  NODE_ENV: 'production',
  N8N_USER_FOLDER: RUN_DIR,
  N8N_PORT: String(port),
  N8N_LISTEN_ADDRESS: '127.0.0.1',
  N8N_HOST: '127.0.0.1',
  N8N_PROTOCOL: 'http',
  WEBHOOK_URL: `http://127.0.0.1:${port}/`,
  DB_TYPE: 'sqlite',
  EXECUTIONS_MODE: 'regular',
  EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'none',
  EXECUTIONS_DATA_SAVE_MANUAL_EXECUTIONS: 'false',
  N8N_DIAGNOSTICS_ENABLED: 'false',
  N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
  N8N_TEMPLATES_ENABLED: 'false',
  N8N_PERSONALIZATION_ENABLED: 'false',
  N8N_HIRING_BANNER_ENABLED: 'false',
  N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
  N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5',
  N8N_LOG_LEVEL: 'warn',
  ...extra,
});

/** Runs one n8n CLI command to completion; its output goes to the log. */
const n8nCli = async (args: string[], env: NodeJS.ProcessEnv, log: NodeJS.WritableStream): Promise<void> => {
  log.write(`\n$ n8n ${args.join(' ')}\n`);
  const child = spawn(process.execPath, [N8N_BIN, ...args], { cwd: RUN_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString('utf8');
    log.write(b);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  if (code !== 0) throw new Error(`n8n ${args.join(' ')} failed (exit ${code}):\n${out.slice(-3000)}`);
};

interface Level {
  concurrency: number;
  ok: Array<{ id: string; ms: number }>;
  failures: Map<string, number>;
  cpuMs: number;
}

/** C clients in a closed loop for warmup + seconds; counts what completed inside the measured window. */
const runLevel = async (url: string, concurrency: number, warmupMs: number, measureMs: number, n8nPid: number | undefined): Promise<Level> => {
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000, headersTimeout: 60_000, bodyTimeout: 60_000 });
  const start = performance.now();
  const from = start + warmupMs;
  const to = from + measureMs;
  const ok: Level['ok'] = [];
  const failures = new Map<string, number>();
  let cpuFrom = NaN;
  let cpuTo = NaN;
  const t1 = setTimeout(() => (cpuFrom = cpuMs(n8nPid)), warmupMs);
  const t2 = setTimeout(() => (cpuTo = cpuMs(n8nPid)), warmupMs + measureMs);
  const client = async (): Promise<void> => {
    while (performance.now() < to) {
      const id = randomUUID();
      const sent = performance.now();
      let failure: string | null = null;
      try {
        const res = await request(url, {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ status: 'completed', id, job: { title: 'Replace water heater', total: 1250 } }),
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) failure = `HTTP ${res.statusCode}`;
        else if ((JSON.parse(text) as { id?: string }).id !== id) failure = 'answer without the request id';
      } catch (e) {
        failure = (e as { code?: string }).code ?? (e as Error).message;
      }
      const done = performance.now();
      if (done < from || done > to) continue;
      if (failure) failures.set(failure, (failures.get(failure) ?? 0) + 1);
      else ok.push({ id, ms: done - sent });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  clearTimeout(t1);
  clearTimeout(t2);
  await agent.close();
  return { concurrency, ok, failures, cpuMs: cpuTo - cpuFrom };
};

interface Receiver {
  url: string;
  /** Paths received since the last call. */
  take: () => Promise<string[]>;
  close: () => void;
}

/** The stand-in HTTP receiver runs in a process of its own, so the load generator does not delay its answers. */
const startReceiverProcess = async (): Promise<Receiver> => {
  const child = fork(__filename, [], { env: { ...process.env, BENCH_PEER_N8N_ROLE: 'receiver' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T>(): Promise<T> => new Promise<T>((done) => child.once('message', (m) => done(m as T)));
  const { url } = await next<{ url: string }>();
  return {
    url,
    take: () => {
      const answer = next<string[]>();
      child.send('take');
      return answer;
    },
    close: () => {
      if (child.connected) child.disconnect();
    },
  };
};

const runReceiver = async (): Promise<void> => {
  const receiver = await startWebhookReceiver({ host: '127.0.0.1' });
  process.on('message', (m) => {
    if (m !== 'take') return;
    const paths = receiver.received.map((r) => r.path);
    receiver.received.length = 0;
    process.send!(paths);
  });
  process.on('disconnect', () => void receiver.close().finally(() => process.exit(0)));
  process.send!({ url: receiver.url });
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      concurrency: { type: 'string', default: '1,8,32,64' },
      seconds: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '3' },
      'n8n-env': { type: 'string', default: '' },
      reinstall: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const levels = values.concurrency.split(',').map(Number);
  if (levels.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`--concurrency: positive integers, comma-separated (got ${values.concurrency})`);
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  const extraEnv = Object.fromEntries(
    values['n8n-env']
      .split(',')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const loadBefore = loadavg().map((x) => round(x, 2));

  await ensureN8n(values.reinstall);

  let n8n: ChildProcess | null = null;
  let receiver: Receiver | null = null;
  const stop = async (): Promise<void> => {
    const c = n8n;
    n8n = null;
    receiver?.close();
    receiver = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`${signal}: stopping n8n`);
    void stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // last resort (an exception past the finally): never leave n8n running
  process.once('exit', () => n8n?.kill('SIGKILL'));

  try {
    receiver = await startReceiverProcess();
    rmSync(RUN_DIR, { recursive: true, force: true });
    mkdirSync(RUN_DIR, { recursive: true });
    const port = await freePort();
    const env = n8nEnv(port, extraEnv);
    const logFile = join(RUN_DIR, 'n8n.log');
    const log = createWriteStream(logFile);
    const workflowFile = join(RUN_DIR, 'workflow.json');
    writeFileSync(workflowFile, JSON.stringify([workflow(receiver.url)], null, 2));
    console.log(`n8n ${N8N_VERSION}: importing and activating the workflow (fresh SQLite in ${RUN_DIR}; log ${logFile})`);
    let t0 = Date.now();
    await n8nCli(['import:workflow', `--input=${workflowFile}`], env, log);
    await n8nCli(['update:workflow', `--id=${WORKFLOW_ID}`, '--active=true'], env, log);
    console.log(`  done in ${round((Date.now() - t0) / 1000)} s; starting n8n on 127.0.0.1:${port}`);

    t0 = Date.now();
    log.write(`\n$ n8n start\n`);
    const child = spawn(process.execPath, [N8N_BIN, 'start'], { cwd: RUN_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    n8n = child;
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    let exitedEarly: string | null = null;
    child.once('exit', (code, signal) => {
      if (n8n === child) exitedEarly = `n8n exited (code ${code}, signal ${signal}); see ${logFile}`;
    });
    const url = `http://127.0.0.1:${port}/webhook/${WEBHOOK_PATH}`;
    // ready when the production webhook answers an execution that reached the stand-in
    for (;;) {
      if (exitedEarly) throw new Error(exitedEarly);
      if (Date.now() - t0 > 180_000) throw new Error(`n8n did not serve ${url} within 180 s; see ${logFile}`);
      const id = randomUUID();
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'completed', id }),
      }).catch(() => null);
      const text = res ? await res.body.text() : '';
      if (res?.statusCode === 200 && text.includes(id)) break;
      await sleep(500);
    }
    await receiver.take();
    console.log(`  n8n serving ${url} after ${round((Date.now() - t0) / 1000)} s (pid ${child.pid})`);

    const points: Array<Record<string, unknown>> = [];
    for (const concurrency of levels) {
      console.log(`concurrency ${concurrency}: ${warmup} s warm-up, then ${seconds} s`);
      const level = await runLevel(url, concurrency, warmup * 1000, seconds * 1000, child.pid);
      if (exitedEarly) throw new Error(exitedEarly);
      const delivered = new Set((await receiver.take()).map((p) => p.slice('/n8n/'.length)));
      const completed = level.ok.filter((r) => delivered.has(r.id));
      const undelivered = level.ok.length - completed.length;
      if (undelivered > 0) level.failures.set('stand-in never received the call', undelivered);
      const errors = [...level.failures.values()].reduce((a, b) => a + b, 0);
      const lat = completed.map((r) => r.ms);
      const point = {
        concurrency,
        executions_per_s: round(completed.length / seconds),
        p50_ms: round(percentile(lat, 50)),
        p99_ms: round(percentile(lat, 99)),
        errors,
        completed: completed.length,
        p90_ms: round(percentile(lat, 90)),
        max_ms: lat.length ? round(Math.max(...lat)) : null,
        n8n_cpu_ms_per_execution: completed.length ? round(level.cpuMs / completed.length, 2) : null,
        ...(errors ? { error_kinds: Object.fromEntries(level.failures) } : {}),
        load_average: loadavg().map((x) => round(x, 2)),
      };
      points.push(point);
      console.log(JSON.stringify({ phase: 'level', ...point }));
      await sleep(1000);
    }

    const table = new Table({
      head: ['concurrency', 'executions/s', 'p50 ms', 'p99 ms', 'errors', 'n8n CPU ms/execution'],
      colAligns: ['right', 'right', 'right', 'right', 'right', 'right'],
      style: { head: [], border: [] },
    });
    for (const p of points) table.push([p.concurrency, p.executions_per_s, p.p50_ms, p.p99_ms, p.errors, p.n8n_cpu_ms_per_execution ?? '–'] as string[]);
    console.log(`n8n ${N8N_VERSION}, webhook → If → HTTP Request → Set, SQLite, successful executions not saved, closed loop ${seconds} s per level`);
    console.log(table.toString());
    await stop();
    console.log(
      JSON.stringify({
        bench: 'peer-n8n',
        n8n: N8N_VERSION,
        points: points.map(({ concurrency, executions_per_s, p50_ms, p99_ms, errors }) => ({ concurrency, executions_per_s, p50_ms, p99_ms, errors })),
        peak_executions_per_s: Math.max(...points.map((p) => p.executions_per_s as number)),
        seconds_per_level: seconds,
        warmup_s: warmup,
        n8n_env: extraEnv,
        detail: points,
        load_average_before: loadBefore,
      }),
    );
  } finally {
    await stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
};

(process.env.BENCH_PEER_N8N_ROLE === 'receiver' ? runReceiver() : main()).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
