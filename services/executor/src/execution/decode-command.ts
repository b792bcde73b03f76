import type { KafkaMessage } from 'kafkajs';
import { z } from 'zod';
import { Command, WorkflowDefinition } from '@fixlify/contracts';
import type { Decoded } from '@fixlify/kafka';
import { DefinitionCache } from './definitions';

const issuesOf = (e: z.ZodError): string =>
  e.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');

type WithDefinition = Extract<Command, { kind: 'start' | 'resume' }>;

// every command variant without its definition: the definition is validated once per version
const variants = Command.options as readonly z.ZodObject[];
const Shell = z.discriminatedUnion(
  'kind',
  variants.map((o) => ('definition' in o.shape ? o.omit({ definition: true }) : o)) as unknown as [z.ZodObject, z.ZodObject, z.ZodObject],
);

/**
 * Decodes a command with the contract's schemas, validating each workflow version's definition
 * once: versions are immutable (one version id, one definition). Sharing one parsed definition
 * object per version also lets the walker keep its graph index between commands. A command of a
 * stored version travels without its definition: the batch's DefinitionStore.resolve fills it (from
 * the same cache, else with one query for the batch).
 */
export const createCommandDecoder = (definitions: DefinitionCache = new DefinitionCache()): ((m: KafkaMessage) => Decoded<Command>) => {
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
    if (cmd.kind === 'cancel') return { ok: true, value: cmd as Command };
    if (definition === undefined) return { ok: true, value: cmd as Command };
    const d = definition as { nodes?: unknown[]; edges?: unknown[] };
    const hit = definitions.get(cmd.versionId);
    if (hit && Array.isArray(d.nodes) && d.nodes.length === hit.nodes && Array.isArray(d.edges) && d.edges.length === hit.edges) {
      return { ok: true, value: { ...cmd, definition: hit.def } as Command };
    }
    const parsed = WorkflowDefinition.safeParse(definition);
    if (!parsed.success) return { ok: false, reason: `schema: ${issuesOf(parsed.error).replace(/(^|; )/g, '$1definition.')}` };
    // a stored version's entry is kept as it is (it says commands may travel without it)
    if (!hit?.stored)
      definitions.set(cmd.versionId, {
        def: parsed.data,
        nodes: parsed.data.nodes.length,
        edges: parsed.data.edges.length,
        organizationId: null,
        stored: false,
      });
    return { ok: true, value: { ...cmd, definition: parsed.data } as Command };
  };
};
