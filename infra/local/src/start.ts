import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { REPO_ROOT, stackConfig, stackEnv } from './config';
import { StackError } from './proc';
import { localProviderEnv, LOCAL_PROVIDER_PORTS } from './providers';
import { DEMO_ORG_ID, DEMO_USER, seedDemo } from './seed';
import { stackUp } from './stack';

const SERVICES: { name: string; service: string; portVar: string; port: number; env?: Record<string, string> }[] = [
  { name: 'ingest', service: 'ingest', portVar: 'INGEST_HTTP_PORT', port: 9101 },
  { name: 'matcher', service: 'matcher', portVar: 'MATCHER_HTTP_PORT', port: 9102 },
  { name: 'executor', service: 'executor', portVar: 'EXECUTOR_HTTP_PORT', port: 9103, env: { EXECUTOR_LANES: 'live' } },
  // the replay lane (backfill starts) in an executor of its own at a lower CPU priority: live traffic first
  { name: 'executor-lane', service: 'executor', portVar: 'EXECUTOR_HTTP_PORT', port: 9106, env: { EXECUTOR_LANES: 'replay', EXECUTOR_NICE: '10' } },
  { name: 'metrics', service: 'metrics', portVar: 'METRICS_HTTP_PORT', port: 9104 },
  // replay (backfill) jobs recorded by the API
  { name: 'replay', service: 'replay', portVar: 'REPLAY_HTTP_PORT', port: 9105 },
  // the HTTP API, the live feed and the web app (apps/web/dist)
  { name: 'api', service: 'api', portVar: 'API_PORT', port: 8080 },
];

/**
 * `npm start`: the local stack (if down), migrations, the demo seed, local provider stand-ins
 * and every service as its own process, supervised (a service that exits is restarted with
 * back-off); Ctrl-C stops the services (the stack keeps running: `npm run stack -- down` stops it).
 */
const main = async (): Promise<void> => {
  await stackUp();
  const env = { ...process.env, ...stackEnv(), ...localProviderEnv() };
  const pool = new Pool({ connectionString: stackConfig().DATABASE_URL, max: 2 });
  const seeded = await seedDemo(pool);
  await pool.end();
  console.log(seeded.created ? `seeded the demo organization ${DEMO_ORG_ID}` : 'demo organization already seeded');

  const logDir = join(stackConfig().stateDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const children = new Set<ChildProcess>();
  /**
   * Runs a process and keeps it running, as a process manager would: one that exits is reported and
   * started again after a back-off (1 s, doubling to 30 s; back to 1 s once it has stayed up a minute).
   */
  const launch = (name: string, args: string[], extra: Record<string, string>): void => {
    let backoffMs = 1000;
    const run = (): void => {
      const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
      const startedAt = Date.now();
      const child = spawn(process.execPath, ['-r', '@swc-node/register', ...args], {
        cwd: REPO_ROOT,
        env: { ...env, ...extra },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
      children.add(child);
      child.once('exit', (code, signal) => {
        children.delete(child);
        if (stopping) return;
        if (Date.now() - startedAt > 60_000) backoffMs = 1000;
        console.error(`✗ ${name} exited (${signal ?? code}); restarting in ${backoffMs / 1000} s — see ${join(logDir, `${name}.log`)}`);
        setTimeout(() => {
          if (stopping) return;
          run();
          console.error(`↻ ${name} restarted`);
        }, backoffMs);
        backoffMs = Math.min(30_000, backoffMs * 2);
      });
    };
    run();
  };
  let stopping = false;
  // stop the children on Ctrl-C at any moment, and when starting fails
  const stop = (code = 0): void => {
    if (stopping) return;
    stopping = true;
    for (const c of children) c.kill('SIGTERM');
    setTimeout(() => process.exit(code), 5000).unref();
    Promise.all([...children].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r))))).then(
      () => process.exit(code),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  failStart = (): void => stop(1);
  launch('providers', ['infra/local/src/providers.ts'], {});
  if (!existsSync(join(REPO_ROOT, 'apps', 'web', 'dist', 'index.html'))) {
    console.log('building the web app (npm run build:web)…');
    if (spawnSync('npm', ['run', '-s', 'build:web'], { cwd: REPO_ROOT, stdio: 'inherit' }).status !== 0)
      throw new Error('the web app did not build; see above');
  }
  const outbox = {
    OUTBOX_MAILGUN_URL: `http://127.0.0.1:${LOCAL_PROVIDER_PORTS.mailgun}`,
    OUTBOX_TELNYX_URL: `http://127.0.0.1:${LOCAL_PROVIDER_PORTS.telnyx}`,
  };
  for (const s of SERVICES)
    launch(s.name, [join('services', s.service, 'src', 'main.ts')], {
      [s.portVar]: String(s.port),
      FIXLIFY_INSTANCE_ID: `local-${s.name}`,
      ...s.env,
      ...(s.name === 'api' ? outbox : {}),
    });

  const deadline = Date.now() + 120_000;
  for (const s of SERVICES) {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${s.port}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`${s.name} did not become ready; see ${join(logDir, `${s.name}.log`)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    console.log(`  ✓ ${s.name.padEnd(13)} ready   http://127.0.0.1:${s.port}${s.name === 'api' ? '/docs' : '/metrics'}`);
  }
  console.log(`
Fixlify Automation is running.
  web app:  http://127.0.0.1:8080   (sign in as ${DEMO_USER.email} / ${DEMO_USER.password})
  try it:   psql ${stackConfig().DATABASE_URL} -c "INSERT INTO jobs (organization_id, client_id, title, status) SELECT '${DEMO_ORG_ID}', id, 'Fix the sink', 'completed' FROM clients WHERE organization_id = '${DEMO_ORG_ID}' LIMIT 1"
  outbox:   SMS  http://127.0.0.1:${LOCAL_PROVIDER_PORTS.telnyx}/outbox   email http://127.0.0.1:${LOCAL_PROVIDER_PORTS.mailgun}/outbox
  logs:     ${logDir}
  stack:    npm run stack -- status
Ctrl-C stops the services.`);
};

let failStart: (() => void) | null = null;

main().catch((e: unknown) => {
  if (failStart) {
    console.error(e instanceof Error ? e.message : e);
    failStart();
    return;
  }
  if (e instanceof StackError) console.error(`✗ ${e.part} failed: ${e.message}${e.logFile ? `\n  log: ${e.logFile}` : ''}`);
  else console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
