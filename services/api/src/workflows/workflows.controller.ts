import { randomUUID } from 'node:crypto';
import { redactWorkflowSecrets } from '@fixlify/channels';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { z } from 'zod';
import { TOPICS } from '@fixlify/contracts';
import { createWorkflowDraft, findWorkflow, publishWorkflowVersion, setWorkflowActive, waitUntilIndexed } from '@fixlify/db';
import { enrollmentExecutionId, matchesTrigger, validateWorkflow } from '@fixlify/workflow';
import { Caller } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { ApiError } from '../http/errors';
import { idOr404, zod } from '../http/zod.pipe';
import { assertDraftAcceptable, draftSizeIssues } from './draft-limits';
import { definitionToStore, shownWorkflow } from './definition-secrets';
import { assertOwnedEntity, assertOwnedRecord, assertOwnedRefs } from './ownership';
import { manualEvent, testRunCommand } from './events';
import { nodeCatalog } from './node-catalog';
import { draftTriggerType, getWorkflow, WORKFLOW_COLUMNS, type WorkflowRow } from './workflow-queries';

/**
 * A draft may be unfinished (the builder saves work in progress): its outline is checked here, then
 * its size and that it holds no unknown field or type (assertDraftAcceptable: 413, 422); publish checks it all.
 */
