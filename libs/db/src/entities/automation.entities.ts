import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

const ts = { type: 'timestamptz' as const };

@Entity({ name: 'automation_workflows' })
export class AutomationWorkflow {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'organization_id' }) organizationId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text', nullable: true }) description!: string | null;
  @Column({ type: 'text' }) status!: string;
  @Column({ type: 'boolean', name: 'is_active' }) isActive!: boolean;
  @Column({ type: 'text', name: 'trigger_type', nullable: true }) triggerType!: string | null;
  @Column({ type: 'jsonb', name: 'trigger_config' }) triggerConfig!: Record<string, unknown>;
  @Column({ type: 'jsonb' }) definition!: Record<string, unknown>;
  @Column({ type: 'uuid', name: 'published_version_id', nullable: true }) publishedVersionId!: string | null;
  @Column({ type: 'int', name: 'current_version' }) currentVersion!: number;
  @Column({ type: 'uuid', name: 'template_id', nullable: true }) templateId!: string | null;
  @Column({ type: 'text', name: 'webhook_secret', nullable: true }) webhookSecret!: string | null;
  @Column({ type: 'int', name: 'execution_count' }) executionCount!: number;
  @Column({ type: 'int', name: 'success_count' }) successCount!: number;
  @Column({ type: 'int', name: 'failure_count' }) failureCount!: number;
  @Column({ ...ts, name: 'last_triggered_at', nullable: true }) lastTriggeredAt!: Date | null;
  @Column({ ...ts, name: 'created_at' }) createdAt!: Date;
  @Column({ ...ts, name: 'updated_at' }) updatedAt!: Date;
}

@Entity({ name: 'automation_workflow_versions' })
export class AutomationWorkflowVersion {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'workflow_id' }) workflowId!: string;
  @Column({ type: 'uuid', name: 'organization_id' }) organizationId!: string;
  @Column({ type: 'int' }) version!: number;
  @Column({ type: 'text', name: 'trigger_type' }) triggerType!: string;
  @Column({ type: 'jsonb' }) definition!: Record<string, unknown>;
  @Column({ type: 'text', name: 'published_by', nullable: true }) publishedBy!: string | null;
  @Column({ ...ts, name: 'published_at' }) publishedAt!: Date;
}

@Entity({ name: 'automation_templates' })
export class AutomationTemplate {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text' }) slug!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text' }) description!: string;
  @Column({ type: 'text' }) category!: string;
  @Column({ type: 'text', name: 'trigger_type' }) triggerType!: string;
  @Column({ type: 'jsonb' }) definition!: Record<string, unknown>;
  @Column({ type: 'text', array: true }) tags!: string[];
  @Column({ type: 'int', name: 'usage_count' }) usageCount!: number;
  @Column({ type: 'int', name: 'rating_sum' }) ratingSum!: number;
  @Column({ type: 'int', name: 'rating_count' }) ratingCount!: number;
  @Column({ type: 'boolean', name: 'is_featured' }) isFeatured!: boolean;
}

@Entity({ name: 'automation_execution_logs' })
export class AutomationExecutionLog {
  @PrimaryColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'organization_id' }) organizationId!: string;
  @Column({ type: 'uuid', name: 'workflow_id' }) workflowId!: string;
  @Column({ type: 'uuid', name: 'version_id' }) versionId!: string;
  @Column({ type: 'text' }) status!: string;
  @Column({ type: 'text', name: 'trigger_type', nullable: true }) triggerType!: string | null;
  @Column({ type: 'jsonb', name: 'trigger_data' }) triggerData!: Record<string, unknown>;
  @Column({ type: 'jsonb', name: 'actions_executed' }) actionsExecuted!: unknown[];
  @Column({ type: 'text', name: 'error_message', nullable: true }) errorMessage!: string | null;
  @Column({ type: 'int', name: 'retry_count' }) retryCount!: number;
  @Column({ ...ts, name: 'started_at', nullable: true }) startedAt!: Date | null;
  @Column({ ...ts, name: 'completed_at', nullable: true }) completedAt!: Date | null;
  @Column({ type: 'int', name: 'execution_time_ms', nullable: true }) executionTimeMs!: number | null;
}

@Entity({ name: 'automation_metrics' })
export class AutomationMetric {
  @PrimaryColumn('uuid', { name: 'workflow_id' }) workflowId!: string;
  @PrimaryColumn('text') period!: string;
  @PrimaryColumn({ ...ts, name: 'period_start' }) periodStart!: Date;
  @Column({ type: 'uuid', name: 'organization_id' }) organizationId!: string;
  @Column({ type: 'int', name: 'total_executions' }) totalExecutions!: number;
  @Column({ type: 'int', name: 'successful_executions' }) successfulExecutions!: number;
  @Column({ type: 'int', name: 'failed_executions' }) failedExecutions!: number;
  @Column({ type: 'int', name: 'avg_execution_time_ms' }) avgExecutionTimeMs!: number;
  @Column({ type: 'int', name: 'p95_execution_time_ms' }) p95ExecutionTimeMs!: number;
  @Column({ type: 'int', name: 'emails_sent' }) emailsSent!: number;
  @Column({ type: 'int', name: 'sms_sent' }) smsSent!: number;
  @Column({ type: 'int', name: 'push_sent' }) pushSent!: number;
  @Column({ type: 'int', name: 'webhooks_sent' }) webhooksSent!: number;
  @Column({ type: 'int', name: 'suppressed_messages' }) suppressedMessages!: number;
}
