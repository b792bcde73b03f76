import { ApiFailure, type WorkflowDetail } from '../../api';
import { addStep, setTrigger } from '../../diagram/edit';
import type { Issue } from '../../diagram/model';
import { draftReducer, initialDraftState, isDirty, nameToSave, rejectedIssues, type DraftAction, type DraftState } from './useWorkflowDraft';

const workflow = (over: Partial<WorkflowDetail> = {}): WorkflowDetail => ({
  id: '6f9619ff-8b86-4d11-b42d-00c04fc964ff',
  name: 'Thank-you SMS',
  description: null,
  status: 'draft',
  isActive: false,
  triggerType: 'job_completed',
  currentVersion: 0,
  publishedVersionId: null,
  templateId: null,
  executionCount: 0,
  successCount: 0,
  failureCount: 0,
  lastTriggeredAt: null,
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
  definition: { nodes: [{ id: 'trigger', type: 'trigger', trigger: { type: 'job_completed' } }, { bogus: true }], edges: [] },
  publishedDefinition: null,
  webhookSecret: null,
  reenrollment: 'every_time',
  ...over,
});

const run = (...actions: DraftAction[]): DraftState => actions.reduce(draftReducer, initialDraftState);
const loaded = (): DraftAction => ({ type: 'loaded', workflow: workflow() });
const issue = (nodeId: string | null, message: string): Issue => ({ nodeId, path: '', message, code: 'x' });

describe('the builder draft state', () => {
  it('loads the stored definition as a well-formed draft that is not dirty', () => {
    const s = run(loaded());
    expect(s.draft?.nodes.map((n) => n.id)).toEqual(['trigger']);
    expect(s.name).toBe('Thank-you SMS');
    expect(isDirty(s)).toBe(false);
    expect(isDirty(initialDraftState)).toBe(false);
  });

  it('ignores an edit before anything is loaded', () => {
    expect(run({ type: 'edit', edit: (d) => addStep(d, 'send_sms', {}, null).draft })).toBe(initialDraftState);
  });

  it('is dirty after an edit or a rename, and clean again when both are back as loaded', () => {
    const edited = run(loaded(), { type: 'edit', edit: (d) => addStep(d, 'send_sms', {}, 'trigger').draft });
    expect(edited.draft?.nodes.map((n) => n.id)).toEqual(['trigger', 'sms']);
    expect(isDirty(edited)).toBe(true);
    const renamed = draftReducer(run(loaded()), { type: 'rename', name: 'Other' });
    expect(isDirty(renamed)).toBe(true);
    expect(isDirty(draftReducer(renamed, { type: 'rename', name: 'Thank-you SMS' }))).toBe(false);
    // the same content by value, not the same object
    expect(isDirty(draftReducer(run(loaded()), { type: 'edit', edit: (d) => setTrigger(d, 'job_completed', null).draft }))).toBe(false);
  });

  it('is clean after a save of what is shown, and stays dirty for an edit made while the save was on its way', () => {
    const before = run(loaded(), { type: 'rename', name: 'Renamed' });
    const stored = workflow({ name: 'Renamed', updatedAt: '2030-01-02T00:00:00.000Z' });
    const sent = { type: 'saved', workflow: stored, name: before.name, draft: before.draft! } as const;
    const saved = draftReducer(before, sent);
    expect(isDirty(saved)).toBe(false);
    expect(saved.workflow).toBe(stored);
    const editedMeanwhile = draftReducer(draftReducer(before, { type: 'edit', edit: (d) => addStep(d, 'delay', {}, null).draft }), sent);
    expect(isDirty(editedMeanwhile)).toBe(true);
  });

  it('keeps what the validator said; a refused publish replaces the problems but not the verdict', () => {
    const validated = run(loaded(), { type: 'validated', ok: true, errors: [] });
    expect(validated.validatedOk).toBe(true);
    const bad = draftReducer(validated, { type: 'validated', ok: false, errors: [issue('trigger', 'no step follows')] });
    expect([bad.validatedOk, bad.issues.length]).toEqual([false, 1]);
    const refused = draftReducer(validated, { type: 'rejected', issues: [issue(null, 'no trigger')] });
    expect(refused.issues).toEqual([issue(null, 'no trigger')]);
    expect(refused.validatedOk).toBe(true);
  });

  it('takes a published or toggled workflow without touching the draft', () => {
    const s = run(loaded(), { type: 'rename', name: 'Unsaved' }, { type: 'busy', busy: 'publish' });
    expect(s.busy).toBe('publish');
    const published = draftReducer(s, { type: 'workflow', workflow: workflow({ status: 'active', isActive: true, currentVersion: 1 }) });
    expect(published.workflow?.isActive).toBe(true);
    expect(published.draft).toBe(s.draft);
    expect(isDirty(published)).toBe(true);
    expect(draftReducer(published, { type: 'busy', busy: null }).busy).toBeNull();
  });

  it('saves a blank name as "Untitled workflow" and trims the rest', () => {
    expect(nameToSave('   ')).toBe('Untitled workflow');
    expect(nameToSave('  Late invoice  ')).toBe('Late invoice');
  });

  it('takes the problems only from a publish refused as an invalid workflow', () => {
    const problems = [issue('sms', 'body is required')];
    expect(rejectedIssues(new ApiFailure(422, 'invalid_workflow', 'invalid', problems))).toEqual(problems);
    expect(rejectedIssues(new ApiFailure(422, 'invalid_workflow', 'invalid', { not: 'a list' }))).toBeNull();
    expect(rejectedIssues(new ApiFailure(409, 'conflict', 'busy', problems))).toBeNull();
    expect(rejectedIssues(new Error('offline'))).toBeNull();
  });
});
