import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { Pool } from 'pg';
import { InitialSchema1764200000000 } from './migrations/1764200000000-initial-schema';
import { ExecutorTimerTopics1795752375621 } from './migrations/1795752375621-executor-timer-topics';
import { ExecutionOwnerGroup1795758890767 } from './migrations/1795758890767-execution-owner-group';
import { TriggerSupport1795752594040 } from './migrations/1795752594040-trigger-support';
import { ProjectionDeferredIndexes1795756113680 } from './migrations/1795756113680-projection-deferred-indexes';
import { RatingsAndRedrives1795800000000 } from './migrations/1795800000000-ratings-and-redrives';
import { WorkflowActivatedAt1795810000000 } from './migrations/1795810000000-workflow-activated-at';
import { AccountSecurity1795830000000 } from './migrations/1795830000000-account-security';
import { WebhookSigningSecrets1795840000000 } from './migrations/1795840000000-webhook-signing-secrets';
import { UnknownOutcomes1795850000000 } from './migrations/1795850000000-unknown-outcomes';
import { Replays1795860000000 } from './migrations/1795860000000-replays';
import { ReplayPreviews1795870000000 } from './migrations/1795870000000-replay-previews';
import { Enrollments1795880000000 } from './migrations/1795880000000-enrollments';
import { BackfilledMetrics1795890000000 } from './migrations/1795890000000-backfilled-metrics';
import { Consent1795900000000 } from './migrations/1795900000000-consent';
import { Lifecycle1795910000000 } from './migrations/1795910000000-lifecycle';
import { OrganizationLogRetention1795920000000 } from './migrations/1795920000000-organization-log-retention';
import { dbEnv } from './env';

export const MIGRATIONS = [
  InitialSchema1764200000000,
  ExecutorTimerTopics1795752375621,
  TriggerSupport1795752594040,
  ProjectionDeferredIndexes1795756113680,
  ExecutionOwnerGroup1795758890767,
  RatingsAndRedrives1795800000000,
  WorkflowActivatedAt1795810000000,
  AccountSecurity1795830000000,
  WebhookSigningSecrets1795840000000,
  UnknownOutcomes1795850000000,
  Replays1795860000000,
  ReplayPreviews1795870000000,
  Enrollments1795880000000,
  BackfilledMetrics1795890000000,
  Consent1795900000000,
  Lifecycle1795910000000,
  OrganizationLogRetention1795920000000,
];

export const createDataSource = (url = dbEnv().DATABASE_URL, poolMax = dbEnv().DATABASE_POOL_MAX): DataSource =>
  new DataSource({
    type: 'postgres',
    url,
    // no entities: the schema is the migrations', and the code speaks SQL (see docs/architecture.md)
    entities: [],
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    logging: ['error'],
    extra: { max: poolMax },
  });

/** Applies pending migrations; returns the names of those it ran. */
export const runMigrations = async (url = dbEnv().DATABASE_URL): Promise<string[]> => {
  const ds = createDataSource(url, 2);
  await ds.initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
};

/**
 * A plain pg pool for hot paths (batched SQL without ORM overhead). An idle connection that
 * PostgreSQL drops (a restart, a failover) is an 'error' event on the pool: unhandled, Node ends
 * the process. Handled here, the pool discards that client and opens a new one on the next query,
 * so a database restart costs the queries in flight (retried by their callers), not the service.
 */
export const createPool = (url = dbEnv().DATABASE_URL, max = dbEnv().DATABASE_POOL_MAX, onError: (e: Error) => void = warnPoolError): Pool => {
  const pool = new Pool({ connectionString: url, max, application_name: process.env.FIXLIFY_SERVICE ?? 'fixlify', connectionTimeoutMillis: 10_000 });
  pool.on('error', onError);
  return pool;
};

let lastWarned = 0;
/** one line per 10 s at most: a restart drops every idle client at once */
const warnPoolError = (e: Error): void => {
  if (Date.now() - lastWarned < 10_000) return;
  lastWarned = Date.now();
  process.stderr.write(`${JSON.stringify({ level: 40, time: Date.now(), msg: 'postgres connection lost (the pool reconnects on demand)', err: e.message })}\n`);
};
