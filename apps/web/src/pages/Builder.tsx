import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Background, Controls, MiniMap, ReactFlow, applyEdgeChanges, applyNodeChanges, useReactFlow, type Connection, type EdgeChange, type NodeChange } from '@xyflow/react';
import { triggerEntity, type EdgeBranch } from '@fixlify/contracts';
import { api, ApiFailure, type Catalog, type CatalogEntry, type ExecutionDetail, type WorkflowDetail } from '../api';
import { addStep, arrange, connect, moveNode, removeEdges, removeNodes, renameNode, setTrigger, updateNode } from '../diagram/edit';
import { normalizeDraft, type Draft, type DraftNode, type Issue } from '../diagram/model';
import { toFlowEdges, toFlowNodes, type BranchEdge, type StepData, type StepFlowNode } from '../diagram/to-flow';
import { ConditionEditor } from '../forms/condition-editor';
import { Field, ObjectFields, type FieldContext } from '../forms/schema-form';
import { navigate } from '../router';
import { StepTimeline } from '../components/step-timeline';
import { ErrorBox, Spinner, StatusBadge, formatMs, toast, toastError, useAsync } from '../components/ui';
import { NODE_TYPES } from './step-node';

const SAMPLES: Record<string, Record<string, unknown>> = {
  job: { title: 'Replace water heater', status: 'completed', total: 1800, address: '12 Elm St' },
  invoice: { number: 'INV-1001', status: 'sent', amount: 250, amount_paid: 0, currency: 'USD', due_date: '2030-01-15' },
  client: { name: 'Grace Hopper', email: 'grace@example.com', phone: '+15551234567' },
  estimate: { number: 'EST-77', status: 'sent', amount: 900, currency: 'USD' },
};
const entityOf = triggerEntity;

const Palette = ({ catalog, onTrigger, onStep, disabled }: { catalog: Catalog; onTrigger: (e: CatalogEntry) => void; onStep: (e: CatalogEntry) => void; disabled: boolean }) => {
  const groups = useMemo(() => {
    const m = new Map<string, CatalogEntry[]>();
    for (const t of catalog.triggers) m.set(t.group ?? 'Other', [...(m.get(t.group ?? 'Other') ?? []), t]);
    return [...m.entries()];
  }, [catalog]);
  return (
    <aside className="palette" aria-label="Palette">
      <h2>Triggers</h2>
      <p className="muted small">Sets when the workflow starts.</p>
      {groups.map(([g, items]) => (
        <details key={g} open={g === 'Jobs'}>
          <summary>{g}</summary>
          <div className="palette-items">
            {items.map((t) => (
              <button key={t.type} type="button" className="palette-item palette-trigger" data-palette={`trigger:${t.type}`} disabled={disabled} onClick={() => onTrigger(t)}>
                {t.label}
              </button>
            ))}
          </div>
        </details>
      ))}
      <h2>Actions</h2>
      <p className="muted small">Added after the selected step (or unconnected when none is).</p>
      <div className="palette-items">
        {catalog.actions.map((a) => (
          <button key={a.type} type="button" className="palette-item" data-palette={a.type} disabled={disabled} onClick={() => onStep(a)}>
            {a.label}
          </button>
        ))}
      </div>
      <h2>Flow</h2>
      <div className="palette-items">
        {catalog.controls.map((c) => (
          <button key={c.type} type="button" className="palette-item palette-control" data-palette={c.type} disabled={disabled} onClick={() => onStep(c)}>
            {c.label}
          </button>
        ))}
      </div>
    </aside>
  );
};

