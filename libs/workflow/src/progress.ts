import type { Continuation } from '@fixlify/contracts';

/** Attempts of one step stay below this, so steps and attempt fold into one ordered number. */
const ATTEMPTS_PER_STEP = 1000;

/**
 * How far an execution has come, as the executor orders its commands: the steps run so far, then
 * the attempt at the cursor. A command runs only if it moves this forward (a late copy does not).
 */
export const continuationProgress = (c: Pick<Continuation, 'steps' | 'attempt'>): number => c.steps * ATTEMPTS_PER_STEP + c.attempt;

/** The steps part of a recorded progress. */
export const stepsOfProgress = (progress: number): number => Math.floor(progress / ATTEMPTS_PER_STEP);
