import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { WorkflowDefinition } from '@fixlify/contracts';
import { createActiveWorkflow, createClient, waitFor } from '@fixlify/testing';

/**
 * The benchmarks' three-step workflow (condition → webhook to a local receiver → update_record),
 * started by a job created with `tag` in its title, and the organizations that run it.
 */
export const threeStepDefinition = (tag: string, receiverUrl: string): WorkflowDefinition =>
  WorkflowDefinition.parse({
    nodes: [
      { id: 't', type: 'trigger', trigger: { type: 'job_created', filter: { field: 'after.title', op: 'contains', value: tag } } },
      { id: 'worth', type: 'condition', config: { when: { field: 'job.total', op: 'gte', value: 0 } } },
      {
        id: 'notify',
        type: 'webhook',
        config: { url: `${receiverUrl}/bench/{{ job.id }}`, payload: '{"job":"{{ job.id }}","title":"{{ job.title }}","client":"{{ client.name }}"}' },
      },
      { id: 'mark', type: 'update_record', config: { table: 'jobs', id: '{{ job.id }}', set: { status: 'dispatched' } } },
    ],
    edges: [
      { id: 'a', source: 't', target: 'worth' },
      { id: 'b', source: 'worth', target: 'notify', branch: 'true' },
      { id: 'c', source: 'notify', target: 'mark' },
    ],
  });

export interface BenchOrg {
  org: string;
  client: string;
  wf: { workflowId: string; versionId: string; version: number };
}

/**
 * `count` organizations, each with one client and the workflow active. Their ids share a random
 * prefix, so a reader can skip every other organization's messages without parsing them.
 */
export const createBenchOrgs = async (pool: Pool, count: number, def: WorkflowDefinition, name: string): Promise<{ orgs: BenchOrg[]; prefix: string }> => {
  const prefix = randomBytes(4).toString('hex');
  const orgs: BenchOrg[] = [];
  for (let i = 0; i < count; i++) {
    const org = `${prefix}-${randomBytes(2).toString('hex')}-4${randomBytes(2).toString('hex').slice(1)}-8${randomBytes(2).toString('hex').slice(1)}-${randomBytes(6).toString('hex')}`;
    await pool.query('INSERT INTO organizations (id, name) VALUES ($1, $2)', [org, `${name} ${i}`]);
    const client = await createClient(pool, org, { name: `Client ${i}` });
    orgs.push({ org, client, wf: await createActiveWorkflow(pool, org, def) });
  }
  return { orgs, prefix };
};

/** Waits until the matcher has indexed every organization's workflow. */
export const waitIndexed = async (matcherPort: number, orgs: readonly BenchOrg[]): Promise<void> => {
  for (const o of orgs)
    await waitFor(
      async () => ((await (await fetch(`http://127.0.0.1:${matcherPort}/index/${o.wf.workflowId}`)).json()) as { present: boolean }).present || undefined,
      60_000,
      'matcher index',
    );
};
