import { branchesOf, flowKindOf, type Draft } from './model';

export const COLUMN_WIDTH = 280;
export const ROW_HEIGHT = 150;

/**
 * Positions for steps that have none: rows by distance from the trigger, branches side by side
 * (a condition's "yes" to the left of its "no"). Steps not reachable go in a row of their own below.
 */
export const autoLayout = (draft: Draft): Map<string, { x: number; y: number }> => {
  const out = new Map<string, { x: number; y: number }>();
  const byId = new Map(draft.nodes.map((n) => [n.id, n]));
  const rows: string[][] = [];
  const depth = new Map<string, number>();
  const trigger = draft.nodes.find((n) => n.type === 'trigger') ?? draft.nodes[0];
  if (trigger) {
    const queue: string[] = [trigger.id];
    depth.set(trigger.id, 0);
    while (queue.length > 0) {
      const id = queue.shift()!;
      const d = depth.get(id)!;
      (rows[d] ??= []).push(id);
      const node = byId.get(id);
      const order = node ? branchesOf(flowKindOf(node.type)) : ['next'];
      const outs = draft.edges.filter((e) => e.source === id).sort((a, b) => order.indexOf(a.branch ?? 'next') - order.indexOf(b.branch ?? 'next'));
      for (const e of outs) {
        if (depth.has(e.target) || !byId.has(e.target)) continue;
        depth.set(e.target, d + 1);
        queue.push(e.target);
      }
    }
  }
  const orphans = draft.nodes.filter((n) => !depth.has(n.id)).map((n) => n.id);
  if (orphans.length) rows.push(orphans);
  rows.forEach((row, r) => row.forEach((id, i) => out.set(id, { x: (i - (row.length - 1) / 2) * COLUMN_WIDTH, y: r * ROW_HEIGHT })));
  return out;
};
