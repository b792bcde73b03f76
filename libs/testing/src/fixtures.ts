import { Pool } from 'pg';
import { WorkflowDefinition, type WorkflowDefinitionInput } from '@fixlify/contracts';
import { publishWorkflowVersion, createWorkflowDraft, type PublishedVersion } from '@fixlify/db';

export const testPool = (): Pool => new Pool({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:55432/fixlify', max: 5 });

/**
 * Integration tests share one database (Debezium captures its tables), so each test works in
 * its own organization: tenant isolation is test isolation.
 */
export const createOrganization = async (pool: Pool, o: { name?: string; timeZone?: string; locale?: string; currency?: string; quietHours?: [string, string] } = {}): Promise<string> => {
  const res = await pool.query<{ id: string }>(
    `INSERT INTO organizations (name, time_zone, locale, currency, quiet_hours_start, quiet_hours_end) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [o.name ?? `Test org ${Date.now()}`, o.timeZone ?? 'UTC', o.locale ?? 'en-US', o.currency ?? 'USD', o.quietHours?.[0] ?? null, o.quietHours?.[1] ?? null],
  );
  return res.rows[0]!.id;
};

export const createClient = async (pool: Pool, organizationId: string, o: { name?: string; email?: string; phone?: string; timeZone?: string; smsConsent?: boolean; emailConsent?: boolean } = {}): Promise<string> => {
  const res = await pool.query<{ id: string }>(
    `INSERT INTO clients (organization_id, name, email, phone, time_zone, sms_consent, email_consent) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [organizationId, o.name ?? 'Ada Client', o.email ?? 'ada@example.com', o.phone ?? '+15551230000', o.timeZone ?? null, o.smsConsent ?? true, o.emailConsent ?? true],
  );
  return res.rows[0]!.id;
};

export const createActiveWorkflow = async (
  pool: Pool,
  organizationId: string,
  input: WorkflowDefinitionInput,
  name = 'Test workflow',
): Promise<PublishedVersion> => {
  const definition = WorkflowDefinition.parse(input);
  const node = definition.nodes.find((n) => n.type === 'trigger');
  const trigger = node?.type === 'trigger' ? node.trigger.type : null;
  const id = await createWorkflowDraft(pool, { organizationId, name, definition, triggerType: trigger });
  return publishWorkflowVersion(pool, { workflowId: id, organizationId, definition, triggerType: trigger ?? 'manual', activate: true });
};
