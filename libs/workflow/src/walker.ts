import type { Continuation, ControlConfigs, EdgeBranch, LoopFrame, WorkflowDefinition, WorkflowNode } from '@fixlify/contracts';
import type { z } from 'zod';
import { WorkflowEngineError } from './errors';
import { getPath } from './path';

/** Guards against runaway graphs: an execution runs at most this many nodes (each loop iteration counts). */
export const MAX_STEPS_PER_EXECUTION = 1000;

/** Variable holding `{ index, count }` of the innermost loop. */
export const LOOP_VAR = 'loop';

/** What running the node at the cursor produced. */
export type StepOutcome =
  /** an action or a delay finished; `vars` (e.g. an api_call's saveAs) are merged into the variables */
  | { kind: 'next'; vars?: Record<string, unknown> }
  /** a condition was evaluated */
  | { kind: 'branch'; branch: 'true' | 'false' }
  /** a loop node resolved its list (see loopItems) */
  | { kind: 'loop_enter'; items: unknown[] };

type LoopNode = Extract<WorkflowNode, { type: 'loop' }>;
type LoopConfig = z.infer<(typeof ControlConfigs)['loop']>;

interface GraphIndex {
  nodes: Map<string, WorkflowNode>;
  /** source → branch → target (first edge wins; validation rejects duplicates) */
  out: Map<string, Map<EdgeBranch, string>>;
}

const indexes = new WeakMap<WorkflowDefinition, GraphIndex>();

const indexOf = (def: WorkflowDefinition): GraphIndex => {
  let idx = indexes.get(def);
  if (!idx) {
    idx = { nodes: new Map(), out: new Map() };
    for (const n of def.nodes) if (!idx.nodes.has(n.id)) idx.nodes.set(n.id, n);
    for (const e of def.edges) {
      const branches = idx.out.get(e.source) ?? new Map<EdgeBranch, string>();
      if (!branches.has(e.branch)) branches.set(e.branch, e.target);
      idx.out.set(e.source, branches);
    }
    indexes.set(def, idx);
  }
  return idx;
};

const stateError = (message: string): WorkflowEngineError => new WorkflowEngineError('walker_state_invalid', message);

export const nodeById = (def: WorkflowDefinition, id: string): WorkflowNode | undefined => indexOf(def).nodes.get(id);

/** Target of the edge leaving `nodeId` on `branch`, or null. */
export const edgeTarget = (def: WorkflowDefinition, nodeId: string, branch: EdgeBranch): string | null => indexOf(def).out.get(nodeId)?.get(branch) ?? null;

export const triggerNode = (def: WorkflowDefinition): Extract<WorkflowNode, { type: 'trigger' }> | undefined => {
  for (const n of def.nodes) if (n.type === 'trigger') return n;
  return undefined;
};

/** The outcome kind `advance` expects after running `node`. */
export const outcomeKindFor = (node: WorkflowNode): StepOutcome['kind'] =>
  node.type === 'condition' ? 'branch' : node.type === 'loop' ? 'loop_enter' : 'next';

/** Where a new execution starts: the step after the trigger (null: nothing to do). */
export const initialContinuation = (def: WorkflowDefinition, startedAt?: string): Continuation => {
  const trigger = triggerNode(def);
  if (!trigger) throw stateError('The workflow has no trigger');
  const cont: Continuation = { cursor: edgeTarget(def, trigger.id, 'next'), vars: {}, loops: [], steps: 0, attempt: 1, seq: 0 };
  if (startedAt !== undefined) cont.startedAt = startedAt;
  return cont;
};

/** Sets a variable as data even when its name is `__proto__` (an assignment would swap the prototype). */
const setVar = (vars: Record<string, unknown>, key: string, value: unknown): void => {
  Object.defineProperty(vars, key, { value, enumerable: true, writable: true, configurable: true });
};

/** The list a loop node iterates: `config.over` resolved in `scope`; missing means empty. */
export const loopItems = (config: Pick<LoopConfig, 'over'>, scope: Record<string, unknown>): unknown[] => {
  const value = getPath(scope, config.over);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new WorkflowEngineError('loop_items_invalid', `"${config.over}" is not a list, so the loop cannot go over it`);
  return value;
};

interface WalkState {
  vars: Record<string, unknown>;
  loops: LoopFrame[];
}

const loopNodeOf = (def: WorkflowDefinition, id: string): LoopNode => {
  const n = nodeById(def, id);
  if (n?.type !== 'loop') throw stateError(`Loop "${id}" is not in this workflow version`);
  return n;
};

