import { z } from 'zod';
import { TOPICS, parseSettings } from '@fixlify/contracts';

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const IngestEnv = z.object({
  /** port of /metrics and /health */
  INGEST_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9101),
  /** port of the inbound webhook endpoint POST /hooks/:workflowId (public, signed); manual runs go through the API */
  INGEST_TRIGGER_PORT: z.coerce.number().int().min(0).max(65535).default(9110),
  /** address the inbound webhook endpoint listens on */
  INGEST_TRIGGER_HOST: z.string().min(1).default('127.0.0.1'),
  /** inbound webhooks: how far a signature's timestamp may be from now (seconds); signatures are remembered this long */
  WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  /** inbound webhooks: largest accepted body */
  WEBHOOK_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(256 * 1024),
  /**
   * Inbound SMS (POST /telnyx/messages on the trigger port): the Telnyx account's public key, base64
   * of the raw Ed25519 key as the portal shows it (or a PEM). Unset: inbound SMS is refused.
   */
  TELNYX_PUBLIC_KEY: z.string().min(1).optional(),
  /** the deployment's sending number (the executor's TELNYX_FROM): organizations without their own number share it */
  TELNYX_FROM: z.string().min(1).optional(),
  /** Mailgun's HTTP webhook signing key, for POST /mailgun/events (unsubscribes, complaints, hard bounces). Unset: refused */
  MAILGUN_WEBHOOK_SIGNING_KEY: z.string().min(1).optional(),
  /**
   * CDC partitions handled concurrently whose outputs commit in one Kafka transaction (group commit);
   * 1 = a transaction per partition batch
   */
  INGEST_GROUP_COMMIT_PARTITIONS: z.coerce.number().int().min(1).max(256).default(32),
  /** first back-off of the transactional producer's retries (ms) */
  INGEST_TXN_RETRY_MS: z.coerce.number().int().min(1).max(1000).default(10),
  /** where domain events go; only benchmarks and tests on a shared cluster change it (a topic of their own) */
  INGEST_EVENTS_TOPIC: z.string().min(1).default(TOPICS.events),
  /** clock triggers on/off (an instance may leave the clock to others; two or more are safe) */
  CLOCK_ENABLED: flag.default(true),
  /** how often scheduled and recurring triggers are checked (ms) */
  CLOCK_POLL_MS: z.coerce.number().int().min(50).max(600_000).default(1000),
  /** how often job_overdue, invoice_overdue and client_inactive scan their tables (ms); these are minute/day grained */
  CLOCK_ENTITY_POLL_MS: z.coerce.number().int().min(50).max(3_600_000).default(15_000),
  /**
   * Occurrences that fell due longer ago than this are not fired (after a long outage, or for records
   * already overdue when a workflow is activated). Occurrences before a workflow's activation never fire.
   */
  CLOCK_CATCH_UP_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(60 * 24 * 31)
    .default(24 * 60),
  /**
   * Clock, manual and webhook triggers of a workflow wait this long after it was published or
   * (re)activated, so that every matcher has indexed it (ms)
   */
  WORKFLOW_ACTIVATION_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
  /** most occurrences claimed per workflow and tick (the rest follow on the next ticks) */
  CLOCK_BATCH_LIMIT: z.coerce.number().int().min(1).max(10_000).default(500),
  /** change-capture watchdog on/off: Connect's connector and task state, the slot's retained WAL, heartbeat age */
  CDC_WATCH_ENABLED: flag.default(true),
  /** Kafka Connect's REST API (the watchdog reads the connector's status there) */
  CONNECT_URL: z.string().url().default('http://127.0.0.1:28083'),
  CDC_CONNECTOR_NAME: z.string().min(1).default('fixlify-postgres'),
  CDC_SLOT_NAME: z.string().min(1).default('fixlify_slot'),
  /** the connector's heartbeat.interval.ms (infra/connect): three intervals without a heartbeat mean capture stopped */
  CDC_HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  /** how often the watchdog checks (ms) */
  CDC_WATCH_POLL_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** a FAILED connector task is restarted through Connect at most this often (ms); 0: never */
  CDC_RESTART_FAILED_EVERY_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
});
export type IngestConfig = z.infer<typeof IngestEnv>;

export const ingestConfig = (env: NodeJS.ProcessEnv = process.env): IngestConfig => {
  return parseSettings(IngestEnv, 'ingest', env);
};
