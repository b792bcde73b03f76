import { useEffect, useMemo, useState } from 'react';
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  applyEdgeChanges,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from '@xyflow/react';
import type { EdgeBranch } from '@fixlify/contracts';
import { addStep, arrange, connect, moveNode, removeEdges, removeNodes, renameNode, setTrigger, updateNode } from '../diagram/edit';
import { toFlowEdges, toFlowNodes, type BranchEdge, type StepData, type StepFlowNode } from '../diagram/to-flow';
import { navigate } from '../router';
import { ErrorBox, Spinner, StatusBadge, toast } from '../components/ui';
import { Inspector, WorkflowOverview } from './builder/Inspector';
import { Palette } from './builder/Palette';
import { NODE_TYPES } from './builder/step-node';
import { PreviewDialog } from './builder/PreviewDialog';
import { TestRunDialog } from './builder/TestRunDialog';
import { useWorkflowDraft } from './builder/useWorkflowDraft';

/** The workflow builder: toolbar, palette, canvas and inspector around one draft (useWorkflowDraft holds it). */
export const Builder = ({ id, canEdit }: { id: string; canEdit: boolean }) => {
  const { workflow, draft, name, issues, validatedOk, busy, dirty, catalog, loadError, reload, edit, replaceDraft, setName, save, publish, toggleActive } =
    useWorkflowDraft(id);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [testing, setTesting] = useState(false);
  const [previewing, setPreviewing] = useState(false);
  const [runStatus, setRunStatus] = useState<Record<string, StepData['runStatus']>>({});
  const [flowNodes, setFlowNodes] = useState<StepFlowNode[]>([]);
  const [flowEdges, setFlowEdges] = useState<BranchEdge[]>([]);

  const flow = useReactFlow();
  const nodeCount = draft?.nodes.length ?? 0;
  // keep every step in view as the workflow grows
  useEffect(() => {
    const t = setTimeout(() => void flow.fitView({ maxZoom: 1, padding: 0.3, duration: 200 }), 50);
    return () => clearTimeout(t);
  }, [nodeCount, flow]);

  const titles = useMemo(
    () => Object.fromEntries([...(catalog?.triggers ?? []), ...(catalog?.actions ?? []), ...(catalog?.controls ?? [])].map((e) => [e.type, e.label])),
    [catalog],
  );
  useEffect(() => {
    if (!draft) return;
    setFlowNodes(toFlowNodes(draft, { issues, titles, selectedId, runStatus }));
    setFlowEdges(toFlowEdges(draft, issues));
  }, [draft, issues, titles, selectedId, runStatus]);

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

  if (loadError) return <ErrorBox error={loadError} onRetry={reload} />;
  if (!draft || !catalog || !workflow) return <Spinner label="Loading the workflow…" />;

  const selected = draft.nodes.find((n) => n.id === selectedId) ?? null;
  const trigger = draft.nodes.find((n) => n.type === 'trigger');
  const variables = catalog.triggers.find((t) => t.type === trigger?.trigger?.type)?.variables ?? [];

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
            <button
              type="button"
              className="btn btn-ghost"
              disabled={!!busy || draft.nodes.length < 2}
              onClick={() => {
                replaceDraft(arrange(draft));
                setTimeout(() => void flow.fitView({ maxZoom: 1, padding: 0.3, duration: 200 }), 50);
              }}
            >
              Arrange
            </button>
            <button type="button" className="btn" disabled={!!busy || !dirty} onClick={() => void save().then((ok) => ok && toast('ok', 'Draft saved'))}>
              {busy === 'save' ? 'Saving…' : dirty ? 'Save draft' : 'Saved'}
            </button>
            <button type="button" className="btn" disabled={!!busy || !validatedOk} onClick={() => void save().then((ok) => ok && setTesting(true))}>
              Test run
            </button>
            <button
              type="button"
              className="btn"
              disabled={!!busy || !validatedOk}
              title="Run the draft over the last 7 days of real events in simulation: nothing is sent"
              onClick={() => void save().then((ok) => ok && setPreviewing(true))}
            >
              Preview on the last 7 days
            </button>
            <button type="button" className="btn btn-primary" disabled={!!busy} onClick={() => void publish()}>
              {busy === 'publish' ? 'Publishing…' : 'Publish'}
            </button>
            <label className="switch" title={workflow.publishedVersionId ? '' : 'Publish first'}>
              <input
                type="checkbox"
                role="switch"
                checked={workflow.isActive}
                disabled={!!busy || !workflow.publishedVersionId}
                onChange={() => void toggleActive()}
                aria-label="Active"
              />
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
            replaceDraft(r.draft);
            setSelectedId(r.id);
          }}
          onStep={(a) => {
            // hangs from the selected step's free path; with nothing selected it is placed free, to connect by hand
            const r = addStep(draft, a.type, a.defaultConfig ?? {}, selectedId);
            replaceDraft(r.draft);
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
            <WorkflowOverview issues={issues} webhookSecret={trigger?.trigger?.type === 'webhook' ? workflow.webhookSecret : null} onSelect={setSelectedId} />
          )}
        </aside>
      </div>
      {previewing && <PreviewDialog workflowId={id} publishedVersion={workflow.currentVersion || null} onClose={() => setPreviewing(false)} />}
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
