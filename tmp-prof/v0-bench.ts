// the projector as it was before this work (git 6fc2b44), on the same bench topic, into a scratch schema via search_path
import { Pool } from 'pg';
import { createKafka, createLogger } from '@fixlify/kafka';
import { dropProjectionSchema, ensureProjectionSchema, projectionTarget } from '../services/metrics/src/projection/target';
import { startProjector } from './v0/projector';

(async () => {
  const log = createLogger('bench-v0');
  const target = projectionTarget('bench_v0');
  const url = process.env.DATABASE_URL!;
  const admin0 = new Pool({ connectionString: url, max: 1 });
  await dropProjectionSchema(admin0, target);
  await ensureProjectionSchema(admin0, target);
  await admin0.end();
  const pool = new Pool({ connectionString: url, max: 4, options: '-c search_path=bench_v0,public', application_name: process.env.FIXLIFY_SERVICE ?? 'v0' });
  const kafka = createKafka('bench-v0', log);
  const admin = kafka.admin(); await admin.connect();
  const t0 = process.hrtime.bigint();
  const offs = await admin.fetchTopicOffsets('bench.step-results.v1');
  const ends = new Map(offs.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
  const total = offs.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  const groupId = `bench-v0-${Date.now()}`;
  const p = await startProjector({ kafka, pool, groupId, consumerName: 'v0', log, fromBeginning: true });
  await p.caughtUp(ends);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await p.stop(); await admin.deleteGroups([groupId]).catch(() => 0); await admin.disconnect();
  const n = await pool.query('select count(*) from bench_v0.automation_execution_logs');
  await dropProjectionSchema(pool, target); await pool.end();
  console.log(JSON.stringify({ bench: 'projections-v0', results: total, execution_logs: Number(n.rows[0].count), seconds: +seconds.toFixed(2), step_results_per_s: Math.round(total / seconds) }));
  process.exit(0);
})();