const Inspector = ({
  node,
  catalog,
  issues,
  variables,
  readOnly,
  onChange,
  onRename,
  onDelete,
}: {
  node: DraftNode;
  catalog: Catalog;
  issues: Issue[];
  variables: string[];
  readOnly: boolean;
  onChange: (patch: Partial<DraftNode>) => void;
  onRename: (to: string) => void;
  onDelete: () => void;
}) => {
  const trigger = node.type === 'trigger' ? catalog.triggers.find((t) => t.type === node.trigger?.type) : undefined;
  const entry = node.type === 'trigger' ? trigger : [...catalog.actions, ...catalog.controls].find((a) => a.type === node.type);
  const errors = new Map(issues.filter((i) => i.nodeId === node.id && i.path).map((i) => [i.path, i.message]));
  const stepIssues = issues.filter((i) => i.nodeId === node.id && !i.path);
  const ctx: FieldContext = { errors, variables };
  const [idText, setIdText] = useState(node.id);
  useEffect(() => setIdText(node.id), [node.id]);
  const config = node.config ?? {};
  return (
    <div className="inspector-body">
      <h2>{entry?.label ?? node.type}</h2>
      <fieldset disabled={readOnly} className="plain">
        <div className="field">
          <label htmlFor="step-id">Step ID</label>
          <input id="step-id" type="text" value={idText} onChange={(e) => setIdText(e.target.value.replace(/[^A-Za-z0-9_-]/g, ''))} onBlur={() => idText !== node.id && onRename(idText)} />
        </div>
        <div className="field">
          <label htmlFor="step-label">Label</label>
          <input id="step-label" type="text" value={node.label ?? ''} placeholder={entry?.label} onChange={(e) => onChange({ label: e.target.value || undefined })} />
        </div>
        {stepIssues.map((i, k) => (
          <p key={k} className="field-error" role="alert">
            {i.message}
          </p>
        ))}
        {node.type === 'trigger' ? (
          <>
            <div className="field">
              <label htmlFor="trigger-type">Starts when</label>
              <select
                id="trigger-type"
                value={node.trigger?.type ?? ''}
                onChange={(e) => {
                  const t = catalog.triggers.find((x) => x.type === e.target.value);
                  onChange({ trigger: { type: e.target.value, ...(t?.defaultConfig ? { config: t.defaultConfig } : {}) } });
                }}
              >
                {catalog.triggers.map((t) => (
                  <option key={t.type} value={t.type}>
                    {t.group} · {t.label}
                  </option>
                ))}
              </select>
            </div>
            {trigger?.configSchema && (
              <ObjectFields schema={trigger.configSchema} value={node.trigger?.config ?? {}} path="trigger.config" ctx={ctx} onChange={(v) => onChange({ trigger: { ...node.trigger!, config: v } })} />
            )}
            {node.trigger?.filter !== undefined ? (
              <>
                <ConditionEditor label="Only when" value={node.trigger.filter} variables={ctx.variables} error={errors.get('trigger.filter')} onChange={(f) => onChange({ trigger: { ...node.trigger!, filter: f } })} />
                <button
                  type="button"
                  className="btn btn-small btn-ghost"
                  onClick={() => {
                    const { filter: _f, ...rest } = node.trigger!;
                    onChange({ trigger: rest });
                  }}
                >
                  Remove filter
                </button>
              </>
            ) : (
              <button type="button" className="btn btn-small" onClick={() => onChange({ trigger: { ...node.trigger!, filter: { field: 'after.status', op: 'eq', value: '' } } })}>
                Add a filter
              </button>
            )}
            {trigger?.variables && (
              <details className="vars">
                <summary>Variables this trigger offers ({trigger.variables.length})</summary>
                <ul>
                  {trigger.variables.map((v) => (
                    <li key={v}>
                      <code>{`{{ ${v} }}`}</code>
                    </li>
                  ))}
                </ul>
              </details>
            )}
          </>
        ) : node.type === 'condition' ? (
          <ConditionEditor label="Condition" value={config.when} variables={ctx.variables} error={errors.get('config.when')} onChange={(w) => onChange({ config: { ...config, when: w } })} />
        ) : entry?.configSchema ? (
          entry.configSchema.properties ? (
            <ObjectFields schema={entry.configSchema} value={config} path="config" ctx={ctx} onChange={(v) => onChange({ config: v })} />
          ) : (
            <Field name={node.type} schema={entry.configSchema} value={config} required path="config" ctx={ctx} onChange={(v) => onChange({ config: (v as Record<string, unknown>) ?? {} })} />
          )
        ) : null}
        <button type="button" className="btn btn-danger btn-small" onClick={onDelete}>
          Delete step
        </button>
      </fieldset>
    </div>
  );
};

