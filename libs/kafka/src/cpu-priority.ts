import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Lowers this process's CPU priority to `nice` (0–19; 0 leaves it alone), so the kernel gives the CPU
 * to normal-priority work first: backfill work (the replay service, an executor dedicated to the
 * replay lane) then runs on spare capacity. On Linux a nice value belongs to a thread, so every
 * thread of the process (libuv's pool, V8's helpers) is lowered; threads started later inherit it.
 * Raising a priority needs privileges and is not attempted. Returns the nice value now in force.
 */
export const lowerCpuPriority = (nice: number): number => {
  if (!Number.isInteger(nice) || nice < 0 || nice > 19) throw new Error(`nice must be an integer from 0 to 19, got ${nice}`);
  if (nice === 0 || getPriority() >= nice) return getPriority();
  let tids: number[] = [];
  try {
    tids = readdirSync('/proc/self/task').map(Number);
  } catch {
    // not Linux: the process's priority is the priority of all its threads
  }
  for (const tid of tids.length ? tids : [0]) setPriority(tid, nice);
  return getPriority();
};
