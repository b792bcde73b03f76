import { DELIVERY_CHANNELS, DeliveryChannel, parseSettings } from '@fixlify/contracts';
import { z } from 'zod';
import { parseAllowedHosts } from '@fixlify/channels';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const ExecutorEnv = z.object({
  /** port of /metrics and /health */
  EXECUTOR_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9103),
  /**
   * PostgreSQL connections of the executor. Up to EXECUTOR_GROUP_COMMIT_PARTITIONS batches run at
   * once, each loading contexts with six parallel queries beside its claim and ledger writes: with
   * the general default of 10 they queue for connections (measured: 24 instead of 10 took the
   * executions bench from 983 to 1,123/s and commit→first action p50 from 199 to 115 ms).
   */
  EXECUTOR_DB_POOL_MAX: z.coerce.number().int().min(2).max(200).default(24),
  /** how often due timers (delays, retry back-off, parked commands) are polled */
  EXECUTOR_TIMER_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(100),
  /** outbound webhook/api_call to private, loopback and link-local addresses: refused unless true */
  OUTBOUND_ALLOW_PRIVATE_NETWORKS: bool.default(false),
  /**
   * Targets allowed even when they resolve to private addresses (comma-separated `host:port`, `[v6]:port`;
   * a bare host allows every port of it). Name ports: 127.0.0.1 alone would open Kafka Connect and ingest.
   */
  OUTBOUND_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((v, ctx) => {
      try {
        return parseAllowedHosts(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : String(e) });
        return z.NEVER;
      }
    }),
  /** ports an organization's own SMTP server may use (comma-separated); the deployment's SMTP_URL is not restricted */
  SMTP_ALLOWED_PORTS: z
    .string()
    .default('25,465,587,2525')
    .transform((v, ctx) => {
      const parts = v
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      const bad = parts.filter((p) => !/^\d{1,5}$/.test(p) || Number(p) < 1 || Number(p) > 65535);
      if (bad.length > 0 || parts.length === 0) {
        ctx.addIssue({
          code: 'custom',
          message: `expected comma-separated ports from 1 to 65535${bad.length ? `, not ${bad.map((b) => JSON.stringify(b)).join(', ')}` : ''}`,
        });
        return z.NEVER;
      }
      return parts.map(Number);
    }),
  /** Mailgun HTTP API (the local stand-in in tests) */
  MAILGUN_API_BASE: z.string().url().default('https://api.mailgun.net'),
  MAILGUN_DOMAIN: z.string().default('mg.example.com'),
  MAILGUN_API_KEY: z.string().default(''),
  MAIL_FROM: z.string().default('Fixlify <no-reply@mg.example.com>'),
  /**
   * Where the API answers unsubscribe links (its public URL: <this>/unsubscribe/<token>); every
   * automated e-mail carries one in List-Unsubscribe, and templates get it as {{ unsubscribe_url }}
   */
  UNSUBSCRIBE_BASE_URL: z.string().url().default('http://127.0.0.1:8080'),
  /** the mailbox of the List-Unsubscribe mailto (a request with the token as subject); empty: none */
  UNSUBSCRIBE_MAILTO: z.string().default('unsubscribe@mg.example.com'),
  /** SMTP URL (smtp://host:port); when set and an action asks for provider smtp */
  SMTP_URL: z.string().default(''),
  /** Telnyx messages API */
  TELNYX_API_BASE: z.string().url().default('https://api.telnyx.com'),
  TELNYX_API_KEY: z.string().default(''),
  TELNYX_FROM: z.string().default('+15550000000'),
  /** how long an organization's own provider accounts (set through the API) are cached: a change reaches sends within this time */
  EXECUTOR_CREDENTIALS_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /** Web Push VAPID keys */
  VAPID_PUBLIC_KEY: z.string().default(''),
  VAPID_PRIVATE_KEY: z.string().default(''),
  VAPID_SUBJECT: z.string().default('mailto:ops@example.com'),
  /** at most this many executions of one organization run per batch before the rest are parked (fairness) */
  EXECUTOR_ORG_BATCH_SHARE: z.coerce.number().int().min(1).max(100_000).default(200),
  /** most timer-released commands (due delays, retries, parked fairness excess) waiting in the log at once */
  EXECUTOR_TIMER_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(100_000).default(500),
  /**
   * Time budget of a batch (ms). An action still running then (a slow endpoint) is detached: it finishes
   * in the background and its execution resumes through a timer, so it holds neither the batch's other
   * executions nor its commit. 0: no budget.
   */
  EXECUTOR_BATCH_DEADLINE_MS: z.coerce.number().int().min(0).max(600_000).default(2000),
  /** executions of one batch run at the same time (each holds at most one outbound request) */
  EXECUTOR_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(256),
  /**
   * Per organization and channel, per executor instance: most sends per second (0 = no limit).
   * A message over the limit waits (durable timer) for its turn, so one tenant cannot exhaust a provider account.
   */
  EXECUTOR_CHANNEL_RATE_LIMITS: z
    .string()
    .default('email=100,sms=20,push=200,webhook=0,api_call=0')
    .transform((v, ctx) => {
      const out: Partial<Record<DeliveryChannel, number>> = {};
      for (const part of v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)) {
        const m = /^([a-z_]+)=(\d+(?:\.\d+)?)$/.exec(part);
        const channel = DeliveryChannel.safeParse(m?.[1]);
        if (!m || !channel.success) {
          ctx.addIssue({ code: 'custom', message: `"${part}" is not channel=perSecond (channels: ${DELIVERY_CHANNELS.join(', ')})` });
          return z.NEVER;
        }
        out[channel.data] = Number(m[2]);
      }
      return out;
    }),
  /**
   * Topic the executor consumes and its timers re-emit to. Always automation.commands.v1 in a deployment;
   * tests that produce commands directly use a topic of their own so that no other executor on a shared
   * cluster runs them.
   */
  EXECUTOR_COMMANDS_TOPIC: z.string().min(1).max(249).default('automation.commands.v1'),
  /**
   * The replay lane: backfill start commands, run only while no live batch is in flight. Empty
   * turns the lane off (an executor dedicated to live traffic, or a test with a topic of its own).
   */
  EXECUTOR_REPLAY_TOPIC: z.string().max(249).default('automation.replay-commands.v1'),
  /**
   * What this instance runs: `live,replay` (both, the live one first), `live` (live commands and the
   * timers only), or `replay` (only the replay lane: an instance dedicated to backfills, usually with
   * EXECUTOR_NICE, so the kernel gives live instances the CPU first).
   */
  EXECUTOR_LANES: z
    .string()
    .default('live,replay')
    .transform((v, ctx) => {
      const parts = new Set(
        v
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
      );
      for (const p of parts)
        if (p !== 'live' && p !== 'replay') {
          ctx.addIssue({ code: 'custom', message: `"${p}" is not a lane (lanes: live, replay)` });
          return z.NEVER;
        }
      if (parts.size === 0) {
        ctx.addIssue({ code: 'custom', message: 'name at least one lane (live, replay)' });
        return z.NEVER;
      }
      return { live: parts.has('live'), replay: parts.has('replay') };
    }),
  /** CPU priority of the process (nice 0–19; 0 leaves it alone). A replay-only instance runs at 10 under `npm start`. */
  EXECUTOR_NICE: z.coerce.number().int().min(0).max(19).default(0),
  /**
   * Lane commands run between two looks at live load: a live batch that arrives waits for at most
   * one such chunk (50 three-step executions are ~50 ms of executor CPU on the reference machine).
   */
  EXECUTOR_REPLAY_CHUNK: z.coerce.number().int().min(1).max(10_000).default(50),
  /** concurrent actions within a lane chunk */
  EXECUTOR_REPLAY_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(16),
  /** longest a lane chunk waits for live load to pause before it runs anyway (bounded by the transaction timeout) */
  EXECUTOR_REPLAY_MAX_WAIT_MS: z.coerce.number().int().min(10).max(30_000).default(5000),
  /** fetch size per partition of the lane (small: lane batches are worked in chunks between live ones) */
  EXECUTOR_REPLAY_MAX_BYTES_PER_PARTITION: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(256 * 1024),
  /**
   * Partition batches handled at once; their outputs and offsets share one Kafka transaction (group
   * commit), so the transaction's fixed cost is paid once per fetch, not once per partition.
   */
  EXECUTOR_GROUP_COMMIT_PARTITIONS: z.coerce.number().int().min(1).max(256).default(6),
  /** first back-off of the transactional producer's retries (ms): CONCURRENT_TRANSACTIONS answers cost this much */
  EXECUTOR_TXN_RETRY_MS: z.coerce.number().int().min(1).max(1000).default(20),
  /** fetch size per partition: bounds a batch, and so the step results one transaction writes to a partition */
  EXECUTOR_MAX_BYTES_PER_PARTITION: z.coerce.number().int().min(16_384).max(16_777_216).default(1_048_576),
});
export type ExecutorConfig = z.infer<typeof ExecutorEnv>;

export const executorConfig = (env: NodeJS.ProcessEnv = process.env): ExecutorConfig => {
  const cfg = parseSettings(ExecutorEnv, 'executor', env);
  if (cfg.EXECUTOR_LANES.replay && !cfg.EXECUTOR_LANES.live && !cfg.EXECUTOR_REPLAY_TOPIC)
    throw new Error('invalid executor settings: EXECUTOR_LANES=replay needs EXECUTOR_REPLAY_TOPIC (an instance with nothing to consume)');
  return cfg;
};
