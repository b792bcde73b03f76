import { MAX_CONDITION_DEPTH, type EdgeBranch, type WorkflowDefinition, type WorkflowEdge, type WorkflowNode } from '@fixlify/contracts';
import { conditionDepth } from './condition';
import { isSafeKey } from './path';
import { validateCron } from './schedule';
import { templateProblem } from './template';
import { stepName, typeLabel, type ValidationIssue } from './validation-issue';
import { LOOP_VAR, MAX_STEPS_PER_EXECUTION } from './walker';

type Issue = ValidationIssue;
type LoopNode = Extract<WorkflowNode, { type: 'loop' }>;

const BRANCH_WORDS: Record<EdgeBranch, string> = {
  next: '"next"',
  true: '"true" (condition matched)',
  false: '"false" (condition not matched)',
  body: '"body" (for each item)',
  done: '"done" (after the last item)',
};

/** Which paths may leave a node, and how many of each. */
const branchRules = (node: WorkflowNode, hasOtherNodes: boolean): Partial<Record<EdgeBranch, { min: number; max: number }>> => {
  switch (node.type) {
    case 'trigger':
      return { next: { min: hasOtherNodes ? 1 : 0, max: 1 } };
    case 'condition':
      return { true: { min: 1, max: 1 }, false: { min: 1, max: 1 } };
    case 'loop':
      return { body: { min: 1, max: 1 }, done: { min: 0, max: 1 } };
    default:
      return { next: { min: 0, max: 1 } };
  }
};

const notAllowedMessage = (node: WorkflowNode, branch: EdgeBranch): string => {
  if (node.type === 'condition' && branch === 'next') return 'A condition continues through its "true" and "false" paths, not "next"';
  if (node.type === 'loop' && branch === 'next') return 'A loop continues after its last item through its "done" path, not "next"';
  if (branch === 'true' || branch === 'false') return `A ${typeLabel(node.type)} step cannot have a ${BRANCH_WORDS[branch]} path; only conditions branch`;
  return `A ${typeLabel(node.type)} step cannot have a ${BRANCH_WORDS[branch]} path; only loops have one`;
};

const missingMessage = (node: WorkflowNode, branch: EdgeBranch): string => {
  if (node.type === 'trigger') return 'Connect the trigger to the first step';
  if (node.type === 'loop') return 'Connect the steps to repeat for each item (the loop\'s "body" path)';
  return `Connect the ${BRANCH_WORDS[branch]} path of this condition`;
};

const tooManyMessage = (node: WorkflowNode, branch: EdgeBranch, n: number): string =>
  branch === 'next'
    ? `${node.type === 'trigger' ? 'The trigger' : 'This step'} leads to ${n} next steps; it can lead to only one (use a condition to branch)`
    : `This ${typeLabel(node.type).toLowerCase()} has ${n} ${BRANCH_WORDS[branch]} paths; keep only one`;

interface Graph {
  nodes: Map<string, WorkflowNode>;
  /** edges that connect two existing, distinct nodes and do not enter the trigger */
  edges: WorkflowEdge[];
  out: Map<string, WorkflowEdge[]>;
  incoming: Map<string, WorkflowEdge[]>;
}

const push = <K, V>(m: Map<K, V[]>, k: K, v: V): void => {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
};

