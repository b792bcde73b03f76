import { Kafka, logLevel } from 'kafkajs';
(async () => {
  const kafka = new Kafka({ brokers: ['127.0.0.1:29092'], logLevel: logLevel.NOTHING });
  const admin = kafka.admin(); await admin.connect();
  const offs = await admin.fetchTopicOffsets('bench.step-results.v1');
  const total = offs.reduce((n, p) => n + Number(p.high), 0);
  const mb = Number(process.env.MB ?? 16);
  const c = kafka.consumer({ groupId: `ko-${Date.now()}`, maxBytes: 64 << 20, maxBytesPerPartition: mb << 20, maxWaitTimeInMs: 500 });
  await c.connect(); await c.subscribe({ topic: 'bench.step-results.v1', fromBeginning: true });
  let n = 0; const c0 = process.cpuUsage(); const t0 = Date.now(); let tFirst = 0;
  await new Promise<void>((resolve) => { void c.run({ autoCommit: false, eachBatch: async ({ batch }) => { if (!tFirst) tFirst = Date.now(); n += batch.messages.length; if (n >= total) resolve(); } }); });
  const u = process.cpuUsage(c0);
  console.log(JSON.stringify({ n, wall_s: (Date.now() - t0) / 1000, after_first_s: (Date.now() - tFirst) / 1000, cpu_us_per_msg: +((u.user + u.system) / n).toFixed(2) }));
  await c.disconnect(); await admin.disconnect(); process.exit(0);
})();
