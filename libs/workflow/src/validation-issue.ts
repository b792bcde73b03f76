import type { WorkflowNode } from '@fixlify/contracts';

/**
 * One problem in a workflow definition, phrased for the person building it in the visual editor.
 * `nodeId` points at the step to highlight (null for workflow-wide problems), `path` at the field
 * inside that step (`config.url`; '' for the step itself), `edgeId` at a connection when one is at fault.
 */
export interface ValidationIssue {
  nodeId: string | null;
  path: string;
  message: string;
  code: string;
  edgeId?: string;
}

const TYPE_LABELS: Record<WorkflowNode['type'], string> = {
  trigger: 'trigger',
  send_email: 'Send email',
  send_sms: 'Send SMS',
  send_push_notification: 'Send push notification',
  webhook: 'Webhook',
  api_call: 'API call',
  update_record: 'Update record',
  create_task: 'Create task',
  assign_technician: 'Assign technician',
  condition: 'Condition',
  delay: 'Delay',
  loop: 'Loop',
};

export const typeLabel = (type: WorkflowNode['type']): string => TYPE_LABELS[type];

/** How a message names a step: its label when it has one, else its type and id. */
export const stepName = (node: Pick<WorkflowNode, 'id' | 'type' | 'label'>): string =>
  node.label ? `"${node.label}"` : `${typeLabel(node.type)} step "${node.id}"`;