const TestRunDialog = ({ workflowId, triggerType, onClose, onResult }: { workflowId: string; triggerType: string | undefined; onClose: () => void; onResult: (d: ExecutionDetail | null) => void }) => {
  const entity = entityOf(triggerType);
  const [after, setAfter] = useState(() => JSON.stringify(entity ? SAMPLES[entity] : {}, null, 2));
  const [data, setData] = useState('{}');
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [detail, setDetail] = useState<ExecutionDetail | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const run = async () => {
    setError(null);
    let a: unknown;
    let d: unknown;
    try {
      a = JSON.parse(after || '{}');
      d = JSON.parse(data || '{}');
    } catch {
      setError('The sample data must be JSON objects.');
      return;
    }
    setRunning(true);
    try {
      const r = await api.post<{ executionId: string; filterMatched: boolean }>(`/api/workflows/${workflowId}/test-run`, { ...(entity ? { after: a } : {}), data: d });
      if (!r.filterMatched) toast('ok', 'Note: the trigger filter would not match this sample; the steps run anyway.');
      for (let i = 0; i < 120; i++) {
        await new Promise((res) => setTimeout(res, 500));
        const x = await api.get<ExecutionDetail>(`/api/executions/${r.executionId}`).catch((e: unknown) => {
          // the projection may not have the execution yet
          if (e instanceof ApiFailure && e.status === 404) return null;
          throw e;
        });
        if (!x) continue;
        setDetail(x);
        onResult(x);
        if (['completed', 'failed', 'cancelled', 'waiting'].includes(x.status)) break;
      }
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setRunning(false);
    }
  };
  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="test-run-title" onClose={onClose}>
      <h2 id="test-run-title">Test run with sample data</h2>
      <p className="muted small">Runs the saved draft once, as if the trigger fired with this record. Real messages are sent to the addresses in the data.</p>
      {entity && (
        <div className="field">
          <label htmlFor="sample-after">Sample {entity} (the trigger's record)</label>
          <textarea id="sample-after" className="mono" rows={7} value={after} onChange={(e) => setAfter(e.target.value)} />
        </div>
      )}
      <div className="field">
        <label htmlFor="sample-data">Extra trigger data (available as trigger.*)</label>
        <textarea id="sample-data" className="mono" rows={3} value={data} onChange={(e) => setData(e.target.value)} />
      </div>
      {error && <ErrorBox error={error} />}
      {detail && (
        <div className="test-result">
          <p>
            Result: <StatusBadge status={detail.status} /> in {formatMs(detail.executionTimeMs)} ·{' '}
            <a
              href={`/executions/${detail.id}`}
              onClick={(e) => {
                e.preventDefault();
                navigate(`/executions/${detail.id}`);
              }}
            >
              open in the monitor
            </a>
          </p>
          <StepTimeline steps={detail.steps} />
        </div>
      )}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={() => dialog.current?.close()}>
          Close
        </button>
        <button type="button" className="btn btn-primary" disabled={running} onClick={() => void run()}>
          {running ? 'Running…' : 'Run test'}
        </button>
      </div>
    </dialog>
  );
};

