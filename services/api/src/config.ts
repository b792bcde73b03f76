import { parseSettings } from '@fixlify/contracts';
import { resolve } from 'node:path';
import { z } from 'zod';

const REPO_ROOT = resolve(__dirname, '../../..');
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const ApiEnv = z.object({
  /** HTTP port of the API, the live feed and the web app */
  API_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** address to listen on */
  API_HOST: z.string().min(1).default('127.0.0.1'),
  /** keys session tokens (HMAC) before they are stored; required outside development */
  SESSION_SECRET: z.string().min(16).optional(),
  /** how long a login session lasts */
  SESSION_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(24 * 7),
  /** set the Secure flag on the session cookie (behind HTTPS) */
  COOKIE_SECURE: bool.default(false),
  /** the built web app (vite output) served at / */
  WEB_DIST_DIR: z.string().min(1).default(resolve(REPO_ROOT, 'apps/web/dist')),
  /** local Mailgun / Telnyx stand-ins whose outboxes /api/outbox shows (development only) */
  OUTBOX_MAILGUN_URL: z.string().url().optional(),
  OUTBOX_TELNYX_URL: z.string().url().optional(),
  /** ingest's service port: the API shows its change-capture status (GET <url>/status/cdc) to the web app */
  INGEST_STATUS_URL: z.string().url().default('http://127.0.0.1:9101'),
  /** dead letters kept in memory for browsing (the newest) */
  /** records of a record's partition one explanation reads at most (GET /api/explain answers `truncated` beyond) */
  API_EXPLAIN_MAX_SCANNED: z.coerce.number().int().min(100).max(10_000_000).default(200_000),
  /** loop protection as the matcher applies it: explanations replay the matcher's rule (keep equal to the matcher's) */
  MATCHER_MAX_CAUSATION_DEPTH: z.coerce.number().int().min(1).max(50).default(3),
  /** unfinished replays (backfills, dry runs) one organization may have at once; more are refused with 409 */
  API_MAX_ACTIVE_REPLAYS_PER_ORG: z.coerce.number().int().min(1).max(100).default(3),
  API_DLQ_BUFFER: z.coerce.number().int().min(10).max(100_000).default(5000),
  /** of which at most this many per organization: one organization's flood cannot push the others' out */
  API_DLQ_BUFFER_PER_ORG: z.coerce.number().int().min(1).max(100_000).default(500),
  /** live-feed (SSE) streams one user or API key may hold open at once on this instance; the next answers 429 */
  API_LIVE_MAX_STREAMS_PER_PRINCIPAL: z.coerce.number().int().min(1).max(1000).default(5),
  /** live-feed streams of one organization on this instance */
  API_LIVE_MAX_STREAMS_PER_ORG: z.coerce.number().int().min(1).max(100_000).default(50),
  /** Express `trust proxy` (e.g. `loopback`, `1`, a subnet list): whose X-Forwarded-For/-Proto to believe; unset: none */
  API_TRUST_PROXY: z.string().min(1).optional(),
  /** origins besides the API's own that may send cookie-session writes (comma-separated, e.g. https://app.example.com) */
  API_ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim().replace(/\/+$/, '').toLowerCase())
        .filter(Boolean),
    ),
  /** sign-in: failed attempts per account, and per client address, before each further one waits (doubling, 1 s up to LOGIN_BACKOFF_MAX_SECONDS) */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).max(1000).default(5),
  LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(20),
  LOGIN_BACKOFF_MAX_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /** password checks (scrypt) running at once; more sign-ins meanwhile answer 429 */
  LOGIN_MAX_CONCURRENT: z.coerce.number().int().min(1).max(256).default(4),
  /** how long a rotated-out webhook signing secret stays valid by default (seconds; POST /api/webhook-secret/rotate) */
  WEBHOOK_SECRET_ROTATION_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(30 * 24 * 3600)
    .default(24 * 3600),
  /**
   * A manual run of a workflow published or (re)activated less than this long ago waits out the rest
   * (ms), so every matcher has indexed it (the same rule as ingest's clock and webhook triggers)
   */
  WORKFLOW_ACTIVATION_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
  NODE_ENV: z.string().default('development'),
});
export type ApiConfig = Omit<z.infer<typeof ApiEnv>, 'SESSION_SECRET'> & { SESSION_SECRET: string };

const DEV_SESSION_SECRET = 'fixlify-local-development-session-secret';

/** Parsed once at boot; a bad or missing value stops the process with every problem listed. */
export const apiConfig = (env: NodeJS.ProcessEnv = process.env): ApiConfig => {
  const data = parseSettings(ApiEnv, 'API', env);
  if (!data.SESSION_SECRET && data.NODE_ENV === 'production') throw new Error('invalid API settings: SESSION_SECRET is required in production');
  return { ...data, SESSION_SECRET: data.SESSION_SECRET ?? DEV_SESSION_SECRET };
};
