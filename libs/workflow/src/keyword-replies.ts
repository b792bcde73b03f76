import { keywordRepliesVersionId, keywordRepliesWorkflowId, type DomainEvent, type PublishedWorkflow } from '@fixlify/contracts';

/**
 * The built-in workflow that answers an organization's SMS keywords (STOP, START, HELP): one step,
 * the reply ingest chose (the organization's text or the default) to the sender. It is no row of the
 * organization's workflows: the matcher starts it for keyword events only (they name it), so no
 * definition of an organization can start it, and the executor lets it, alone, text a number that
 * has just opted out (the one confirmation the carriers require).
 */
export const keywordRepliesWorkflow = (ev: DomainEvent): PublishedWorkflow | null => {
  if (ev.type !== 'sms_received' || ev.workflowId !== keywordRepliesWorkflowId(ev.organizationId)) return null;
  if (typeof ev.data.reply !== 'string' || typeof ev.data.from !== 'string') return null;
  return {
    v: 1,
    workflowId: ev.workflowId,
    organizationId: ev.organizationId,
    name: 'SMS keyword replies',
    version: 1,
    versionId: keywordRepliesVersionId(ev.organizationId),
    triggerType: 'sms_received',
    definition: {
      schemaVersion: 1,
      nodes: [
        { id: 'trigger', type: 'trigger', trigger: { type: 'sms_received' } },
        { id: 'reply', type: 'send_sms', config: { to: '{{ trigger.from }}', body: '{{ trigger.reply }}' } },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'reply', branch: 'next' }],
      settings: { reenrollment: 'every_time' },
    },
    updatedAt: ev.emittedAt,
  };
};

/** Whether a workflow id is an organization's built-in keyword replies (the executor's exception to suppression). */
export const isKeywordRepliesWorkflow = (organizationId: string, workflowId: string): boolean => workflowId === keywordRepliesWorkflowId(organizationId);