const checkIdsAndEdges = (def: WorkflowDefinition, issues: Issue[]): Graph => {
  const nodes = new Map<string, WorkflowNode>();
  for (const n of def.nodes) {
    if (nodes.has(n.id))
      issues.push({ nodeId: n.id, path: 'id', code: 'duplicate_node_id', message: `Two steps use the ID "${n.id}"; each step needs its own ID` });
    else nodes.set(n.id, n);
  }
  const edgeIds = new Set<string>();
  const g: Graph = { nodes, edges: [], out: new Map(), incoming: new Map() };
  def.edges.forEach((e, i) => {
    const at = (field: string): Pick<Issue, 'nodeId' | 'path' | 'edgeId'> => ({ nodeId: null, path: `edges.${i}.${field}`, edgeId: e.id });
    if (edgeIds.has(e.id))
      issues.push({ ...at('id'), code: 'duplicate_edge_id', message: `Two connections use the ID "${e.id}"; each connection needs its own ID` });
    edgeIds.add(e.id);
    const source = nodes.get(e.source);
    const target = nodes.get(e.target);
    if (!source) issues.push({ ...at('source'), code: 'edge_unknown_source', message: `A connection starts at step "${e.source}", which does not exist` });
    if (!target) issues.push({ ...at('target'), code: 'edge_unknown_target', message: `A connection leads to step "${e.target}", which does not exist` });
    if (!source || !target) return;
    if (e.source === e.target) {
      issues.push({
        nodeId: e.source,
        path: '',
        edgeId: e.id,
        code: 'edge_self_loop',
        message: 'A step cannot connect to itself; to repeat steps, use a loop',
      });
      return;
    }
    if (target.type === 'trigger') {
      issues.push({
        nodeId: e.source,
        path: '',
        edgeId: e.id,
        code: 'edge_into_trigger',
        message: 'Nothing can connect into the trigger; it only starts the workflow',
      });
      return;
    }
    g.edges.push(e);
    push(g.out, e.source, e);
    push(g.incoming, e.target, e);
  });
  return g;
};

const checkTriggers = (def: WorkflowDefinition, issues: Issue[]): WorkflowNode | undefined => {
  const triggers = def.nodes.filter((n) => n.type === 'trigger');
  if (triggers.length === 0)
    issues.push({ nodeId: null, path: 'nodes', code: 'trigger_missing', message: 'The workflow needs a trigger to say when it starts' });
  for (const extra of triggers.slice(1)) {
    issues.push({
      nodeId: extra.id,
      path: '',
      code: 'trigger_multiple',
      message: 'A workflow has exactly one trigger; remove this one or build a separate workflow for it',
    });
  }
  return triggers[0];
};

const checkBranches = (def: WorkflowDefinition, g: Graph, issues: Issue[]): void => {
  const hasOtherNodes = def.nodes.some((n) => n.type !== 'trigger');
  for (const node of g.nodes.values()) {
    const rules = branchRules(node, hasOtherNodes);
    const byBranch = new Map<EdgeBranch, WorkflowEdge[]>();
    for (const e of g.out.get(node.id) ?? []) push(byBranch, e.branch, e);
    for (const [branch, edges] of byBranch) {
      const rule = rules[branch];
      if (!rule) {
        for (const e of edges) issues.push({ nodeId: node.id, path: '', edgeId: e.id, code: 'branch_not_allowed', message: notAllowedMessage(node, branch) });
      } else if (edges.length > rule.max) {
        issues.push({ nodeId: node.id, path: '', edgeId: edges[rule.max]?.id, code: 'too_many_paths', message: tooManyMessage(node, branch, edges.length) });
      }
    }
    for (const [branch, rule] of Object.entries(rules) as Array<[EdgeBranch, { min: number }]>) {
      if ((byBranch.get(branch)?.length ?? 0) < rule.min) {
        issues.push({
          nodeId: node.id,
          path: '',
          code: node.type === 'trigger' ? 'trigger_not_connected' : 'path_missing',
          message: missingMessage(node, branch),
        });
      }
    }
  }
};

const reachableFrom = (start: string, g: Graph, skip?: (e: WorkflowEdge) => boolean): Set<string> => {
  const seen = new Set<string>([start]);
  const stack = [start];
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
    for (const e of g.out.get(id) ?? []) {
      if (skip?.(e) || seen.has(e.target)) continue;
      seen.add(e.target);
      stack.push(e.target);
    }
  }
  return seen;
};

