import type { Continuation, WorkflowDefinition, WorkflowNode } from '@fixlify/contracts';
import { MAX_STEPS_PER_EXECUTION, advance, delayUntil, evaluateCondition, initialContinuation, loopItems, nodeById, type StepOutcome } from '@fixlify/workflow';

type StepNode = Exclude<WorkflowNode, { type: 'trigger' }>;

/** A step due less than this long ago is not late: an enrolled record that just met its trigger runs it. */
export const ENROLLMENT_GRACE_MS = 60 * 60_000;

/** A step an enrolled record started past, and when it would have run on the record's own clock. */
export interface PassedStep {
  node: StepNode;
  dueAt: Date;
}

/** Where an enrolled record starts: at the first wait it is in by now, or after the last wait that has ended. */
export interface Placement {
  cont: Continuation;
  /** the record's virtual clock at that point: the end of the last passed delay (asOf if none): the wait it is in ends on it */
  clock: Date;
  /** the steps before that point, in walk order (they are recorded as skipped, never run) */
  skipped: PassedStep[];
}

/**
 * Places an enrolled record at the step it would be at by now. The walk starts at the trigger with a
 * virtual clock at `asOf` (when the record met the trigger) and follows the path the current data
 * takes (conditions and loops evaluated on the record as it is now): a delay computes its end from the
 * virtual clock; one that has ended (≤ now) moves the clock to its end.
 * - The first delay still in the future is where the record is by now: it starts there, and every
 *   step before it is skipped (its time has passed). An invoice 12 days overdue, with reminders at
 *   day 0, 3 and 14, waits for the 14-day reminder (due in 2 days); the 0- and 3-day ones are skipped.
 * - With no delay in the future (the whole path would have run by now, or it has no delay), the record
 *   starts after the last delay that has ended: the last part of the path runs now, so enrolling the
 *   overdue invoices of a one-step "send a reminder" workflow sends each its reminder.
 * - Steps due less than ENROLLMENT_GRACE_MS (an hour) ago are not late: a record that met its trigger
 *   moments before it was enrolled runs them, as if live.
 * - A step the walk cannot evaluate without running the steps before it (a loop or delay whose input
 *   cannot be read) stops it there too: the record starts after the last passed delay.
 * Pure: the same inputs give the same placement.
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
        if (until.getTime() > now.getTime()) {
          // the record is in this wait by now: it starts here, and the steps before it (their time has
          // passed) are skipped — unless they were due moments ago (within the grace): then they run now
          if (now.getTime() - clock.getTime() > ENROLLMENT_GRACE_MS) placement = { cont, clock, skipped: [...passed, ...segment] };
          break;
        }
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
