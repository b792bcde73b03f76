import type { Continuation, WorkflowDefinition, WorkflowNode } from '@fixlify/contracts';
import { MAX_STEPS_PER_EXECUTION, advance, delayUntil, evaluateCondition, initialContinuation, loopItems, nodeById, type StepOutcome } from '@fixlify/workflow';

type StepNode = Exclude<WorkflowNode, { type: 'trigger' }>;

/** A step an enrolled record started past, and when it would have run on the record's own clock. */
export interface PassedStep {
  node: StepNode;
  dueAt: Date;
}

/** Where an enrolled record starts: the continuation after the last delay that has already ended. */
export interface Placement {
  cont: Continuation;
  /** the record's virtual clock at that point: the end of the last passed delay (asOf if none) */
  clock: Date;
  /** the steps before that point, in walk order (they are recorded as skipped, never run) */
  skipped: PassedStep[];
}

/**
 * Places an enrolled record at the step it would be at by now. The walk starts at the trigger with a
 * virtual clock at `asOf` (when the record met the trigger) and follows the path the current data
 * takes (conditions and loops evaluated on the record as it is now): a delay computes its end from the
 * virtual clock; one that has ended (≤ now) moves the clock to its end and everything before it is
 * passed. The walk stops at the first delay still in the future, at the end, or at a step it cannot
 * evaluate without running the steps before it (a loop or delay whose input cannot be read): the
 * record is placed after the last passed delay, so the actions of that current segment run now and
 * the next delay ends on the virtual clock. Pure: the same inputs give the same placement.
 */
export const placeEnrollment = (
  def: WorkflowDefinition,
  scopeOf: (cont: Continuation) => Record<string, unknown>,
  renderOpts: { locale: string; timeZone: string; currency: string },
  asOf: Date,
  now: Date,
): Placement => {
  const start = initialContinuation(def);
  // a record cannot have met its trigger in the future (a clock ahead): it starts now
  let clock = asOf.getTime() > now.getTime() ? now : asOf;
  let placement: Placement = { cont: start, clock, skipped: [] };
  let cont = start;
  // steps walked since the last passed delay: passed too once a later delay has ended
  let segment: PassedStep[] = [];
  const passed: PassedStep[] = [];
  while (cont.cursor !== null && cont.steps < MAX_STEPS_PER_EXECUTION) {
    const node = nodeById(def, cont.cursor);
    if (!node) break;
    let outcome: StepOutcome;
    try {
      if (node.type === 'trigger') outcome = { kind: 'next' };
      else if (node.type === 'condition') outcome = { kind: 'branch', branch: evaluateCondition(node.config.when, scopeOf(cont)) ? 'true' : 'false' };
      else if (node.type === 'loop') outcome = { kind: 'loop_enter', items: loopItems(node.config, scopeOf(cont)) };
      else if (node.type === 'delay') {
        const until = delayUntil(node.config, scopeOf(cont), renderOpts, clock);
        if (until.getTime() > now.getTime()) break;
        passed.push(...segment, { node, dueAt: until });
        segment = [];
        clock = until;
        cont = advance(def, cont, { kind: 'next' });
        placement = { cont, clock, skipped: [...passed] };
        continue;
      } else outcome = { kind: 'next' };
      if (node.type !== 'trigger') segment.push({ node, dueAt: clock });
      cont = advance(def, cont, outcome);
    } catch {
      // the engine reports the error when it runs the step for real
      break;
    }
  }
  return placement;
};
