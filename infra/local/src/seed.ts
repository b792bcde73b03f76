import { randomBytes, scryptSync } from 'node:crypto';
import type { Pool } from 'pg';
import { WorkflowDefinition, type WorkflowDefinitionInput } from '@fixlify/contracts';
import { createWorkflowDraft, publishWorkflowVersion } from '@fixlify/db';
import { LOCAL_PROVIDER_PORTS } from './providers';

export const DEMO_ORG_ID = '00000000-0000-4000-8000-000000000001';
/** The web app's demo sign-in (owner of the demo organization). */
export const DEMO_USER = { email: 'demo@fixlify.local', password: 'fixlify-demo' } as const;

/** Same form as services/api auth/password.ts: scrypt$N$r$p$salt$hash (base64url). */
const scryptHash = (password: string): string => {
  const salt = randomBytes(16);
  return `scrypt$16384$8$1$${salt.toString('base64url')}$${scryptSync(password, salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64url')}`;
};

const DEMO_WORKFLOWS: { name: string; definition: WorkflowDefinitionInput }[] = [
  {
    name: 'Job completed: thank-you SMS',
    definition: {
      nodes: [
        { id: 'trigger', type: 'trigger', trigger: { type: 'job_completed' } },
        {
          id: 'thanks',
          type: 'send_sms',
          config: {
            to: '{{ client.phone }}',
            body: 'Hi {{ client.name }}, thanks for choosing {{ organization.name }}! Your job "{{ job.title }}" is complete.',
          },
        },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'thanks' }],
    },
  },
  {
    name: 'New job: notify dispatch webhook',
    definition: {
      nodes: [
        { id: 'trigger', type: 'trigger', trigger: { type: 'job_created' } },
        { id: 'hook', type: 'webhook', config: { url: `http://127.0.0.1:${LOCAL_PROVIDER_PORTS.webhooks}/dispatch` } },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'hook' }],
    },
  },
];

/** A demo organization with a client, a technician and two active workflows (idempotent). */
export const seedDemo = async (pool: Pool): Promise<{ created: boolean }> => {
  const org = await pool.query(
    `INSERT INTO organizations (id, name, time_zone) VALUES ($1, 'Demo Plumbing & Heating', 'America/New_York') ON CONFLICT (id) DO NOTHING RETURNING id`,
    [DEMO_ORG_ID],
  );
  await pool.query(
    `INSERT INTO users (organization_id, email, name, password_hash, role) VALUES ($1, $2, 'Demo Owner', $3, 'owner') ON CONFLICT (email) DO NOTHING`,
    [DEMO_ORG_ID, DEMO_USER.email, scryptHash(DEMO_USER.password)],
  );
  if (org.rowCount === 0) return { created: false };
  await pool.query(
    `INSERT INTO clients (organization_id, name, email, phone, time_zone) VALUES ($1, 'Grace Hopper', 'grace@example.com', '+15551234567', 'America/New_York')`,
    [DEMO_ORG_ID],
  );
  await pool.query(`INSERT INTO technicians (organization_id, name, email, phone) VALUES ($1, 'Tom Tech', 'tom@example.com', '+15557654321')`, [DEMO_ORG_ID]);
  for (const w of DEMO_WORKFLOWS) {
    const definition = WorkflowDefinition.parse(w.definition);
    const trigger = definition.nodes[0]?.type === 'trigger' ? definition.nodes[0].trigger.type : 'manual';
    const id = await createWorkflowDraft(pool, { organizationId: DEMO_ORG_ID, name: w.name, definition, triggerType: trigger });
    await publishWorkflowVersion(pool, { workflowId: id, organizationId: DEMO_ORG_ID, definition, triggerType: trigger, activate: true, publishedBy: 'seed' });
  }
  return { created: true };
};