export const DraftDefinition = z
  .object({
    schemaVersion: z.literal(1).optional(),
    nodes: z.array(z.looseObject({ id: z.string().min(1).max(64), type: z.string().min(1).max(64) })).max(200),
    edges: z.array(z.looseObject({ id: z.string().min(1).max(100), source: z.string().max(64), target: z.string().max(64) })).max(400),
    settings: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
const emptyDraft = { schemaVersion: 1 as const, nodes: [], edges: [] };

export const CreateWorkflowBody = z.object({ name: z.string().trim().min(1).max(200), description: z.string().max(2000).optional(), definition: DraftDefinition.optional() }).strict();
export const UpdateWorkflowBody = z
  .object({ name: z.string().trim().min(1).max(200).optional(), description: z.string().max(2000).nullable().optional(), definition: DraftDefinition.optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one of name, description, definition');
export const ValidateBody = z.object({ definition: z.unknown() }).strict();
export const PublishBody = z.object({ activate: z.boolean().optional() }).strict();
const record = z.record(z.string(), z.unknown());
const entityRef = z.object({ type: z.enum(['job', 'invoice', 'client', 'estimate']), id: z.uuid() }).strict();
export const TriggerBody = z.object({ requestId: z.string().min(1).max(200).optional(), context: record.default({}), entity: entityRef.optional() }).strict();
export const TestRunBody = z
  .object({ requestId: z.string().min(1).max(200).optional(), entityId: z.uuid().optional(), after: record.optional(), before: record.optional(), data: record.optional() })
  .strict();
const ListQuery = z.object({ status: z.enum(['draft', 'active', 'inactive']).optional(), trigger: z.string().max(64).optional() });

@Controller('api')
export class CatalogController {
  private readonly catalog = nodeCatalog();

  @Get('catalog')
  @Doc({ summary: 'Triggers, actions and control steps with JSON Schemas of their configuration and the context variables', role: 'viewer' })
  get(@Caller() _p: Principal): unknown {
    return this.catalog;
  }
}

@Controller('api/workflows')
export class WorkflowsController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get()
  @Doc({ summary: 'Workflows of the organization with their counters', query: ListQuery, role: 'viewer' })
  async list(@Caller() p: Principal, @Query(zod(ListQuery, 'query')) q: z.infer<typeof ListQuery>): Promise<{ items: WorkflowRow[] }> {
    const r = await this.deps.pool.query<WorkflowRow>(
      `SELECT ${WORKFLOW_COLUMNS} FROM automation_workflows
        WHERE organization_id = $1 AND status <> 'archived' AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR trigger_type = $3)
        ORDER BY updated_at DESC LIMIT 500`,
      [p.organizationId, q.status ?? null, q.trigger ?? null],
    );
    return { items: r.rows };
  }

  @Post()
  @Doc({ summary: 'Create a draft workflow (definition at most 256 KiB of JSON: 413; unknown fields or types: 422)', body: CreateWorkflowBody, role: 'editor' })
  async create(@Caller() p: Principal, @Body(zod(CreateWorkflowBody)) b: z.infer<typeof CreateWorkflowBody>): Promise<unknown> {
    assertDraftAcceptable(b.definition ?? emptyDraft);
    // the id is chosen here: the draft's secrets are sealed for this workflow before anything is stored
    const id = randomUUID();
    const definition = definitionToStore(b.definition ?? emptyDraft, null, { organizationId: p.organizationId, workflowId: id }, this.deps.credentialsKey);
    // and what is stored is checked again: a sealed secret is longer than the typed one
    assertDraftAcceptable(definition);
    await createWorkflowDraft(this.deps.pool, {
      id,
      organizationId: p.organizationId,
      name: b.name,
      ...(b.description !== undefined ? { description: b.description } : {}),
      definition,
      triggerType: draftTriggerType(definition),
      createdBy: p.actor,
    });
    return shownWorkflow(await getWorkflow(this.deps.pool, p.organizationId, id));
  }

  @Post('validate')
  @HttpCode(200)
  @Doc({ summary: 'Validate a definition without saving it (errors point at the step and field)', body: ValidateBody, role: 'viewer' })
  validateAny(@Caller() _p: Principal, @Body(zod(ValidateBody)) b: z.infer<typeof ValidateBody>): unknown {
    const r = validateWorkflow(b.definition);
    return r.ok ? { ok: true, errors: [] } : { ok: false, errors: r.errors };
  }

  @Get(':id')
  @Doc({ summary: "A workflow with its draft and published definitions (steps' secrets shown as the placeholder to everybody)", role: 'viewer' })
  async get(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string): Promise<unknown> {
    const w = shownWorkflow(await getWorkflow(this.deps.pool, p.organizationId, id));
    // the inbound-webhook secret is for people who can change the workflow; the steps' secrets are shown to nobody
    return p.role === 'viewer' ? { ...w, webhookSecret: null } : w;
  }

  @Put(':id')
  @Doc({ summary: 'Update the draft (name, description, definition; at most 256 KiB of JSON: 413; unknown fields or types: 422; a secret left as the placeholder keeps its stored value for the same step and URL); the running version does not change until publish', body: UpdateWorkflowBody, role: 'editor' })
  async update(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string, @Body(zod(UpdateWorkflowBody)) b: z.infer<typeof UpdateWorkflowBody>): Promise<unknown> {
    if (b.definition) assertDraftAcceptable(b.definition);
    const before = await getWorkflow(this.deps.pool, p.organizationId, id);
    // placeholders keep the stored secrets (same step and URL); typed ones are sealed; what is stored is checked again (sealed is longer)
    const definition = b.definition ? definitionToStore(b.definition, before.definition, { organizationId: p.organizationId, workflowId: id }, this.deps.credentialsKey) : undefined;
    if (definition) assertDraftAcceptable(definition);
    await this.deps.pool.query(
      `UPDATE automation_workflows SET
         name = coalesce($3, name),
         description = CASE WHEN $4::boolean THEN $5 ELSE description END,
         definition = coalesce($6::jsonb, definition),
         trigger_type = CASE WHEN $6::jsonb IS NULL OR published_version_id IS NOT NULL THEN trigger_type ELSE $7 END,
         updated_at = now()
       WHERE id = $1 AND organization_id = $2`,
      [id, p.organizationId, b.name ?? null, b.description !== undefined, b.description ?? null, definition ? JSON.stringify(definition) : null, definition ? draftTriggerType(definition) : null],
    );
    return shownWorkflow(await getWorkflow(this.deps.pool, p.organizationId, id));
  }

  @Delete(':id')
  @Doc({ summary: 'Archive a workflow (deactivates it; its executions stay visible)', role: 'editor' })
  async archive(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string): Promise<unknown> {
    const r = await this.deps.pool.query(
      `UPDATE automation_workflows SET status = 'archived', is_active = false, updated_at = now() WHERE id = $1 AND organization_id = $2 AND status <> 'archived'`,
      [id, p.organizationId],
    );
    if (r.rowCount !== 1) throw new ApiError('not_found', 'workflow not found');
    return { ok: true };
  }

  @Post(':id/validate')
  @HttpCode(200)
  @Doc({ summary: "Validate the saved draft (errors point at the step and field)", role: 'viewer' })
  async validate(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string): Promise<unknown> {
    const w = await getWorkflow(this.deps.pool, p.organizationId, id);
    const r = validateWorkflow(w.definition);
    return r.ok ? { ok: true, errors: [] } : { ok: false, errors: r.errors };
  }

  @Post(':id/publish')
  @HttpCode(200)
  @Doc({ summary: 'Publish the draft as a new immutable version (and optionally activate it); the matcher learns it through CDC', body: PublishBody, role: 'editor' })
  async publish(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string, @Body(zod(PublishBody)) b: z.infer<typeof PublishBody>): Promise<unknown> {
    const w = await getWorkflow(this.deps.pool, p.organizationId, id);
    const tooLarge = draftSizeIssues(w.definition);
    if (tooLarge.length > 0) throw new ApiError('invalid_workflow', `${tooLarge[0]!.message}; make it smaller before publishing`, tooLarge);
    const r = validateWorkflow(w.definition);
    if (!r.ok) throw new ApiError('invalid_workflow', `the draft has ${r.errors.length} problem(s); fix them before publishing`, r.errors);
    const trigger = r.definition.nodes.find((n) => n.type === 'trigger');
    const version = await publishWorkflowVersion(this.deps.pool, {
      workflowId: id,
      organizationId: p.organizationId,
      definition: r.definition,
      triggerType: trigger?.type === 'trigger' ? trigger.trigger.type : 'manual',
      publishedBy: p.actor,
      ...(b.activate !== undefined ? { activate: b.activate } : {}),
    });
    return { ...version, workflow: shownWorkflow(await getWorkflow(this.deps.pool, p.organizationId, id)) };
  }

  @Get(':id/versions')
  @Doc({ summary: 'Published versions (immutable), newest first', role: 'viewer' })
  async versions(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string): Promise<unknown> {
    await getWorkflow(this.deps.pool, p.organizationId, id);
    const r = await this.deps.pool.query(
      `SELECT id, version, trigger_type AS "triggerType", definition, published_by AS "publishedBy", published_at AS "publishedAt"
         FROM automation_workflow_versions WHERE workflow_id = $1 AND organization_id = $2 ORDER BY version DESC`,
      [id, p.organizationId],
    );
    return { items: r.rows.map((v: { definition: unknown }) => ({ ...v, definition: redactWorkflowSecrets(v.definition) })) };
  }

  @Post(':id/activate')
  @HttpCode(200)
  @Doc({ summary: 'Activate the published version', role: 'editor' })
  async activate(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string): Promise<unknown> {
    await getWorkflow(this.deps.pool, p.organizationId, id);
    if (!(await setWorkflowActive(this.deps.pool, { workflowId: id, organizationId: p.organizationId, active: true })))
      throw new ApiError('conflict', 'publish the workflow before activating it');
    return shownWorkflow(await getWorkflow(this.deps.pool, p.organizationId, id));
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  @Doc({ summary: 'Deactivate (new events no longer start it; running executions go on)', role: 'editor' })
  async deactivate(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string): Promise<unknown> {
    await getWorkflow(this.deps.pool, p.organizationId, id);
    await setWorkflowActive(this.deps.pool, { workflowId: id, organizationId: p.organizationId, active: false });
    return shownWorkflow(await getWorkflow(this.deps.pool, p.organizationId, id));
  }

  @Post(':id/trigger')
  @HttpCode(202)
  @Doc({
    summary:
      "Run an active manual-trigger workflow with a context (idempotent per requestId); the one way to start a manual run, for the caller's organization. Context keys never replace the ids the system sets (event, entity, organization)",
    body: TriggerBody,
    role: 'editor',
  })
  async trigger(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string, @Body(zod(TriggerBody)) b: z.infer<typeof TriggerBody>): Promise<unknown> {
    const w = await getWorkflow(this.deps.pool, p.organizationId, id);
    if (!w.isActive || !w.publishedVersionId) throw new ApiError('conflict', 'the workflow is not active');
    if (w.triggerType !== 'manual') throw new ApiError('conflict', `the workflow starts on ${w.triggerType ?? 'nothing'}, not manually; use a test run instead`);
    if (b.entity) await assertOwnedEntity(this.deps.pool, p.organizationId, b.entity.type, b.entity.id);
    // a just-published or re-activated workflow: wait until every matcher has indexed it (the rule ingest applies to webhooks)
    const indexed = await findWorkflow(this.deps.pool, id);
    if (indexed) await waitUntilIndexed(indexed, this.deps.cfg.WORKFLOW_ACTIVATION_GRACE_MS, new Date());
    const ev = manualEvent({ organizationId: p.organizationId, workflowId: id, requestId: b.requestId ?? randomUUID(), context: b.context, entity: b.entity, now: new Date() });
    await this.deps.publisher.send(TOPICS.events, `${p.organizationId}:${id}`, JSON.stringify(ev));
    return { eventId: ev.eventId, executionId: enrollmentExecutionId({ workflowId: id, versionId: w.publishedVersionId, reenrollment: w.reenrollment, eventId: ev.eventId, entityId: ev.entityId }) };
  }

  @Post(':id/test-run')
  @HttpCode(202)
  @Doc({ summary: "Run the draft once with sample data (the trigger's images); watch it in the execution monitor", body: TestRunBody, role: 'editor' })
  async testRun(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string, @Body(zod(TestRunBody)) b: z.infer<typeof TestRunBody>): Promise<unknown> {
    const w = await getWorkflow(this.deps.pool, p.organizationId, id);
    const tooLarge = draftSizeIssues(w.definition);
    if (tooLarge.length > 0) throw new ApiError('invalid_workflow', `${tooLarge[0]!.message}; make it smaller before a test run`, tooLarge);
    const r = validateWorkflow(w.definition);
    if (!r.ok) throw new ApiError('invalid_workflow', `the draft has ${r.errors.length} problem(s); fix them before a test run`, r.errors);
    const cmd = testRunCommand({ organizationId: p.organizationId, workflow: w, definition: r.definition, requestId: b.requestId ?? randomUUID(), sample: b, now: new Date() });
    // the executor loads the records the sample points at: they must be this organization's
    if (cmd.event.entityId) {
      if (cmd.event.entityType !== 'none') await assertOwnedEntity(this.deps.pool, p.organizationId, cmd.event.entityType, cmd.event.entityId);
      // a trigger about no kind of record in particular (manual, webhook, clock): the id must still be one of this organization's records
      else await assertOwnedRecord(this.deps.pool, p.organizationId, cmd.event.entityId);
    }
    await assertOwnedRefs(this.deps.pool, p.organizationId, b.after);
    await this.deps.publisher.send(TOPICS.commands, cmd.executionId, JSON.stringify(cmd));
    const trigger = r.definition.nodes.find((n) => n.type === 'trigger');
    return { executionId: cmd.executionId, filterMatched: trigger?.type === 'trigger' ? matchesTrigger(trigger.trigger, cmd.event) : true };
  }
}
