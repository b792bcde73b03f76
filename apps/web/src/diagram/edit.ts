import type { EdgeBranch } from '@fixlify/contracts';
import { autoLayout, ROW_HEIGHT } from './layout';
import { branchesOf, flowKindOf, type Draft, type DraftNode } from './model';

/** Pure edits of a draft: each returns a new draft (the builder keeps history by value). */

const idBase = (type: string): string => (type === 'trigger' ? 'trigger' : type.replace(/^send_/, '').replace(/_notification$/, ''));

export const uniqueId = (draft: Draft, type: string): string => {
  const base = idBase(type);
  const taken = new Set(draft.nodes.map((n) => n.id));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
};

const edgeId = (draft: Draft): string => {
  const taken = new Set(draft.edges.map((e) => e.id));
  for (let i = draft.edges.length + 1; ; i++) if (!taken.has(`e${i}`)) return `e${i}`;
};

/** The first path of a step that leads nowhere yet (a condition fills "yes" then "no"). */
export const freeBranch = (draft: Draft, nodeId: string): EdgeBranch | null => {
  const node = draft.nodes.find((n) => n.id === nodeId);
  if (!node) return null;
  const used = new Set(draft.edges.filter((e) => e.source === nodeId).map((e) => e.branch ?? 'next'));
  return branchesOf(flowKindOf(node.type)).find((b) => !used.has(b)) ?? null;
};

/** Connects source's branch to target; a branch leads to one step, so an older edge on it is replaced. */
export const connect = (draft: Draft, source: string, branch: EdgeBranch, target: string): Draft => {
  if (source === target) return draft;
  const edges = draft.edges.filter((e) => !(e.source === source && (e.branch ?? 'next') === branch));
  return { ...draft, edges: [...edges, { id: edgeId(draft), source, target, branch }] };
};

/**
 * Adds a step with its default configuration. When `after` names a step with a free path, the new
 * step hangs from that path and sits below it.
 */
export const addStep = (draft: Draft, type: string, config: Record<string, unknown>, after: string | null): { draft: Draft; id: string } => {
  const id = uniqueId(draft, type);
  const from = after ? draft.nodes.find((n) => n.id === after) : undefined;
  const branch = from ? freeBranch(draft, from.id) : null;
  const siblings = from ? draft.edges.filter((e) => e.source === from.id).length : 0;
  const lowest = draft.nodes.reduce((m, n) => Math.max(m, n.position?.y ?? 0), 0);
  const position = from?.position
    ? { x: from.position.x + (branch === 'false' || branch === 'done' ? 280 : siblings > 0 ? -280 : 0), y: from.position.y + ROW_HEIGHT }
    : { x: 0, y: draft.nodes.length ? lowest + ROW_HEIGHT : 0 };
  const node: DraftNode = { id, type, position, config: structuredClone(config) };
  let next: Draft = { ...draft, nodes: [...draft.nodes, node] };
  if (from && branch) next = connect(next, from.id, branch, id);
  return { draft: next, id };
};

/** Sets the trigger (there is exactly one): changes the existing trigger's type or adds one on top. */
export const setTrigger = (draft: Draft, triggerType: string, config: Record<string, unknown> | null): { draft: Draft; id: string } => {
  const spec = { type: triggerType, ...(config ? { config: structuredClone(config) } : {}) };
  const existing = draft.nodes.find((n) => n.type === 'trigger');
  if (existing) return { draft: { ...draft, nodes: draft.nodes.map((n) => (n === existing ? { ...n, trigger: spec } : n)) }, id: existing.id };
  const top = draft.nodes.reduce((m, n) => Math.min(m, n.position?.y ?? 0), 0);
  const node: DraftNode = { id: uniqueId(draft, 'trigger'), type: 'trigger', position: { x: 0, y: draft.nodes.length ? top - ROW_HEIGHT : 0 }, trigger: spec };
  return { draft: { ...draft, nodes: [node, ...draft.nodes] }, id: node.id };
};

export const updateNode = (draft: Draft, id: string, patch: Partial<DraftNode>): Draft => ({
  ...draft,
  nodes: draft.nodes.map((n) => (n.id === id ? { ...n, ...patch } : n)),
});

export const moveNode = (draft: Draft, id: string, position: { x: number; y: number }): Draft =>
  updateNode(draft, id, { position: { x: Math.round(position.x), y: Math.round(position.y) } });

export const removeNodes = (draft: Draft, ids: string[]): Draft => {
  const gone = new Set(ids);
  return { ...draft, nodes: draft.nodes.filter((n) => !gone.has(n.id)), edges: draft.edges.filter((e) => !gone.has(e.source) && !gone.has(e.target)) };
};

export const removeEdges = (draft: Draft, ids: string[]): Draft => {
  const gone = new Set(ids);
  return { ...draft, edges: draft.edges.filter((e) => !gone.has(e.id)) };
};

/** Renaming a step keeps its connections. */
export const renameNode = (draft: Draft, from: string, to: string): Draft => {
  if (!to || from === to || draft.nodes.some((n) => n.id === to)) return draft;
  return {
    ...draft,
    nodes: draft.nodes.map((n) => (n.id === from ? { ...n, id: to } : n)),
    edges: draft.edges.map((e) => ({ ...e, source: e.source === from ? to : e.source, target: e.target === from ? to : e.target })),
  };
};

/** Lays every step out again from the trigger down (rows by depth, yes left of no). */
export const arrange = (draft: Draft): Draft => {
  const layout = autoLayout({ ...draft, nodes: draft.nodes.map(({ position: _p, ...n }) => n) });
  return { ...draft, nodes: draft.nodes.map((n) => ({ ...n, position: layout.get(n.id) ?? n.position ?? { x: 0, y: 0 } })) };
};
