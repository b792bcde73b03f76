import type { EdgeBranch } from '@fixlify/contracts';

/** A step as the builder holds it: possibly unfinished (a draft is saved before it is valid). */
export interface DraftNode {
  id: string;
  type: string;
  label?: string;
  position?: { x: number; y: number };
  config?: Record<string, unknown>;
  trigger?: { type: string; config?: Record<string, unknown>; filter?: unknown };
  retry?: Record<string, unknown>;
}

export interface DraftEdge {
  id: string;
  source: string;
  target: string;
  branch?: EdgeBranch;
}

export interface Draft {
  schemaVersion?: 1;
  nodes: DraftNode[];
  edges: DraftEdge[];
  settings?: Record<string, unknown>;
}

/** One problem as the API's validation reports it. */
export interface Issue {
  nodeId: string | null;
  path: string;
  message: string;
  code: string;
  edgeId?: string;
}

export type FlowKind = 'trigger' | 'action' | 'condition' | 'delay' | 'loop';

export const flowKindOf = (stepType: string): FlowKind =>
  stepType === 'trigger' ? 'trigger' : stepType === 'condition' ? 'condition' : stepType === 'delay' ? 'delay' : stepType === 'loop' ? 'loop' : 'action';

/** The paths leaving a step, in the order the builder fills them. */
export const branchesOf = (kind: FlowKind): EdgeBranch[] => (kind === 'condition' ? ['true', 'false'] : kind === 'loop' ? ['body', 'done'] : ['next']);

export const BRANCH_LABELS: Record<EdgeBranch, string> = { next: '', true: 'Yes', false: 'No', body: 'Each item', done: 'After the loop' };

export const emptyDraft = (): Draft => ({ schemaVersion: 1, nodes: [], edges: [] });

/** Accepts whatever the API stored and returns a well-formed draft. */
export const normalizeDraft = (value: unknown): Draft => {
  const v = (value ?? {}) as Partial<Draft>;
  return {
    schemaVersion: 1,
    nodes: Array.isArray(v.nodes) ? v.nodes.filter((n): n is DraftNode => !!n && typeof n.id === 'string' && typeof n.type === 'string') : [],
    edges: Array.isArray(v.edges)
      ? v.edges.filter((e): e is DraftEdge => !!e && typeof e.id === 'string' && typeof e.source === 'string' && typeof e.target === 'string')
      : [],
    ...(v.settings ? { settings: v.settings } : {}),
  };
};
