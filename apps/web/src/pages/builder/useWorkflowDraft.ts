import { useCallback, useEffect, useReducer } from 'react';
import { api, ApiFailure, type Catalog, type WorkflowDetail } from '../../api';
import { toast, toastError, useAsync } from '../../components/ui';
import { normalizeDraft, type Draft, type Issue } from '../../diagram/model';

/** What the builder is waiting for the API to do (one thing at a time: the toolbar is disabled meanwhile). */
export type Busy = 'save' | 'publish' | 'toggle';

/** The workflow being built: as stored, as edited, and what the API's validator last said of it. */
export interface DraftState {
  workflow: WorkflowDetail | null;
  draft: Draft | null;
  name: string;
  /** `snapshotOf` the name and draft as last loaded or saved: the draft is dirty while it differs */
  saved: string;
  issues: Issue[];
  /** null until the first validation has answered */
  validatedOk: boolean | null;
  busy: Busy | null;
}

export type DraftAction =
  | { type: 'loaded'; workflow: WorkflowDetail }
  | { type: 'edit'; edit: (d: Draft) => Draft }
  | { type: 'rename'; name: string }
  | { type: 'validated'; ok: boolean; errors: Issue[] }
  | { type: 'busy'; busy: Busy | null }
  /** the name and draft as they were sent: an edit made while the save was on its way stays dirty */
  | { type: 'saved'; workflow: WorkflowDetail; name: string; draft: Draft }
  /** published, activated or deactivated: the stored workflow changed, the draft did not */
  | { type: 'workflow'; workflow: WorkflowDetail }
  /** publish refused the draft: its problems, shown on the nodes until the next validation */
  | { type: 'rejected'; issues: Issue[] };

export const initialDraftState: DraftState = { workflow: null, draft: null, name: '', saved: '', issues: [], validatedOk: null, busy: null };

/** The comparable form of a name and draft, for dirty tracking. */
export const snapshotOf = (name: string, draft: Draft): string => JSON.stringify({ name, d: draft });

export const isDirty = (s: DraftState): boolean => s.draft !== null && snapshotOf(s.name, s.draft) !== s.saved;

/** The name a save stores: a blank name is not a name. */
export const nameToSave = (name: string): string => name.trim() || 'Untitled workflow';

/** The problems of a publish the API refused as an invalid workflow; null for any other failure. */
export const rejectedIssues = (e: unknown): Issue[] | null =>
  e instanceof ApiFailure && e.code === 'invalid_workflow' && Array.isArray(e.details) ? (e.details as Issue[]) : null;

export const draftReducer = (s: DraftState, a: DraftAction): DraftState => {
  switch (a.type) {
    case 'loaded': {
      const draft = normalizeDraft(a.workflow.definition);
      return { ...s, workflow: a.workflow, draft, name: a.workflow.name, saved: snapshotOf(a.workflow.name, draft) };
    }
    case 'edit':
      return s.draft ? { ...s, draft: a.edit(s.draft) } : s;
    case 'rename':
      return { ...s, name: a.name };
    case 'validated':
      return { ...s, issues: a.errors, validatedOk: a.ok };
    case 'busy':
      return { ...s, busy: a.busy };
    case 'saved':
      return { ...s, workflow: a.workflow, saved: snapshotOf(a.name, a.draft) };
    case 'workflow':
      return { ...s, workflow: a.workflow };
    case 'rejected':
      return { ...s, issues: a.issues };
  }
};

/** How long the draft must stay unchanged before it is validated again. */
const VALIDATE_AFTER_MS = 400;

/**
 * The builder's state machine: loads the workflow and the catalog, holds the draft and its edits,
 * validates it with the API's validator while editing (so the builder says exactly what publish
 * would), saves, publishes and (de)activates it, and tracks whether it is dirty.
 */
export const useWorkflowDraft = (id: string) => {
  const loaded = useAsync(() => Promise.all([api.get<WorkflowDetail>(`/api/workflows/${id}`), api.get<Catalog>('/api/catalog')]), [id]);
  const [state, dispatch] = useReducer(draftReducer, initialDraftState);
  const { workflow, draft, name } = state;

  useEffect(() => {
    const w = loaded.data?.[0];
    if (w) dispatch({ type: 'loaded', workflow: w });
  }, [loaded.data]);

  useEffect(() => {
    if (!draft) return;
    const t = setTimeout(() => {
      api.post<{ ok: boolean; errors: Issue[] }>('/api/workflows/validate', { definition: draft }).then(
        (r) => dispatch({ type: 'validated', ok: r.ok, errors: r.errors }),
        () => undefined,
      );
    }, VALIDATE_AFTER_MS);
    return () => clearTimeout(t);
  }, [draft]);

  const edit = useCallback((fn: (d: Draft) => Draft) => dispatch({ type: 'edit', edit: fn }), []);
  /** Replaces the draft by one computed from the draft of this render (an edit that also names the step to select). */
  const replaceDraft = useCallback((d: Draft) => dispatch({ type: 'edit', edit: () => d }), []);
  const setName = useCallback((n: string) => dispatch({ type: 'rename', name: n }), []);

  const save = useCallback(async (): Promise<boolean> => {
    if (!draft) return false;
    dispatch({ type: 'busy', busy: 'save' });
    try {
      const w = await api.put<WorkflowDetail>(`/api/workflows/${id}`, { name: nameToSave(name), definition: draft });
      dispatch({ type: 'saved', workflow: w, name, draft });
      return true;
    } catch (e) {
      toastError(e);
      return false;
    } finally {
      dispatch({ type: 'busy', busy: null });
    }
  }, [draft, id, name]);

  /** Returns the workflow as it is after publishing (null when it failed). */
  const publish = async (): Promise<WorkflowDetail | null> => {
    if (!(await save())) return null;
    dispatch({ type: 'busy', busy: 'publish' });
    try {
      const r = await api.post<{ version: number; workflow: WorkflowDetail }>(`/api/workflows/${id}/publish`, { activate: true });
      dispatch({ type: 'workflow', workflow: r.workflow });
      toast('ok', `Published version ${r.version}; it is active`);
      return r.workflow;
    } catch (e) {
      const issues = rejectedIssues(e);
      if (issues) dispatch({ type: 'rejected', issues });
      toastError(e);
      return null;
    } finally {
      dispatch({ type: 'busy', busy: null });
    }
  };

  /** Returns the workflow as it is after the switch (null when it failed). */
  const toggleActive = async (): Promise<WorkflowDetail | null> => {
    if (!workflow) return null;
    dispatch({ type: 'busy', busy: 'toggle' });
    try {
      const w = await api.post<WorkflowDetail>(`/api/workflows/${id}/${workflow.isActive ? 'deactivate' : 'activate'}`);
      dispatch({ type: 'workflow', workflow: w });
      toast('ok', w.isActive ? 'Activated' : 'Deactivated');
      return w;
    } catch (e) {
      toastError(e);
      return null;
    } finally {
      dispatch({ type: 'busy', busy: null });
    }
  };

  return {
    ...state,
    dirty: isDirty(state),
    catalog: loaded.data?.[1],
    loadError: loaded.error,
    reload: loaded.reload,
    edit,
    replaceDraft,
    setName,
    save,
    publish,
    toggleActive,
  };
};
