import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Business tables of the field-service app and the automation tables of the original design,
 * plus what the event-sourced design needs (versions, delivery ledger, timers, projection offsets,
 * consent). Tables read by Debezium whose before-image triggers use get REPLICA IDENTITY FULL.
 */
export class InitialSchema1764200000000 implements MigrationInterface {
  name = 'InitialSchema1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE TABLE organizations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  locale text NOT NULL DEFAULT 'en-US',
  currency char(3) NOT NULL DEFAULT 'USD',
  time_zone text NOT NULL DEFAULT 'UTC',
  quiet_hours_start time,
  quiet_hours_end time,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE clients (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name text NOT NULL,
  email text,
  phone text,
  address text,
  time_zone text,
  email_consent boolean NOT NULL DEFAULT true,
  sms_consent boolean NOT NULL DEFAULT true,
  push_consent boolean NOT NULL DEFAULT true,
  tags text[] NOT NULL DEFAULT '{}',
  automation_execution_id text,
  automation_depth int NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX clients_org_idx ON clients (organization_id);

CREATE TABLE technicians (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name text NOT NULL,
  email text,
  phone text,
  is_active boolean NOT NULL DEFAULT true,
  skills text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX technicians_org_idx ON technicians (organization_id);

CREATE TABLE jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  client_id uuid REFERENCES clients(id) ON DELETE SET NULL,
  technician_id uuid REFERENCES technicians(id) ON DELETE SET NULL,
  title text NOT NULL,
  description text,
  status text NOT NULL DEFAULT 'scheduled'
    CHECK (status IN ('draft','scheduled','dispatched','en_route','in_progress','on_hold','completed','cancelled')),
  scheduled_start timestamptz,
  scheduled_end timestamptz,
  completed_at timestamptz,
  total numeric(12,2) NOT NULL DEFAULT 0,
  address text,
  automation_execution_id text,
  automation_depth int NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_org_idx ON jobs (organization_id, created_at DESC);
CREATE INDEX jobs_tech_window_idx ON jobs (technician_id, scheduled_start) WHERE status NOT IN ('completed','cancelled');
CREATE INDEX jobs_overdue_idx ON jobs (scheduled_end) WHERE status NOT IN ('completed','cancelled');

CREATE TABLE invoices (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  client_id uuid REFERENCES clients(id) ON DELETE SET NULL,
  job_id uuid REFERENCES jobs(id) ON DELETE SET NULL,
  number text NOT NULL,
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','sent','paid','partially_paid','void')),
  amount numeric(12,2) NOT NULL,
  amount_paid numeric(12,2) NOT NULL DEFAULT 0,
  currency char(3) NOT NULL DEFAULT 'USD',
  due_date date,
  sent_at timestamptz,
  paid_at timestamptz,
  automation_execution_id text,
  automation_depth int NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, number)
);
CREATE INDEX invoices_overdue_idx ON invoices (due_date) WHERE status IN ('sent','partially_paid');

CREATE TABLE estimates (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  client_id uuid REFERENCES clients(id) ON DELETE SET NULL,
  job_id uuid REFERENCES jobs(id) ON DELETE SET NULL,
  number text NOT NULL,
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','sent','accepted','declined','expired')),
  amount numeric(12,2) NOT NULL,
  currency char(3) NOT NULL DEFAULT 'USD',
  valid_until date,
  sent_at timestamptz,
  automation_execution_id text,
  automation_depth int NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, number)
);

CREATE TABLE tasks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  job_id uuid REFERENCES jobs(id) ON DELETE SET NULL,
  technician_id uuid REFERENCES technicians(id) ON DELETE SET NULL,
  title text NOT NULL,
  description text,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','done','cancelled')),
  due_at timestamptz,
  automation_execution_id text,
  automation_depth int NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX tasks_created_by_step_idx ON tasks (automation_execution_id, title) WHERE automation_execution_id IS NOT NULL;

-- Automation configuration ------------------------------------------------------------
CREATE TABLE automation_workflows (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name text NOT NULL,
  description text,
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','active','inactive','archived')),
  is_active boolean NOT NULL DEFAULT false,
  trigger_type text,
  trigger_config jsonb NOT NULL DEFAULT '{}',
  -- the draft the builder edits; published versions live in automation_workflow_versions
  definition jsonb NOT NULL DEFAULT '{"schemaVersion":1,"nodes":[],"edges":[]}',
  published_version_id uuid,
  -- copy of the published version's definition, so the workflow row's CDC carries all the matcher needs
  published_definition jsonb,
  current_version int NOT NULL DEFAULT 0,
  reenrollment text NOT NULL DEFAULT 'every_time' CHECK (reenrollment IN ('every_time','once_per_entity')),
  template_id uuid,
  webhook_secret text,
  execution_count int NOT NULL DEFAULT 0,
  success_count int NOT NULL DEFAULT 0,
  failure_count int NOT NULL DEFAULT 0,
  last_triggered_at timestamptz,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX automation_workflows_org_idx ON automation_workflows (organization_id, is_active);
CREATE INDEX automation_workflows_trigger_idx ON automation_workflows (trigger_type) WHERE is_active;

CREATE TABLE automation_workflow_versions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workflow_id uuid NOT NULL REFERENCES automation_workflows(id) ON DELETE CASCADE,
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  version int NOT NULL,
  trigger_type text NOT NULL,
  definition jsonb NOT NULL,
  published_by text,
  published_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workflow_id, version)
);
ALTER TABLE automation_workflows ADD CONSTRAINT automation_workflows_published_version_fk
  FOREIGN KEY (published_version_id) REFERENCES automation_workflow_versions(id) DEFERRABLE INITIALLY DEFERRED;

