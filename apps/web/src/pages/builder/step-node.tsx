import { Handle, Position, type NodeProps, type NodeTypes } from '@xyflow/react';
import { BRANCH_LABELS } from '../../diagram/model';
import type { StepFlowNode } from '../../diagram/to-flow';

const KIND_LABEL: Record<StepFlowNode['type'], string> = { trigger: 'When', action: 'Do', condition: 'If', delay: 'Wait', loop: 'Repeat' };

/** One view for every kind of step; the kind decides the handles (a condition has yes/no, a loop body/done). */
const StepView = ({ id, type, data, selected }: NodeProps<StepFlowNode>) => {
  const n = data.branches.length;
  return (
    <div
      className={`step step-${type}${data.issues.length ? ' step-invalid' : ''}${selected ? ' step-selected' : ''}${data.runStatus ? ` step-run-${data.runStatus}` : ''}`}
      data-step-id={id}
      data-step-type={data.stepType}
      aria-label={`${data.title}${data.issues.length ? `, ${data.issues.length} problem(s)` : ''}`}
    >
      {type !== 'trigger' && <Handle type="target" position={Position.Top} id="in" />}
      <div className="step-kind">
        {KIND_LABEL[type]} <span className="step-id">{id}</span>
      </div>
      <div className="step-title">{data.title}</div>
      {data.subtitle && <div className="step-sub">{data.subtitle}</div>}
      {data.issues.length > 0 && (
        <ul className="step-issues" role="list">
          {data.issues.slice(0, 3).map((m, i) => (
            <li key={i}>{m}</li>
          ))}
          {data.issues.length > 3 && <li>and {data.issues.length - 3} more…</li>}
        </ul>
      )}
      {data.branches.map((b, i) => (
        <Handle key={b} type="source" position={Position.Bottom} id={b} style={{ left: `${((i + 1) * 100) / (n + 1)}%` }} title={BRANCH_LABELS[b] || 'next'}>
          {BRANCH_LABELS[b] && <span className="handle-label">{BRANCH_LABELS[b]}</span>}
        </Handle>
      ))}
    </div>
  );
};

export const NODE_TYPES = { trigger: StepView, action: StepView, condition: StepView, delay: StepView, loop: StepView } satisfies NodeTypes;
