/**
 * Splits a batch so that no organization runs more than `share` items of it; the rest are
 * parked (and come back later through the timer poller). Order within an organization is kept,
 * so an execution's commands are never reordered: once one of an execution's commands is parked,
 * its later commands in the batch are parked too.
 */
export const splitByShare = <T>(items: readonly T[], share: number, orgOf: (t: T) => string, executionOf: (t: T) => string): { run: T[]; park: T[] } => {
  const count = new Map<string, number>();
  const parkedExecutions = new Set<string>();
  const run: T[] = [];
  const park: T[] = [];
  for (const item of items) {
    const org = orgOf(item);
    const n = count.get(org) ?? 0;
    if (n >= share || parkedExecutions.has(executionOf(item))) {
      park.push(item);
      parkedExecutions.add(executionOf(item));
    } else {
      count.set(org, n + 1);
      run.push(item);
    }
  }
  return { run, park };
};

/** Round-robin over organizations (first item of each, then the second of each…), order kept within one. */
export const interleaveByOrg = <T>(items: readonly T[], orgOf: (t: T) => string): T[] => {
  const queues = new Map<string, T[]>();
  for (const item of items) {
    const q = queues.get(orgOf(item));
    if (q) q.push(item);
    else queues.set(orgOf(item), [item]);
  }
  if (queues.size <= 1) return [...items];
  const out: T[] = [];
  const lists = [...queues.values()];
  for (let i = 0; out.length < items.length; i++) for (const q of lists) if (i < q.length) out.push(q[i]!);
  return out;
};