-- versions are immutable once published
CREATE FUNCTION automation_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'workflow versions are immutable (workflow %, version %)', OLD.workflow_id, OLD.version;
END $$;
CREATE TRIGGER automation_workflow_versions_no_update BEFORE UPDATE ON automation_workflow_versions
  FOR EACH ROW EXECUTE FUNCTION automation_versions_immutable();

CREATE TABLE automation_templates (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE,
  name text NOT NULL,
  description text NOT NULL,
  category text NOT NULL,
  trigger_type text NOT NULL,
  definition jsonb NOT NULL,
  tags text[] NOT NULL DEFAULT '{}',
  usage_count int NOT NULL DEFAULT 0,
  rating_sum int NOT NULL DEFAULT 0,
  rating_count int NOT NULL DEFAULT 0,
  is_featured boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX automation_templates_category_idx ON automation_templates (category);

-- Projections (derived from automation.step-results.v1; can be dropped and rebuilt) --------
CREATE TABLE automation_execution_logs (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  workflow_id uuid NOT NULL,
  version_id uuid NOT NULL,
  status text NOT NULL CHECK (status IN ('pending','processing','completed','failed','retry','waiting','cancelled')),
  trigger_type text,
  trigger_data jsonb NOT NULL DEFAULT '{}',
  actions_executed jsonb NOT NULL DEFAULT '[]',
  error_message text,
  retry_count int NOT NULL DEFAULT 0,
  last_seq int NOT NULL DEFAULT -1,
  triggered_at timestamptz,
  started_at timestamptz,
  completed_at timestamptz,
  execution_time_ms int,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX automation_execution_logs_org_idx ON automation_execution_logs (organization_id, started_at DESC);
CREATE INDEX automation_execution_logs_workflow_idx ON automation_execution_logs (workflow_id, started_at DESC);
CREATE INDEX automation_execution_logs_status_idx ON automation_execution_logs (organization_id, status);

CREATE TABLE automation_metrics (
  workflow_id uuid NOT NULL,
  organization_id uuid NOT NULL,
  period text NOT NULL CHECK (period IN ('hour','day')),
  period_start timestamptz NOT NULL,
  total_executions int NOT NULL DEFAULT 0,
  successful_executions int NOT NULL DEFAULT 0,
  failed_executions int NOT NULL DEFAULT 0,
  total_execution_time_ms bigint NOT NULL DEFAULT 0,
  avg_execution_time_ms int NOT NULL DEFAULT 0,
  p95_execution_time_ms int NOT NULL DEFAULT 0,
  emails_sent int NOT NULL DEFAULT 0,
  sms_sent int NOT NULL DEFAULT 0,
  push_sent int NOT NULL DEFAULT 0,
  webhooks_sent int NOT NULL DEFAULT 0,
  suppressed_messages int NOT NULL DEFAULT 0,
  -- execution time distribution (bucket upper bound in ms -> count), from which p95 is derived
  duration_histogram jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, period, period_start)
);
CREATE INDEX automation_metrics_org_idx ON automation_metrics (organization_id, period, period_start);

-- exactly-once projections: offsets written in the same transaction as the rows
CREATE TABLE automation_projection_offsets (
  consumer text NOT NULL,
  topic text NOT NULL,
  partition int NOT NULL,
  next_offset bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, topic, partition)
);

