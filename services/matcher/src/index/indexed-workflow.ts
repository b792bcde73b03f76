import { z } from 'zod';
import {
  ChangedCondition,
  ComparisonCondition,
  PublishedWorkflow,
  TriggerNode,
  TriggerSpec,
  WorkflowDefinition,
  formatIssues,
  issueList,
  type Condition,
  type TriggerType,
} from '@fixlify/contracts';
import type { StartRule } from '@fixlify/workflow';

/**
 * An active workflow version as the matcher's index holds it: what deciding a start reads
 * (StartRule: ids, organization, version, the trigger with its config and filter, the
 * re-enrollment policy) and the trigger type it is indexed under — not its definition. The matcher
 * never passes a definition of the workflows topic on: start commands of published versions travel
 * without it (the executor reads the stored, immutable version by id from PostgreSQL and validates
 * it there), and the two starts that carry one do not come from this topic (the built-in SMS keyword
 * replies are made in process, draft test runs go from the API straight to the executor).
 */
export interface IndexedWorkflow extends StartRule {
  triggerType: TriggerType;
}

/**
 * A workflows-topic record as the index reads it: every field of PublishedWorkflow as the contract
 * has it except the definition, of which only what matching needs is validated — its own fields
 * (schemaVersion, settings: the contract's schemas) and the bounds of its node and edge lists here,
 * its trigger node in full below (TriggerNode). The other nodes and the edges are the executor's to
 * read (from PostgreSQL, not from here). The full parse was ~75 % of the index build's CPU (zod 5.3 of
 * 7.0 s for 100,000 records, JSON.parse 1.5 s).
 */
const LeanDefinition = z
  .object({
    schemaVersion: WorkflowDefinition.shape.schemaVersion,
    // the bounds of WorkflowDefinition's nodes and edges (indexed-workflow.spec checks they agree)
    nodes: z.array(z.unknown()).min(1).max(200),
    edges: z.array(z.unknown()).max(400),
    settings: WorkflowDefinition.shape.settings,
  })
  .strict();
const LeanRecord = PublishedWorkflow.extend({ definition: LeanDefinition });

/** how deep the quick check follows a filter; a deeper one (valid up to zod's recursion, refused at save beyond MAX_CONDITION_DEPTH) is the contract's to judge */
const QUICK_CONDITION_DEPTH = 32;

const hasOnly = (v: object, key: string): boolean => {
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0] === key;
};
const quickList = (list: unknown, depth: number): boolean =>
  Array.isArray(list) && list.length >= 1 && list.length <= 50 && list.every((c) => quickCondition(c, depth + 1));

/**
 * true only if the contract's Condition schema accepts `c` (then its output equals `c`: the schema
 * has no defaults or transforms) — the leaves by the contract's own schemas, all/any/not by their
 * shape. The schema's union tries its branches in turn, and the failed tries cost ~10 µs for a
 * filter of two leaves (most of what was left of a record's validation); a branch is chosen here
 * by the keys instead, since the strict branches (own key `all`, `any` or `not`; `op` "changed" or
 * one of COMPARISON_OPS) exclude each other. false means only "not shown quickly": the caller asks
 * the contract then.
 */
const quickCondition = (c: unknown, depth = 0): boolean => {
  if (typeof c !== 'object' || c === null || Array.isArray(c) || depth > QUICK_CONDITION_DEPTH) return false;
  const o = c as Record<string, unknown>;
  if (Object.hasOwn(o, 'all')) return hasOnly(o, 'all') && quickList(o.all, depth);
  if (Object.hasOwn(o, 'any')) return hasOnly(o, 'any') && quickList(o.any, depth);
  if (Object.hasOwn(o, 'not')) return hasOnly(o, 'not') && quickCondition(o.not, depth + 1);
  return (o.op === 'changed' ? ChangedCondition : ComparisonCondition).safeParse(o).success;
};

/**
 * The contract's TriggerNode with the quick condition check for its filter: it accepts a subset of
 * what TriggerNode accepts, with the same output; for the rest readWorkflowValue asks TriggerNode
 * itself (its verdict and its issues). Exported for the test that holds it to that.
 */
export const QuickTriggerNode = TriggerNode.extend({
  trigger: z.discriminatedUnion(
    'type',
    TriggerSpec.options.map((o) => o.extend({ filter: z.custom<Condition>((c) => quickCondition(c)).optional() })) as unknown as typeof TriggerSpec.options,
  ),
});

export type WorkflowRecord = { ok: true; workflow: IndexedWorkflow } | { ok: false; reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * One record of the workflows topic (key = workflow id) → the workflow to index, or why it cannot be
 * (then the caller withdraws the key from matching). Never throws: hostile nesting that overflows
 * zod's recursive Condition schema is a rejection like any other. The trigger node is the first node
 * of type `trigger`, the one decideStart would take (triggerNode in libs/workflow); a definition
 * without one is indexed and never starts (decideStart's `no_trigger`), as before.
 */
export const readWorkflowRecord = (key: string, value: Buffer | string): WorkflowRecord => {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  return readWorkflowValue(key, raw);
};

/** readWorkflowRecord of a value already parsed from JSON */
export const readWorkflowValue = (key: string, raw: unknown): WorkflowRecord => {
  const r = LeanRecord.safeParse(raw);
  if (!r.success) return { ok: false, reason: formatIssues(r.error, { max: 3 }) };
  const w = r.data;
  // compaction keeps the last record per key: one naming another workflow would outlive that workflow's tombstone
  if (w.workflowId !== key) return { ok: false, reason: `the record names workflow ${w.workflowId}, its key ${key}` };
  const at = w.definition.nodes.findIndex((n) => isObject(n) && n.type === 'trigger');
  let trigger: TriggerSpec | undefined;
  if (at >= 0) {
    const path = `definition.nodes.${at}`;
    const node = w.definition.nodes[at];
    let t: ReturnType<typeof TriggerNode.safeParse>;
    try {
      t = QuickTriggerNode.safeParse(node);
      // not shown quickly: the contract decides, and names what is wrong
      if (!t.success) t = TriggerNode.safeParse(node);
    } catch {
      // hostile nesting overflows zod's recursion
      return { ok: false, reason: `${path}: nested too deeply to validate` };
    }
    if (!t.success)
      return {
        ok: false,
        reason: issueList(t.error, 3)
          .map((i) => `${path}${i.path ? `.${i.path}` : ''}: ${i.message}`)
          .join('; '),
      };
    trigger = t.data.trigger;
  }
  return {
    ok: true,
    workflow: {
      workflowId: w.workflowId,
      organizationId: w.organizationId,
      versionId: w.versionId,
      version: w.version,
      triggerType: w.triggerType,
      trigger,
      reenrollment: w.definition.settings.reenrollment,
    },
  };
};