/** Re-binds every active loop's item (outer to inner) and the innermost `loop` position. */
const bindLoops = (def: WorkflowDefinition, s: WalkState): void => {
  for (const f of s.loops) setVar(s.vars, loopNodeOf(def, f.nodeId).config.as, f.items[f.index]);
  const top = s.loops[s.loops.length - 1];
  if (top) setVar(s.vars, LOOP_VAR, { index: top.index, count: top.items.length });
  else delete s.vars[LOOP_VAR];
};

const bodyTarget = (def: WorkflowDefinition, loop: LoopNode): string => {
  const t = edgeTarget(def, loop.id, 'body');
  if (t === null) throw stateError(`Loop "${loop.id}" has no body`);
  return t;
};

/** A path ended (node without the needed edge): go back to the innermost loop, or finish. */
const endOfPath = (def: WorkflowDefinition, s: WalkState): string | null => {
  for (;;) {
    const top = s.loops[s.loops.length - 1];
    if (!top) return null;
    const loop = loopNodeOf(def, top.nodeId);
    if (top.index + 1 < top.items.length) {
      top.index += 1;
      bindLoops(def, s);
      return bodyTarget(def, loop);
    }
    s.loops.pop();
    delete s.vars[loop.config.as];
    bindLoops(def, s);
    const done = edgeTarget(def, loop.id, 'done');
    if (done !== null) return done;
    // No `done` edge: this loop finishing also ends the enclosing path.
  }
};

const follow = (def: WorkflowDefinition, from: string, branch: EdgeBranch, s: WalkState): string | null => edgeTarget(def, from, branch) ?? endOfPath(def, s);

const enterLoop = (def: WorkflowDefinition, loop: LoopNode, items: unknown, s: WalkState): string | null => {
  if (!Array.isArray(items)) throw stateError(`Loop "${loop.id}" needs a list of items`);
  if (s.loops.some((f) => f.nodeId === loop.id)) throw stateError(`Loop "${loop.id}" is already running`);
  // Items beyond maxIterations are dropped, by design: the cap is part of the workflow.
  const list = items.slice(0, loop.config.maxIterations);
  if (list.length === 0) return follow(def, loop.id, 'done', s);
  s.loops.push({ nodeId: loop.id, items: list, index: 0 });
  bindLoops(def, s);
  return bodyTarget(def, loop);
};

const mismatch = (node: WorkflowNode, outcome: StepOutcome): WorkflowEngineError =>
  stateError(`Step "${node.id}" (${node.type}) cannot continue with a "${outcome.kind}" outcome; expected "${outcomeKindFor(node)}"`);

/**
 * Moves the continuation past the node at the cursor. Pure: returns a new continuation.
 * - action / delay → its `next` edge; condition → its `true`/`false` edge;
 * - loop → first item into `vars[as]` (and `vars.loop = {index, count}`), then the `body` edge;
 * - a path that ends inside a loop returns to it: next item, or (after the last) its `done` edge;
 * - the end of the graph sets the cursor to null.
 */
export const advance = (def: WorkflowDefinition, cont: Continuation, outcome: StepOutcome): Continuation => {
  if (cont.cursor === null) throw stateError('The execution has already finished');
  if (cont.steps >= MAX_STEPS_PER_EXECUTION) {
    throw new WorkflowEngineError('max_steps_exceeded', `The execution ran ${MAX_STEPS_PER_EXECUTION} steps, the most one execution may run`);
  }
  const node = nodeById(def, cont.cursor);
  if (!node) throw stateError(`Step "${cont.cursor}" is not in this workflow version`);
  if (outcome.kind !== outcomeKindFor(node)) throw mismatch(node, outcome);
  const s: WalkState = { vars: { ...cont.vars }, loops: cont.loops.map((f) => ({ ...f })) };
  let cursor: string | null;
  switch (outcome.kind) {
    case 'next':
      for (const [k, v] of Object.entries(outcome.vars ?? {})) setVar(s.vars, k, v);
      cursor = follow(def, node.id, 'next', s);
      break;
    case 'branch':
      if (outcome.branch !== 'true' && outcome.branch !== 'false') throw mismatch(node, outcome);
      cursor = follow(def, node.id, outcome.branch, s);
      break;
    case 'loop_enter':
      cursor = enterLoop(def, node as LoopNode, outcome.items, s);
      break;
  }
  // Other fields (seq, startedAt) belong to the executor and ride along unchanged.
  return { ...cont, cursor, vars: s.vars, loops: s.loops, steps: cont.steps + 1, attempt: 1 };
};

/** The same node again, one attempt later (after a retryable failure). */
export const nextAttempt = (cont: Continuation): Continuation => ({ ...cont, attempt: cont.attempt + 1 });

/** Loop position of the cursor (e.g. "loop1#2/inner#0"), so each iteration's side effect has its own step key. */
export const iterationKey = (cont: Pick<Continuation, 'loops'>): string => cont.loops.map((f) => `${f.nodeId}#${f.index}`).join('/');
