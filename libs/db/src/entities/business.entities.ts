import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

const ts = { type: 'timestamptz' as const };

@Entity({ name: 'organizations' })
export class Organization {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text' }) locale!: string;
  @Column({ type: 'char', length: 3 }) currency!: string;
  @Column({ type: 'text', name: 'time_zone' }) timeZone!: string;
  @Column({ type: 'time', name: 'quiet_hours_start', nullable: true }) quietHoursStart!: string | null;
  @Column({ type: 'time', name: 'quiet_hours_end', nullable: true }) quietHoursEnd!: string | null;
  @Column({ ...ts, name: 'created_at' }) createdAt!: Date;
  @Column({ ...ts, name: 'updated_at' }) updatedAt!: Date;
}

@Entity({ name: 'clients' })
export class Client {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'organization_id' }) organizationId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text', nullable: true }) email!: string | null;
  @Column({ type: 'text', nullable: true }) phone!: string | null;
  @Column({ type: 'text', nullable: true }) address!: string | null;
  @Column({ type: 'text', name: 'time_zone', nullable: true }) timeZone!: string | null;
  @Column({ type: 'boolean', name: 'email_consent' }) emailConsent!: boolean;
  @Column({ type: 'boolean', name: 'sms_consent' }) smsConsent!: boolean;
  @Column({ type: 'boolean', name: 'push_consent' }) pushConsent!: boolean;
  @Column({ ...ts, name: 'created_at' }) createdAt!: Date;
  @Column({ ...ts, name: 'updated_at' }) updatedAt!: Date;
}

@Entity({ name: 'technicians' })
export class Technician {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'organization_id' }) organizationId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text', nullable: true }) email!: string | null;
  @Column({ type: 'text', nullable: true }) phone!: string | null;
  @Column({ type: 'boolean', name: 'is_active' }) isActive!: boolean;
}

@Entity({ name: 'jobs' })
export class Job {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'organization_id' }) organizationId!: string;
  @Column({ type: 'uuid', name: 'client_id', nullable: true }) clientId!: string | null;
  @Column({ type: 'uuid', name: 'technician_id', nullable: true }) technicianId!: string | null;
  @Column({ type: 'text' }) title!: string;
  @Column({ type: 'text' }) status!: string;
  @Column({ ...ts, name: 'scheduled_start', nullable: true }) scheduledStart!: Date | null;
  @Column({ ...ts, name: 'scheduled_end', nullable: true }) scheduledEnd!: Date | null;
  @Column({ ...ts, name: 'completed_at', nullable: true }) completedAt!: Date | null;
  @Column({ type: 'numeric', precision: 12, scale: 2 }) total!: string;
  @Column({ ...ts, name: 'created_at' }) createdAt!: Date;
}

@Entity({ name: 'invoices' })
export class Invoice {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'organization_id' }) organizationId!: string;
  @Column({ type: 'uuid', name: 'client_id', nullable: true }) clientId!: string | null;
  @Column({ type: 'uuid', name: 'job_id', nullable: true }) jobId!: string | null;
  @Column({ type: 'text' }) number!: string;
  @Column({ type: 'text' }) status!: string;
  @Column({ type: 'numeric', precision: 12, scale: 2 }) amount!: string;
  @Column({ type: 'char', length: 3 }) currency!: string;
  @Column({ type: 'date', name: 'due_date', nullable: true }) dueDate!: string | null;
}

@Entity({ name: 'estimates' })
export class Estimate {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'organization_id' }) organizationId!: string;
  @Column({ type: 'uuid', name: 'client_id', nullable: true }) clientId!: string | null;
  @Column({ type: 'text' }) number!: string;
  @Column({ type: 'text' }) status!: string;
  @Column({ type: 'numeric', precision: 12, scale: 2 }) amount!: string;
  @Column({ type: 'char', length: 3 }) currency!: string;
}

@Entity({ name: 'tasks' })
export class Task {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid', name: 'organization_id' }) organizationId!: string;
  @Column({ type: 'uuid', name: 'job_id', nullable: true }) jobId!: string | null;
  @Column({ type: 'uuid', name: 'technician_id', nullable: true }) technicianId!: string | null;
  @Column({ type: 'text' }) title!: string;
  @Column({ type: 'text', nullable: true }) description!: string | null;
  @Column({ type: 'text' }) status!: string;
  @Column({ ...ts, name: 'due_at', nullable: true }) dueAt!: Date | null;
}