const checkReachable = (trigger: WorkflowNode, g: Graph, issues: Issue[]): void => {
  const seen = reachableFrom(trigger.id, g);
  for (const n of g.nodes.values()) {
    if (!seen.has(n.id) && n.type !== 'trigger') {
      issues.push({ nodeId: n.id, path: '', code: 'node_unreachable', message: 'This step is not connected to the trigger, so it would never run' });
    }
  }
};

/** Cycles are only allowed through a loop's body: without body edges the graph must be acyclic. */
const checkCycles = (g: Graph, issues: Issue[]): boolean => {
  const state = new Map<string, 'open' | 'done'>();
  let found = false;
  const visit = (id: string): void => {
    state.set(id, 'open');
    for (const e of g.out.get(id) ?? []) {
      if (e.branch === 'body') continue;
      const s = state.get(e.target);
      if (s === 'open') {
        found = true;
        const from = g.nodes.get(e.source);
        const to = g.nodes.get(e.target);
        issues.push({
          nodeId: e.source,
          path: '',
          edgeId: e.id,
          code: 'cycle',
          message: `The connection from ${from ? stepName(from) : e.source} back to ${to ? stepName(to) : e.target} makes the workflow go round in circles; to repeat steps, use a loop`,
        });
      } else if (s === undefined) visit(e.target);
    }
    state.set(id, 'done');
  };
  for (const id of g.nodes.keys()) if (!state.has(id)) visit(id);
  return !found;
};

/** The steps inside a loop: everything reachable from its body; they may be entered only from there. */
const checkLoopBodies = (g: Graph, issues: Issue[]): boolean => {
  let ok = true;
  for (const node of g.nodes.values()) {
    if (node.type !== 'loop') continue;
    const bodies = (g.out.get(node.id) ?? []).filter((e) => e.branch === 'body');
    if (bodies.length !== 1 || !bodies[0]) continue;
    const body = bodies[0];
    const region = reachableFrom(body.target, g);
    if (region.has(node.id)) {
      ok = false;
      issues.push({
        nodeId: node.id,
        path: '',
        edgeId: body.id,
        code: 'loop_body_returns',
        message: 'The steps inside this loop lead back to the loop; leave the last step unconnected and the loop moves on to the next item by itself',
      });
      continue;
    }
    for (const id of region) {
      for (const e of g.incoming.get(id) ?? []) {
        if (e.id === body.id || region.has(e.source)) continue;
        ok = false;
        const inner = g.nodes.get(id);
        issues.push({
          nodeId: id,
          path: '',
          edgeId: e.id,
          code: 'loop_body_shared',
          message: `${inner ? stepName(inner) : id} is inside loop ${stepName(node)} and also reached from outside it; a step inside a loop can only be reached from the loop's body`,
        });
      }
    }
  }
  return ok;
};

/** Worst-case number of steps one execution runs (each loop iteration counts), for a valid graph. */
const worstCaseSteps = (start: string | null, g: Graph): { total: number; culprit: LoopNode | undefined } => {
  const memo = new Map<string, number>();
  let culprit: LoopNode | undefined;
  let culpritCost = 0;
  const edgeTo = (id: string, branch: EdgeBranch): string | undefined => (g.out.get(id) ?? []).find((e) => e.branch === branch)?.target;
  const cost = (id: string | undefined): number => {
    if (id === undefined) return 0;
    const cached = memo.get(id);
    if (cached !== undefined) return cached;
    const node = g.nodes.get(id);
    let c = 1;
    if (node?.type === 'condition') c += Math.max(cost(edgeTo(id, 'true')), cost(edgeTo(id, 'false')));
    else if (node?.type === 'loop') {
      const perLoop = node.config.maxIterations * cost(edgeTo(id, 'body'));
      if (perLoop > culpritCost) {
        culpritCost = perLoop;
        culprit = node;
      }
      c += perLoop + cost(edgeTo(id, 'done'));
    } else c += cost(edgeTo(id, 'next'));
    memo.set(id, c);
    return c;
  };
  return { total: start === null ? 0 : cost(start), culprit };
};

