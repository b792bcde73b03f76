import type { KafkaMessage } from 'kafkajs';
import { z } from 'zod';
import { Command, WorkflowDefinition } from '@fixlify/contracts';
import type { Decoded } from '@fixlify/kafka';

const issuesOf = (e: z.ZodError): string =>
  e.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');

type WithDefinition = Extract<Command, { definition: unknown }>;

// every command variant without its definition: the definition is validated once per version
const variants = Command.options as readonly z.ZodObject[];
const Shell = z.discriminatedUnion(
  'kind',
  variants.map((o) => ('definition' in o.shape ? o.omit({ definition: true }) : o)) as unknown as [z.ZodObject, z.ZodObject, z.ZodObject],
);

/**
 * Decodes a command with the contract's schemas, validating each workflow version's definition
 * once: versions are immutable (one version id, one definition), and a command carries its
 * version's definition every time. Sharing one parsed definition object per version also lets
 * the walker keep its graph index between commands. The cache holds the last `size` versions.
 */
export const createCommandDecoder = (size = 2000): ((m: KafkaMessage) => Decoded<Command>) => {
  const definitions = new Map<string, { def: WorkflowDefinition; nodes: number; edges: number }>();
  return (m) => {
    if (m.value === null) return { ok: 'skip' };
    let raw: unknown;
    try {
      raw = JSON.parse(m.value.toString('utf8'));
    } catch (e) {
      return { ok: false, reason: `not JSON: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: 'schema: (root): expected an object' };
    const { definition, ...rest } = raw as Record<string, unknown>;
    const shell = Shell.safeParse(rest);
    if (!shell.success) return { ok: false, reason: `schema: ${issuesOf(shell.error)}` };
    const cmd = shell.data as Omit<WithDefinition, 'definition'> | Extract<Command, { kind: 'cancel' }>;
    if (cmd.kind === 'cancel') return { ok: true, value: cmd };
    const d = definition as { nodes?: unknown[]; edges?: unknown[] } | undefined;
    const hit = definitions.get(cmd.versionId);
    if (hit && Array.isArray(d?.nodes) && d.nodes.length === hit.nodes && Array.isArray(d.edges) && d.edges.length === hit.edges) {
      definitions.delete(cmd.versionId);
      definitions.set(cmd.versionId, hit);
      return { ok: true, value: { ...cmd, definition: hit.def } as Command };
    }
    const parsed = WorkflowDefinition.safeParse(definition);
    if (!parsed.success) return { ok: false, reason: `schema: ${issuesOf(parsed.error).replace(/(^|; )/g, '$1definition.')}` };
    definitions.set(cmd.versionId, { def: parsed.data, nodes: parsed.data.nodes.length, edges: parsed.data.edges.length });
    if (definitions.size > size) definitions.delete(definitions.keys().next().value!);
    return { ok: true, value: { ...cmd, definition: parsed.data } as Command };
  };
};
