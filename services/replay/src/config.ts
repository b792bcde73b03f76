import { z } from 'zod';
import { TOPICS, parseSettings } from '@fixlify/contracts';

const ReplayEnv = z.object({
  /** port of /metrics and /health */
  REPLAY_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9105),
  /** topic of domain events a replay reads (tests and benchmarks use their own) */
  REPLAY_EVENTS_TOPIC: z.string().min(1).max(249).default(TOPICS.events),
  /** the replay lane: start commands of replays, drained by the executor only with spare capacity */
  REPLAY_COMMANDS_TOPIC: z.string().min(1).max(249).default(TOPICS.replayCommands),
  /**
   * CPU priority of the replay service (nice 0–19): every scan and start it makes is backfill work,
   * so by default the kernel runs live services first and the replays on what is left.
   */
  REPLAY_NICE: z.coerce.number().int().min(0).max(19).default(10),
  /** jobs one runner works on at once */
  REPLAY_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  /**
   * How long a runner holds a job before giving the next job its turn (ms): long enough that a
   * slice's consumer group join (~0.1–3 s) is small beside it, short enough that ten jobs all move.
   */
  REPLAY_SLICE_MS: z.coerce.number().int().min(1000).max(600_000).default(20_000),
  /** a runner's hold on a job; a crashed runner's job is resumed by another after this (ms) */
  REPLAY_LEASE_MS: z.coerce.number().int().min(2000).max(600_000).default(15_000),
  /** how often an idle runner looks for work (ms) */
  REPLAY_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** how often the scan groups of finished jobs are deleted (a killed runner's group waits for its session to expire) (ms) */
  REPLAY_GROUP_SWEEP_MS: z.coerce.number().int().min(500).max(3_600_000).default(30_000),
  /** loop protection, as the matcher applies it (keep equal to MATCHER_MAX_CAUSATION_DEPTH) */
  MATCHER_MAX_CAUSATION_DEPTH: z.coerce.number().int().min(1).max(50).default(3),
  /** fetch size per partition while scanning */
  REPLAY_MAX_BYTES_PER_PARTITION: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(4 * 1024 * 1024),
});
export type ReplayConfig = z.infer<typeof ReplayEnv>;

export const replayConfig = (env: NodeJS.ProcessEnv = process.env): ReplayConfig => parseSettings(ReplayEnv, 'replay', env);