-- Executor state -----------------------------------------------------------------------
-- delivery ledger: one row per side effect, keyed by the step key
CREATE TABLE automation_deliveries (
  step_key text PRIMARY KEY,
  organization_id uuid NOT NULL,
  execution_id uuid NOT NULL,
  channel text NOT NULL,
  status text NOT NULL CHECK (status IN ('sending','delivered','failed','suppressed')),
  attempts int NOT NULL DEFAULT 0,
  provider_message_id text,
  response jsonb,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX automation_deliveries_execution_idx ON automation_deliveries (execution_id);

-- durable timers: delays and retry back-off re-emit the continuation when due
CREATE TABLE automation_timers (
  id text PRIMARY KEY,
  organization_id uuid NOT NULL,
  execution_id uuid NOT NULL,
  due_at timestamptz NOT NULL,
  command jsonb NOT NULL,
  claimed_by text,
  claimed_until timestamptz,
  fired_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX automation_timers_due_idx ON automation_timers (due_at) WHERE fired_at IS NULL;

-- executions the executor has taken on (dedupes redelivered or replayed start commands)
CREATE TABLE automation_executions (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  workflow_id uuid NOT NULL,
  state text NOT NULL DEFAULT 'running' CHECK (state IN ('running','waiting','completed','failed','cancelled')),
  -- the command being processed and where it came from: a redelivery of the same message is processed again
  -- (its side effects are deduplicated by the ledger), a different message with the same id is a duplicate
  last_command_id text NOT NULL,
  last_command_position text NOT NULL,
  -- steps * 1000 + attempt of the last command taken on: older commands (late timer re-emits) are dropped
  progress bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- once-per-entity enrollment
CREATE TABLE automation_enrollments (
  workflow_id uuid NOT NULL,
  entity_id text NOT NULL,
  execution_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, entity_id)
);

-- clock triggers: each occurrence claimed once, across instances and restarts
CREATE TABLE automation_clock_occurrences (
  workflow_id uuid NOT NULL,
  entity_id text NOT NULL,
  occurrence text NOT NULL,
  event_id uuid NOT NULL,
  emitted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, entity_id, occurrence)
);

-- consent: opt-outs (inbound STOP, unsubscribe links) and other suppressions
CREATE TABLE communication_suppressions (
  organization_id uuid NOT NULL,
  channel text NOT NULL CHECK (channel IN ('email','sms','push')),
  address text NOT NULL,
  reason text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, channel, address)
);

-- Web Push subscriptions of the people an organization notifies (clients, technicians, staff)
CREATE TABLE push_subscriptions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  user_ref text NOT NULL,
  endpoint text NOT NULL,
  p256dh text NOT NULL,
  auth text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, endpoint)
);
CREATE INDEX push_subscriptions_user_idx ON push_subscriptions (organization_id, user_ref);

-- provider credentials per organization, encrypted at rest (AES-256-GCM)
CREATE TABLE organization_channel_credentials (
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  provider text NOT NULL CHECK (provider IN ('mailgun','smtp','telnyx','webpush','webhook')),
  secret_ciphertext text NOT NULL,
  settings jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, provider)
);

-- API access: people log in to the web app; programs use per-organization API keys (hashed)
CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  email text NOT NULL UNIQUE,
  name text NOT NULL DEFAULT '',
  password_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('owner','editor','viewer')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE user_sessions (
  token_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name text NOT NULL,
  prefix text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  role text NOT NULL CHECK (role IN ('owner','editor','viewer')),
  last_used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_org_idx ON api_keys (organization_id);

ALTER TABLE clients REPLICA IDENTITY FULL;
ALTER TABLE jobs REPLICA IDENTITY FULL;
ALTER TABLE invoices REPLICA IDENTITY FULL;
ALTER TABLE estimates REPLICA IDENTITY FULL;
ALTER TABLE tasks REPLICA IDENTITY FULL;
ALTER TABLE technicians REPLICA IDENTITY FULL;
ALTER TABLE automation_workflows REPLICA IDENTITY FULL;
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
DROP TABLE IF EXISTS api_keys, user_sessions, users, organization_channel_credentials, push_subscriptions, communication_suppressions, automation_clock_occurrences,
  automation_enrollments, automation_executions, automation_timers, automation_deliveries,
  automation_projection_offsets, automation_metrics, automation_execution_logs, automation_templates CASCADE;
ALTER TABLE automation_workflows DROP CONSTRAINT IF EXISTS automation_workflows_published_version_fk;
DROP TABLE IF EXISTS automation_workflow_versions, automation_workflows, tasks, estimates, invoices, jobs,
  technicians, clients, organizations CASCADE;
DROP FUNCTION IF EXISTS automation_versions_immutable();
`);
  }
}
