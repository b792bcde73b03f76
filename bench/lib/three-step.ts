import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { WorkflowDefinition, type StartCommand } from '@fixlify/contracts';
import { createActiveWorkflow, createClient, waitFor } from '@fixlify/testing';
import { mapLimit } from '../../services/executor/src/execution/map-limit';

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
 * `count` organizations, each with one client and the workflow active (createActiveWorkflow: the
 * publish path the API takes), `concurrency` of them created at once. Their ids share a random
 * prefix, so a reader can skip every other organization's messages without parsing them.
 */
export const createBenchOrgs = async (
  pool: Pool,
  count: number,
  def: WorkflowDefinition,
  name: string,
  o: { concurrency?: number } = {},
): Promise<{ orgs: BenchOrg[]; prefix: string }> => {
  const prefix = randomBytes(4).toString('hex');
  const orgs = await mapLimit(
    Array.from({ length: count }, (_, i) => i),
    o.concurrency ?? 1,
    async (i): Promise<BenchOrg> => {
      const org = `${prefix}-${randomBytes(2).toString('hex')}-4${randomBytes(2).toString('hex').slice(1)}-8${randomBytes(2).toString('hex').slice(1)}-${randomBytes(6).toString('hex')}`;
      await pool.query('INSERT INTO organizations (id, name) VALUES ($1, $2)', [org, `${name} ${i}`]);
      const client = await createClient(pool, org, { name: `Client ${i}` });
      return { org, client, wf: await createActiveWorkflow(pool, org, def) };
    },
  );
  return { orgs, prefix };
};

/**
 * The start command the matcher would emit for a job just created in `o` (a new execution and event
 * id each call), for benches that feed the executor directly. `def` undefined: without the
 * definition, as the matcher sends a stored version's commands (the executor reads it by version id).
 */
export const jobCreatedStart = (o: BenchOrg, jobId: string, title: string, def: WorkflowDefinition | undefined, at: string): StartCommand => ({
  v: 1,
  kind: 'start',
  executionId: randomUUID(),
  organizationId: o.org,
  workflowId: o.wf.workflowId,
  versionId: o.wf.versionId,
  version: o.wf.version,
  issuedAt: at,
  ...(def ? { definition: def } : {}),
  event: {
    v: 1,
    eventId: randomUUID(),
    type: 'job_created',
    organizationId: o.org,
    entityType: 'job',
    entityId: jobId,
    before: null,
    after: { id: jobId, organization_id: o.org, client_id: o.client, title },
    occurredAt: at,
    emittedAt: at,
    workflowId: null,
    causation: null,
    data: {},
    source: { kind: 'cdc', table: 'jobs', lsn: '0', txId: '0' },
  },
  triggeredAt: at,
});

/** Waits until the matcher has indexed every organization's workflow. */
export const waitIndexed = async (matcherPort: number, orgs: readonly BenchOrg[]): Promise<void> => {
  for (const o of orgs)
    await waitFor(
      async () => ((await (await fetch(`http://127.0.0.1:${matcherPort}/index/${o.wf.workflowId}`)).json()) as { present: boolean }).present || undefined,
      60_000,
      'matcher index',
    );
};
