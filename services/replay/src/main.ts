import { createPool } from '@fixlify/db';
import {
  createKafka,
  createLogger,
  createResilientProducer,
  Health,
  kafkaEnv,
  lowerCpuPriority,
  probeKafka,
  probePostgres,
  runService,
  type CheckResult,
} from '@fixlify/kafka';
import type { Admin } from 'kafkajs';
import { replayConfig } from './config';
import { simulationReads } from './preview';
import { startRunner, sweepScanGroups } from './runner';

const log = createLogger('replay');

/**
 * The replay service: runs replay (backfill) jobs that the API records in automation_replays. Any
 * number of instances share the jobs through leases; a job whose runner dies resumes elsewhere
 * from its committed cursor.
 */
const main = async (): Promise<void> => {
  const env = kafkaEnv();
  const cfg = replayConfig();
  // backfill work: the kernel gives live services the CPU first
  lowerCpuPriority(cfg.REPLAY_NICE);
  const pool = createPool(undefined, cfg.REPLAY_CONCURRENCY * 2 + 2);
  const kafka = createKafka('fixlify-replay', log);
  const pg = probePostgres(pool, log);
  const broker = probeKafka(kafka, log);
  // one admin per process, rebuilt after a failure (a broker restart); the producer rebuilds itself
  let admin: Promise<Admin> | null = null;
  const adminOf = async (): Promise<Admin> => {
    if (!admin) {
      const a = kafka.admin();
      const p = a.connect().then(() => a);
      admin = p;
      p.catch(() => (admin = null));
    }
    return admin;
  };
  const producer = createResilientProducer(kafka);
  const slots = Array.from({ length: cfg.REPLAY_CONCURRENCY }, (_, i) =>
    startRunner({
      pool,
      kafka,
      admin: adminOf,
      producer,
      log,
      owner: `${env.FIXLIFY_INSTANCE_ID}:${process.pid}:${i}`,
      groupPrefix: env.FIXLIFY_GROUP_PREFIX,
      eventsTopic: cfg.REPLAY_EVENTS_TOPIC,
      commandsTopic: cfg.REPLAY_COMMANDS_TOPIC,
      sliceMs: cfg.REPLAY_SLICE_MS,
      leaseMs: cfg.REPLAY_LEASE_MS,
      pollMs: cfg.REPLAY_POLL_MS,
      maxDepth: cfg.MATCHER_MAX_CAUSATION_DEPTH,
      maxBytesPerPartition: cfg.REPLAY_MAX_BYTES_PER_PARTITION,
      now: () => new Date(),
      reads: simulationReads(pool),
    }),
  );
  // the scan groups a killed runner left behind go once their job has finished
  const sweep = setInterval(() => {
    void sweepScanGroups({ admin: adminOf, pool, groupPrefix: env.FIXLIFY_GROUP_PREFIX, log }).catch((e: unknown) =>
      log.warn({ err: e }, 'replay: the scan-group sweep failed; next time'),
    );
  }, cfg.REPLAY_GROUP_SWEEP_MS);
  // a runner loop that stopped ticking is a silent stall: a slice never lasts much longer than its length
  const stallAfterMs = cfg.REPLAY_SLICE_MS + cfg.REPLAY_LEASE_MS * 2;
  const runners = (): CheckResult => {
    const stalled = slots.filter((s) => Date.now() - s.lastTick() > stallAfterMs).length;
    return stalled === 0
      ? { ok: true, detail: `${slots.length} runner(s) working` }
      : { ok: false, detail: `${stalled} of ${slots.length} runner(s) have not moved for ${stallAfterMs} ms` };
  };
  await runService({
    name: 'replay',
    log,
    httpPort: cfg.REPLAY_HTTP_PORT,
    health: new Health().add('runners', runners).add('postgres', pg.check).add('kafka', broker.check),
    stop: async () => {
      clearInterval(sweep);
      pg.stop();
      broker.stop();
      await Promise.all(slots.map((s) => s.stop()));
      await (await admin?.catch(() => null))?.disconnect();
      await producer.stop();
      await pool.end();
    },
  });
};

main().catch((e: unknown) => {
  log.fatal({ err: e }, 'replay failed to start');
  process.exit(1);
});
