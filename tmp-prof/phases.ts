import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { StepResult } from '@fixlify/contracts';
import { createPool } from '@fixlify/db';
import { jsonDecoder } from '@fixlify/kafka';
import { projectBatch } from '../services/metrics/src/projection/project-batch';
import { ensureProjectionSchema, projectionTarget, dropProjectionSchema } from '../services/metrics/src/projection/target';

(async () => {
  const kafka = new Kafka({ brokers: ['127.0.0.1:29092'], logLevel: logLevel.NOTHING });
  const admin = kafka.admin(); await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets('bench.step-results.v1')).map((p) => [p.partition, Number(p.high)]));
  const total = [...ends.values()].reduce((a, b) => a + b, 0);
  const c = kafka.consumer({ groupId: `prof-${Date.now()}`, maxBytes: 64 << 20, maxBytesPerPartition: 16 << 20, maxWaitTimeInMs: 100 });
  await c.connect(); await c.subscribe({ topic: 'bench.step-results.v1', fromBeginning: true });
  const byPart = new Map<number, KafkaMessage[]>();
  let n = 0; let t0 = 0;
  await new Promise<void>((resolve) => {
    void c.run({ eachBatch: async ({ batch }) => { if (!t0) t0 = performance.now(); const l = byPart.get(batch.partition) ?? []; l.push(...batch.messages); byPart.set(batch.partition, l); n += batch.messages.length; if (n >= total) resolve(); } });
  });
  const tKafka = performance.now() - t0;
  await c.disconnect(); await admin.deleteGroups([]).catch(() => 0); await admin.disconnect();
  const decode = jsonDecoder(StepResult);
  let t = performance.now();
  const parsed = new Map<number, unknown[]>();
  for (const [p, ms] of byPart) parsed.set(p, ms.map((m) => JSON.parse(m.value!.toString())));
  const tJson = performance.now() - t;
  t = performance.now();
  for (const [, vs] of parsed) for (const v of vs) StepResult.safeParse(v);
  const tZod = performance.now() - t;
  t = performance.now();
  const items = new Map<number, { offset: string; value: StepResult | null }[]>();
  for (const [p, ms] of byPart) items.set(p, ms.map((m) => { const d = decode(m); return { offset: m.offset, value: d.ok === true ? d.value : null }; }));
  const tDecode = performance.now() - t;
  const pool = createPool(undefined, 4);
  const target = projectionTarget('prof_phases');
  await dropProjectionSchema(pool, target); await ensureProjectionSchema(pool, target);
  const qt = new Map<string, number>();
  t = performance.now();
  const chunk = Number(process.env.CHUNK ?? 100000);
  for (const [p, its] of items) {
    for (let i = 0; i < its.length; i += chunk) {
      const db = await pool.connect();
      await db.query('BEGIN');
      const orig = db.query.bind(db) as (...a: unknown[]) => Promise<unknown>;
      (db as unknown as { query: unknown }).query = async (...a: unknown[]) => { const ts = performance.now(); const r = await orig(...a); const k = String(a[0]).trim().slice(0, 40).replace(/\s+/g, ' '); qt.set(k, (qt.get(k) ?? 0) + performance.now() - ts); return r; };
      await projectBatch(db, 'prof', { topic: 'bench.step-results.v1', partition: p, items: its.slice(i, i + chunk) }, target);
      await db.query('COMMIT'); db.release();
    }
  }
  const tProject = performance.now() - t;
  await dropProjectionSchema(pool, target); await pool.end();
  const us = (ms: number) => +(ms * 1000 / total).toFixed(2);
  console.log([...qt].map(([k, v]) => `${v.toFixed(0)}ms ${k}`).join('\n'));
  console.log(JSON.stringify({ total, usPerResult: { kafka: us(tKafka), json: us(tJson), zod: us(tZod), decode: us(tDecode), project: us(tProject) } }));
  process.exit(0);
})();