const checkStepBudget = (trigger: WorkflowNode, g: Graph, issues: Issue[]): void => {
  const first = (g.out.get(trigger.id) ?? []).find((e) => e.branch === 'next')?.target ?? null;
  const { total, culprit } = worstCaseSteps(first, g);
  if (total > MAX_STEPS_PER_EXECUTION && culprit) {
    issues.push({
      nodeId: culprit.id,
      path: 'config.maxIterations',
      code: 'step_budget_exceeded',
      message: `This workflow could run up to ${total} steps (this loop repeats up to ${culprit.config.maxIterations} times), more than the ${MAX_STEPS_PER_EXECUTION} one execution may run; lower the maximum iterations or move steps out of the loop`,
    });
  }
};

const RESERVED_NAME = (name: string): boolean => !isSafeKey(name) || name === LOOP_VAR;

const templateIssues = (node: WorkflowNode, value: unknown, path: string, issues: Issue[]): void => {
  if (typeof value === 'string') {
    if (!value.includes('{{') && !value.includes('{%')) return;
    const problem = templateProblem(value);
    if (problem)
      issues.push({
        nodeId: node.id,
        path,
        code: 'template_invalid',
        message: `This text has a template error: ${problem.replace(/^The template cannot be read: /, '')}`,
      });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) templateIssues(node, v, path ? `${path}.${k}` : k, issues);
  }
};

const checkNodeSettings = (g: Graph, issues: Issue[]): void => {
  for (const node of g.nodes.values()) {
    const tooDeep = (cond: unknown, path: string): void => {
      const depth = conditionDepth(cond);
      if (depth > MAX_CONDITION_DEPTH) {
        issues.push({
          nodeId: node.id,
          path,
          code: 'condition_too_deep',
          message: `This condition nests groups ${depth} levels deep; at most ${MAX_CONDITION_DEPTH} levels are allowed`,
        });
      }
    };
    switch (node.type) {
      case 'trigger': {
        const spec = node.trigger;
        if (spec.filter) tooDeep(spec.filter, 'trigger.filter');
        if (spec.type === 'recurring') {
          const problem = validateCron(spec.config.cron, spec.config.timezone);
          if (problem)
            issues.push({
              nodeId: node.id,
              path: /time zone/.test(problem) ? 'trigger.config.timezone' : 'trigger.config.cron',
              code: 'schedule_invalid',
              message: problem,
            });
        }
        break;
      }
      case 'condition':
        tooDeep(node.config.when, 'config.when');
        break;
      case 'loop':
        if (RESERVED_NAME(node.config.as)) {
          issues.push({
            nodeId: node.id,
            path: 'config.as',
            code: 'reserved_name',
            message: `"${node.config.as}" is a reserved name; choose another name for the current item`,
          });
        }
        break;
      case 'api_call':
        if (node.config.saveAs !== undefined && RESERVED_NAME(node.config.saveAs)) {
          issues.push({
            nodeId: node.id,
            path: 'config.saveAs',
            code: 'reserved_name',
            message: `"${node.config.saveAs}" is a reserved name; choose another name for the response`,
          });
        }
        templateIssues(node, node.config, 'config', issues);
        break;
      default:
        templateIssues(node, node.config, 'config', issues);
    }
  }
};

/** The rules zod cannot express: one trigger, well-formed paths, reachability, loops, limits, templates. */
export const graphIssues = (def: WorkflowDefinition): ValidationIssue[] => {
  const issues: Issue[] = [];
  const g = checkIdsAndEdges(def, issues);
  const trigger = checkTriggers(def, issues);
  checkBranches(def, g, issues);
  if (trigger) checkReachable(trigger, g, issues);
  const acyclic = checkCycles(g, issues);
  const loopsOk = checkLoopBodies(g, issues);
  checkNodeSettings(g, issues);
  if (trigger && acyclic && loopsOk && issues.length === 0) checkStepBudget(trigger, g, issues);
  return issues;
};