export const Builder = ({ id, canEdit }: { id: string; canEdit: boolean }) => {
  const loaded = useAsync(() => Promise.all([api.get<WorkflowDetail>(`/api/workflows/${id}`), api.get<Catalog>('/api/catalog')]), [id]);
  const [workflow, setWorkflow] = useState<WorkflowDetail | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [saved, setSaved] = useState<string>('');
  const [name, setName] = useState('');
  const [issues, setIssues] = useState<Issue[]>([]);
  const [validatedOk, setValidatedOk] = useState<boolean | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [testing, setTesting] = useState(false);
  const [runStatus, setRunStatus] = useState<Record<string, StepData['runStatus']>>({});
  const [flowNodes, setFlowNodes] = useState<StepFlowNode[]>([]);
  const [flowEdges, setFlowEdges] = useState<BranchEdge[]>([]);

  const catalog = loaded.data?.[1];
  const flow = useReactFlow();
  const nodeCount = draft?.nodes.length ?? 0;
  // keep every step in view as the workflow grows
  useEffect(() => {
    const t = setTimeout(() => void flow.fitView({ maxZoom: 1, padding: 0.3, duration: 200 }), 50);
    return () => clearTimeout(t);
  }, [nodeCount, flow]);
  useEffect(() => {
    const w = loaded.data?.[0];
    if (!w) return;
    const d = normalizeDraft(w.definition);
    setWorkflow(w);
    setDraft(d);
    setName(w.name);
    setSaved(JSON.stringify({ name: w.name, d }));
  }, [loaded.data]);

  const titles = useMemo(() => Object.fromEntries([...(catalog?.triggers ?? []), ...(catalog?.actions ?? []), ...(catalog?.controls ?? [])].map((e) => [e.type, e.label])), [catalog]);
  useEffect(() => {
    if (!draft) return;
    setFlowNodes(toFlowNodes(draft, { issues, titles, selectedId, runStatus }));
    setFlowEdges(toFlowEdges(draft, issues));
  }, [draft, issues, titles, selectedId, runStatus]);

  // live validation while editing (the API's validator, so the builder says exactly what publish would)
  useEffect(() => {
    if (!draft) return;
    const t = setTimeout(() => {
      api.post<{ ok: boolean; errors: Issue[] }>('/api/workflows/validate', { definition: draft }).then(
        (r) => {
          setIssues(r.errors);
          setValidatedOk(r.ok);
        },
        () => undefined,
      );
    }, 400);
    return () => clearTimeout(t);
  }, [draft]);

  const dirty = draft !== null && JSON.stringify({ name, d: draft }) !== saved;
  const edit = useCallback((fn: (d: Draft) => Draft) => setDraft((d) => (d ? fn(d) : d)), []);

  const save = useCallback(async (): Promise<boolean> => {
    if (!draft) return false;
    setBusy('save');
    try {
      const w = await api.put<WorkflowDetail>(`/api/workflows/${id}`, { name: name.trim() || 'Untitled workflow', definition: draft });
      setWorkflow(w);
      setSaved(JSON.stringify({ name, d: draft }));
      return true;
    } catch (e) {
      toastError(e);
      return false;
    } finally {
      setBusy(null);
    }
  }, [draft, id, name]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key === 's') {
        e.preventDefault();
        if (canEdit) void save().then((ok) => ok && toast('ok', 'Draft saved'));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [save, canEdit]);

  const publish = async () => {
    if (!(await save())) return;
    setBusy('publish');
    try {
      const r = await api.post<{ version: number; workflow: WorkflowDetail }>(`/api/workflows/${id}/publish`, { activate: true });
      setWorkflow(r.workflow);
      toast('ok', `Published version ${r.version}; it is active`);
    } catch (e) {
      if (e instanceof ApiFailure && e.code === 'invalid_workflow' && Array.isArray(e.details)) setIssues(e.details as Issue[]);
      toastError(e);
    } finally {
      setBusy(null);
    }
  };

  const toggleActive = async () => {
    if (!workflow) return;
    setBusy('toggle');
    try {
      const w = await api.post<WorkflowDetail>(`/api/workflows/${id}/${workflow.isActive ? 'deactivate' : 'activate'}`);
      setWorkflow(w);
      toast('ok', w.isActive ? 'Activated' : 'Deactivated');
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(null);
    }
  };

  if (loaded.error) return <ErrorBox error={loaded.error} onRetry={loaded.reload} />;
  if (!draft || !catalog || !workflow) return <Spinner label="Loading the workflow…" />;

  const selected = draft.nodes.find((n) => n.id === selectedId) ?? null;
  const trigger = draft.nodes.find((n) => n.type === 'trigger');
  const variables = catalog.triggers.find((t) => t.type === trigger?.trigger?.type)?.variables ?? [];
  const globalIssues = issues.filter((i) => !i.nodeId);

  const onNodesChange = (changes: NodeChange<StepFlowNode>[]) => {
    setFlowNodes((ns) => applyNodeChanges(changes, ns));
    const removed = changes.filter((c) => c.type === 'remove').map((c) => c.id);
    if (removed.length && canEdit) edit((d) => removeNodes(d, removed));
    for (const c of changes) {
      if (c.type === 'position' && c.dragging === false && c.position && canEdit) edit((d) => moveNode(d, c.id, c.position!));
      if (c.type === 'select' && c.selected) setSelectedId(c.id);
    }
  };
  const onEdgesChange = (changes: EdgeChange<BranchEdge>[]) => {
    setFlowEdges((es) => applyEdgeChanges(changes, es));
    const removed = changes.filter((c) => c.type === 'remove').map((c) => c.id);
    if (removed.length && canEdit) edit((d) => removeEdges(d, removed));
  };
  const onConnect = (c: Connection) => {
    if (!canEdit || !c.source || !c.target) return;
    edit((d) => connect(d, c.source, (c.sourceHandle ?? 'next') as EdgeBranch, c.target));
  };

  return (
    <div className="builder">
      <div className="builder-toolbar">
        <button type="button" className="btn btn-ghost" onClick={() => navigate('/')} aria-label="Back to the dashboard">
          ←
        </button>
        <label className="sr-only" htmlFor="wf-name">
          Workflow name
        </label>
        <input id="wf-name" className="name-input" value={name} disabled={!canEdit} onChange={(e) => setName(e.target.value)} />
        <StatusBadge status={workflow.status} />
        <span className="muted small">{workflow.currentVersion ? `v${workflow.currentVersion} published` : 'never published'}</span>
        <span className={`validity ${validatedOk ? 'ok' : 'bad'}`} role="status" aria-live="polite" data-testid="validity">
          {validatedOk === null ? '' : validatedOk ? '✓ Ready to publish' : `${issues.length} problem${issues.length === 1 ? '' : 's'}`}
        </span>
        <div className="spacer" />
        {canEdit && (
          <>
            <button type="button" className="btn btn-ghost" disabled={!!busy || draft.nodes.length < 2} onClick={() => {
              setDraft(arrange(draft));
              setTimeout(() => void flow.fitView({ maxZoom: 1, padding: 0.3, duration: 200 }), 50);
            }}>
              Arrange
            </button>
            <button type="button" className="btn" disabled={!!busy || !dirty} onClick={() => void save().then((ok) => ok && toast('ok', 'Draft saved'))}>
              {busy === 'save' ? 'Saving…' : dirty ? 'Save draft' : 'Saved'}
            </button>
            <button type="button" className="btn" disabled={!!busy || !validatedOk} onClick={() => void save().then((ok) => ok && setTesting(true))}>
              Test run
            </button>
            <button type="button" className="btn btn-primary" disabled={!!busy} onClick={() => void publish()}>
              {busy === 'publish' ? 'Publishing…' : 'Publish'}
            </button>
            <label className="switch" title={workflow.publishedVersionId ? '' : 'Publish first'}>
              <input type="checkbox" role="switch" checked={workflow.isActive} disabled={!!busy || !workflow.publishedVersionId} onChange={() => void toggleActive()} aria-label="Active" />
              <span>{workflow.isActive ? 'Active' : 'Inactive'}</span>
            </label>
          </>
        )}
      </div>
      <div className="builder-body">
        <Palette
          catalog={catalog}
          disabled={!canEdit}
          onTrigger={(t) => {
            const r = setTrigger(draft, t.type, t.defaultConfig);
            setDraft(r.draft);
            setSelectedId(r.id);
          }}
          onStep={(a) => {
            // hangs from the selected step's free path; with nothing selected it is placed free, to connect by hand
            const r = addStep(draft, a.type, a.defaultConfig ?? {}, selectedId);
            setDraft(r.draft);
            setSelectedId(r.id);
          }}
        />
        <div className="canvas" aria-label="Workflow canvas">
          {draft.nodes.length === 0 && (
            <div className="canvas-hint">
              <strong>Start with a trigger</strong>
              <span>Pick one in the palette on the left, then add actions below it.</span>
            </div>
          )}
          <ReactFlow<StepFlowNode, BranchEdge>
            nodes={flowNodes}
            edges={flowEdges}
            nodeTypes={NODE_TYPES}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onPaneClick={() => setSelectedId(null)}
            onNodeClick={(_, n) => setSelectedId(n.id)}
            nodesDraggable={canEdit}
            nodesConnectable={canEdit}
            deleteKeyCode={canEdit ? ['Delete', 'Backspace'] : null}
            fitView
            fitViewOptions={{ maxZoom: 1, padding: 0.3 }}
            proOptions={{ hideAttribution: true }}
          >
            <Background gap={20} size={1} />
            <MiniMap pannable zoomable ariaLabel="Overview" />
            <Controls />
          </ReactFlow>
        </div>
        <aside className="inspector" aria-label="Step settings">
          {selected ? (
            <Inspector
              key={selected.id}
              node={selected}
              catalog={catalog}
              issues={issues}
              variables={variables}
              readOnly={!canEdit}
              onChange={(patch) => edit((d) => updateNode(d, selected.id, patch))}
              onRename={(to) => {
                edit((d) => renameNode(d, selected.id, to));
                setSelectedId(to);
              }}
              onDelete={() => {
                edit((d) => removeNodes(d, [selected.id]));
                setSelectedId(null);
              }}
            />
          ) : (
            <div className="inspector-body">
              <h2>Workflow</h2>
              <p className="muted small">Select a step on the canvas to configure it. Connect steps by dragging from a step's bottom handle to another step; condition branches are labelled Yes / No, loops Each item / After the loop.</p>
              {globalIssues.length > 0 && (
                <ul className="issue-list">
                  {globalIssues.map((i, k) => (
                    <li key={k} role="alert">
                      {i.message}
                    </li>
                  ))}
                </ul>
              )}
              {issues.length > 0 && (
                <>
                  <h3>Problems to fix before publishing</h3>
                  <ul className="issue-list">
                    {issues
                      .filter((i) => i.nodeId)
                      .map((i, k) => (
                        <li key={k}>
                          <button type="button" className="link" onClick={() => setSelectedId(i.nodeId)}>
                            {i.nodeId}
                          </button>
                          {i.path ? ` · ${i.path}` : ''}: {i.message}
                        </li>
                      ))}
                  </ul>
                </>
              )}
              {workflow.webhookSecret && trigger?.trigger?.type === 'webhook' && (
                <p className="small">
                  Inbound webhook secret: <code>{workflow.webhookSecret}</code>
                </p>
              )}
            </div>
          )}
        </aside>
      </div>
      {testing && (
        <TestRunDialog
          workflowId={id}
          triggerType={trigger?.trigger?.type}
          onClose={() => setTesting(false)}
          onResult={(d) => {
            if (!d) return;
            const m: Record<string, StepData['runStatus']> = {};
            for (const s of d.steps) m[s.stepId] = s.status;
            setRunStatus(m);
          }}
        />
      )}
    </div>
  );
};
