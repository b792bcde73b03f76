import type { Edge, Node } from '@xyflow/react';
import type { EdgeBranch } from '@fixlify/contracts';
import { autoLayout } from './layout';
import { BRANCH_LABELS, branchesOf, flowKindOf, type Draft, type DraftNode, type FlowKind, type Issue } from './model';

export interface StepData extends Record<string, unknown> {
  stepType: string;
  title: string;
  subtitle: string;
  issues: string[];
  branches: EdgeBranch[];
  /** set on the steps of the last test run: how that step ended */
  runStatus?: 'succeeded' | 'failed' | 'retrying' | 'unknown' | 'skipped' | undefined;
}

/** React Flow nodes keyed on the kind of step: each kind has its own view and handles. */
export type TriggerFlowNode = Node<StepData, 'trigger'>;
export type ActionFlowNode = Node<StepData, 'action'>;
export type ConditionFlowNode = Node<StepData, 'condition'>;
export type DelayFlowNode = Node<StepData, 'delay'>;
export type LoopFlowNode = Node<StepData, 'loop'>;
export type StepFlowNode = TriggerFlowNode | ActionFlowNode | ConditionFlowNode | DelayFlowNode | LoopFlowNode;

export interface BranchEdgeData extends Record<string, unknown> {
  branch: EdgeBranch;
}
export type BranchEdge = Edge<BranchEdgeData>;

const truncate = (s: string, n = 60): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The one-line summary under a step's title: what it does with its current configuration. */
export const subtitleOf = (n: DraftNode): string => {
  const c = n.config ?? {};
  const s = (k: string): string => (typeof c[k] === 'string' ? c[k] : '');
  switch (n.type) {
    case 'trigger': {
      const t = n.trigger?.type ?? 'not set';
      return n.trigger?.filter ? `${t} (filtered)` : t;
    }
    case 'send_email':
      return truncate(`To ${s('to') || '…'}: ${s('subject')}`);
    case 'send_sms':
      return truncate(`To ${s('to') || '{{ client.phone }}'}: ${s('body')}`);
    case 'send_push_notification':
      return truncate(s('title'));
    case 'webhook':
    case 'api_call':
      return truncate(`${s('method') || (n.type === 'webhook' ? 'POST' : 'GET')} ${s('url')}`);
    case 'update_record':
      return truncate(`${s('table')}: ${Object.keys((c.set as Record<string, unknown> | undefined) ?? {}).join(', ')}`);
    case 'create_task':
      return truncate(s('title'));
    case 'assign_technician':
      return s('strategy') === 'given' ? 'A given technician' : 'Least busy technician';
    case 'condition': {
      const w = c.when as { field?: string; op?: string; value?: unknown } | undefined;
      return w?.field ? truncate(`If ${w.field} ${w.op ?? ''} ${w.value === undefined ? '' : JSON.stringify(w.value)}`) : 'If…';
    }
    case 'delay':
      return c.mode === 'until' ? truncate(`Until ${s('at')}`) : `Wait ${humanSeconds(typeof c.seconds === 'number' ? c.seconds : 0)}`;
    case 'loop':
      return truncate(`For each ${s('as') || 'item'} in ${s('over')}`);
    default:
      return '';
  }
};

export const humanSeconds = (sec: number): string => {
  if (sec % 86_400 === 0 && sec >= 86_400) return `${sec / 86_400} day${sec === 86_400 ? '' : 's'}`;
  if (sec % 3600 === 0 && sec >= 3600) return `${sec / 3600} hour${sec === 3600 ? '' : 's'}`;
  if (sec % 60 === 0 && sec >= 60) return `${sec / 60} minute${sec === 60 ? '' : 's'}`;
  return `${sec} second${sec === 1 ? '' : 's'}`;
};

/** Problems per step, workflow-wide ones under the key ''. */
export const issuesByNode = (issues: Issue[]): Map<string, Issue[]> => {
  const m = new Map<string, Issue[]>();
  for (const i of issues) {
    const k = i.nodeId ?? '';
    m.set(k, [...(m.get(k) ?? []), i]);
  }
  return m;
};

/** The builder's diagram from a definition: pure, so it is tested without a browser. */
export const toFlowNodes = (
  draft: Draft,
  opts: { issues?: Issue[]; titles?: Record<string, string>; selectedId?: string | null; runStatus?: Record<string, StepData['runStatus']> } = {},
): StepFlowNode[] => {
  const layout = autoLayout(draft);
  const byNode = issuesByNode(opts.issues ?? []);
  return draft.nodes.map((n) => {
    const kind: FlowKind = flowKindOf(n.type);
    const data: StepData = {
      stepType: n.type,
      title: n.label || opts.titles?.[n.type === 'trigger' ? (n.trigger?.type ?? 'trigger') : n.type] || n.type,
      subtitle: subtitleOf(n),
      issues: (byNode.get(n.id) ?? []).map((i) => i.message),
      branches: branchesOf(kind),
      runStatus: opts.runStatus?.[n.id],
    };
    return { id: n.id, type: kind, position: n.position ?? layout.get(n.id) ?? { x: 0, y: 0 }, data, selected: opts.selectedId === n.id, deletable: true };
  });
};

export const toFlowEdges = (draft: Draft, issues: Issue[] = []): BranchEdge[] => {
  const bad = new Set(issues.map((i) => i.edgeId).filter(Boolean));
  return draft.edges.map((e) => {
    const branch = e.branch ?? 'next';
    return {
      id: e.id,
      source: e.source,
      target: e.target,
      sourceHandle: branch,
      targetHandle: 'in',
      type: 'smoothstep',
      label: BRANCH_LABELS[branch] || undefined,
      data: { branch },
      className: bad.has(e.id) ? 'edge-error' : `edge-${branch}`,
      ariaLabel: `${e.source} ${BRANCH_LABELS[branch] || 'then'} ${e.target}`,
    };
  });
};
