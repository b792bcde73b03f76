/**
 * Commit-to-webhook latency of single events through all four services (the foundation path):
 * inserts one job at a time at a low rate and times commit → webhook received.
 * Usage: npm run bench -- e2e-latency [events=200] [rate_per_s=20]
 */
import {
  allowLoopback,
  createActiveWorkflow,
  createOrganization,
  startService,
  startWebhookReceiver,
  testPool,
  waitFor,
  type ServiceProcess,
} from '@fixlify/testing';

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

const main = async (): Promise<void> => {
  const n = Number(process.argv[2] ?? 200);
  const rate = Number(process.argv[3] ?? 20);
  const pool = testPool();
  const receiver = await startWebhookReceiver();
  const services: ServiceProcess[] = [];
  try {
    for (const name of ['ingest', 'matcher', 'executor', 'metrics'] as const)
      services.push(await startService(name, { OUTBOUND_ALLOWED_HOSTS: allowLoopback(receiver), LOG_LEVEL: 'warn' }, `bench-${name}`));
    await Promise.all(services.map((s) => s.waitReady(90_000)));
    const org = await createOrganization(pool, { name: 'Latency bench' });
    const wf = await createActiveWorkflow(pool, org, {
      nodes: [
        { id: 'trigger', type: 'trigger', trigger: { type: 'job_created' } },
        { id: 'hook', type: 'webhook', config: { url: `${receiver.url}/bench/{{ job.id }}` } },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'hook' }],
    });
    const matcher = services[1]!;
    await waitFor(
      async () => ((await (await fetch(`http://127.0.0.1:${matcher.port}/index/${wf.workflowId}`)).json()) as { present: boolean }).present,
      60_000,
      'matcher index',
    );
    // warm-up
    await pool.query(`INSERT INTO jobs (organization_id, title) VALUES ($1, 'warm-up')`, [org]);
    await waitFor(async () => receiver.received.length >= 1, 30_000, 'warm-up webhook');
    const committed = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const t0 = Date.now();
      const r = await pool.query<{ id: string }>(`INSERT INTO jobs (organization_id, title) VALUES ($1, $2) RETURNING id`, [org, `job ${i}`]);
      committed.set(r.rows[0]!.id, Date.now());
      const wait = 1000 / rate - (Date.now() - t0);
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    }
    await waitFor(async () => receiver.received.length >= n + 1, 120_000, 'all webhooks');
    const lat: number[] = [];
    for (const req of receiver.received) {
      const id = req.path.split('/').pop() ?? '';
      const c = committed.get(id);
      if (c !== undefined) lat.push(new Date(req.receivedAt).getTime() - c);
    }
    console.log(
      JSON.stringify({
        bench: 'e2e-latency',
        events: lat.length,
        offered_per_s: rate,
        p50_ms: percentile(lat, 50),
        p99_ms: percentile(lat, 99),
        max_ms: Math.max(...lat),
      }),
    );
  } finally {
    await Promise.all(services.map((s) => s.kill()));
    await receiver.close();
    await pool.end();
  }
};

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
