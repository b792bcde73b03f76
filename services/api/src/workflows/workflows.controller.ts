import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import {
  Catalog,
  CreateWorkflowBody,
  OkResponse,
  PublishBody,
  PublishResult,
  TestRunBody,
  TestRunResult,
  TriggerBody,
  TriggerResult,
  UpdateWorkflowBody,
  ValidateBody,
  ValidationResult,
  WorkflowDetail,
  WorkflowList,
  WorkflowListQuery,
  WorkflowVersionList,
} from '@fixlify/contracts';
import { Caller } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { idOr404, zod } from '../http/zod.pipe';
import { archiveWorkflow } from './archive-workflow';
import { createWorkflow } from './create-workflow';
import { listWorkflowVersions } from './list-workflow-versions';
import { listWorkflows } from './list-workflows';
import { nodeCatalog } from './node-catalog';
import { publishWorkflow } from './publish-workflow';
import { activateWorkflow, deactivateWorkflow } from './set-workflow-active';
import { showWorkflow } from './show-workflow';
import { testRunWorkflow } from './test-run-workflow';
import { triggerWorkflow } from './trigger-workflow';
import { updateWorkflow } from './update-workflow';
import { validateDefinition, validateSavedDraft } from './validate-workflow';

@Controller('api')
export class CatalogController {
  private readonly catalog = nodeCatalog();

  @Get('catalog')
  @Doc({ summary: 'Triggers, actions and control steps with JSON Schemas of their configuration and the context variables', role: 'viewer', response: Catalog })
  get(@Caller() _p: Principal): Catalog {
    return this.catalog;
  }
}

@Controller('api/workflows')
export class WorkflowsController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get()
  @Doc({ summary: 'Workflows of the organization with their counters', query: WorkflowListQuery, role: 'viewer', response: WorkflowList })
  list(@Caller() p: Principal, @Query(zod(WorkflowListQuery, 'query')) q: WorkflowListQuery): Promise<WorkflowList> {
    return listWorkflows(this.deps.pool, p.organizationId, q);
  }

  @Post()
  @Doc({
    summary: 'Create a draft workflow (definition at most 256 KiB of JSON: 413; unknown fields or types: 422)',
    body: CreateWorkflowBody,
    role: 'editor',
    response: WorkflowDetail,
  })
  create(@Caller() p: Principal, @Body(zod(CreateWorkflowBody)) b: CreateWorkflowBody): Promise<WorkflowDetail> {
    return createWorkflow(this.deps, p, b);
  }

  @Post('validate')
  @HttpCode(200)
  @Doc({
    summary: 'Validate a definition without saving it (errors point at the step and field)',
    body: ValidateBody,
    role: 'editor',
    response: ValidationResult,
  })
  validateAny(@Caller() _p: Principal, @Body(zod(ValidateBody)) b: ValidateBody): ValidationResult {
    return validateDefinition(b.definition);
  }

  @Get(':id')
  @Doc({
    summary: "A workflow with its draft and published definitions (steps' secrets shown as the placeholder to everybody)",
    role: 'viewer',
    response: WorkflowDetail,
  })
  get(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string): Promise<WorkflowDetail> {
    return showWorkflow(this.deps.pool, p, id);
  }

  @Put(':id')
  @Doc({
    summary:
      'Update the draft (name, description, definition; at most 256 KiB of JSON: 413; unknown fields or types: 422; a secret left as the placeholder keeps its stored value for the same step and URL); the running version does not change until publish',
    body: UpdateWorkflowBody,
    role: 'editor',
    response: WorkflowDetail,
  })
  update(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string, @Body(zod(UpdateWorkflowBody)) b: UpdateWorkflowBody): Promise<WorkflowDetail> {
    return updateWorkflow(this.deps, p, id, b);
  }

  @Delete(':id')
  @Doc({ summary: 'Archive a workflow (deactivates it; its executions stay visible)', role: 'editor', response: OkResponse })
  archive(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string): Promise<OkResponse> {
    return archiveWorkflow(this.deps.pool, p.organizationId, id);
  }

  @Post(':id/validate')
  @HttpCode(200)
  @Doc({ summary: 'Validate the saved draft (errors point at the step and field)', role: 'editor', response: ValidationResult })
  validate(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string): Promise<ValidationResult> {
    return validateSavedDraft(this.deps.pool, p.organizationId, id);
  }

  @Post(':id/publish')
  @HttpCode(200)
  @Doc({
    summary: 'Publish the draft as a new immutable version (and optionally activate it); the matcher learns it through CDC',
    body: PublishBody,
    role: 'editor',
    response: PublishResult,
  })
  publish(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string, @Body(zod(PublishBody)) b: PublishBody): Promise<PublishResult> {
    return publishWorkflow(this.deps, p, id, b);
  }

  @Get(':id/versions')
  @Doc({ summary: 'Published versions (immutable), newest first', role: 'viewer', response: WorkflowVersionList })
  versions(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string): Promise<WorkflowVersionList> {
    return listWorkflowVersions(this.deps.pool, p.organizationId, id);
  }

  @Post(':id/activate')
  @HttpCode(200)
  @Doc({ summary: 'Activate the published version', role: 'editor', response: WorkflowDetail })
  activate(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string): Promise<WorkflowDetail> {
    return activateWorkflow(this.deps.pool, p.organizationId, id);
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  @Doc({ summary: 'Deactivate (new events no longer start it; running executions go on)', role: 'editor', response: WorkflowDetail })
  deactivate(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string): Promise<WorkflowDetail> {
    return deactivateWorkflow(this.deps.pool, p.organizationId, id);
  }

  @Post(':id/trigger')
  @HttpCode(202)
  @Doc({
    summary:
      "Run an active manual-trigger workflow with a context (idempotent per requestId); the one way to start a manual run, for the caller's organization. Context keys never replace the ids the system sets (event, entity, organization)",
    body: TriggerBody,
    role: 'editor',
    response: TriggerResult,
  })
  trigger(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string, @Body(zod(TriggerBody)) b: TriggerBody): Promise<TriggerResult> {
    return triggerWorkflow(this.deps, p, id, b);
  }

  @Post(':id/test-run')
  @HttpCode(202)
  @Doc({
    summary: "Run the draft once with sample data (the trigger's images); watch it in the execution monitor",
    body: TestRunBody,
    role: 'editor',
    response: TestRunResult,
  })
  testRun(@Caller() p: Principal, @Param('id', idOr404('workflow')) id: string, @Body(zod(TestRunBody)) b: TestRunBody): Promise<TestRunResult> {
    return testRunWorkflow(this.deps, p, id, b);
  }
}
