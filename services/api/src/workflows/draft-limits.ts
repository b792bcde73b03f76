import { LIMITS } from '@fixlify/contracts';
import { draftIssues, type ValidationIssue } from '@fixlify/workflow';
import { ApiError } from '../http/errors';

const KIB = 1024;

/** Bytes of a definition as JSON (UTF-8), as it is stored and as it travels on Kafka. */
export const draftBytes = (definition: unknown): number => Buffer.byteLength(JSON.stringify(definition) ?? '', 'utf8');

const tooLargeMessage = (bytes: number): string =>
  `the workflow definition is ${bytes} bytes of JSON, more than the ${LIMITS.workflowDraftBytes} bytes (${LIMITS.workflowDraftBytes / KIB} KiB) a workflow may have`;

/**
 * What a saved draft must respect even unfinished (POST/PUT /api/workflows): at most
 * LIMITS.workflowDraftBytes of JSON (413 payload_too_large), and no field or type the contract does
 * not know (422 invalid_workflow, the issues in details). Checked before anything is written.
 */
export const assertDraftAcceptable = (definition: unknown): void => {
  const bytes = draftBytes(definition);
  if (bytes > LIMITS.workflowDraftBytes) {
    throw new ApiError('payload_too_large', tooLargeMessage(bytes), { bytes, maxBytes: LIMITS.workflowDraftBytes });
  }
  const issues = draftIssues(definition);
  if (issues.length > 0) {
    const unknown = issues.length === 1 ? issues[0]!.message : `${issues.length} unknown fields or types, the first: ${issues[0]!.message}`;
    throw new ApiError('invalid_workflow', `the draft has ${unknown}; remove them (drafts may be unfinished, but hold only what the builder knows)`, issues);
  }
};

/** A stored draft over the limit (written around the API) is not published or test-run: one issue for the 422. */
export const draftSizeIssues = (definition: unknown): ValidationIssue[] => {
  const bytes = draftBytes(definition);
  return bytes > LIMITS.workflowDraftBytes ? [{ nodeId: null, path: '', code: 'too_large', message: tooLargeMessage(bytes) }] : [];
};
