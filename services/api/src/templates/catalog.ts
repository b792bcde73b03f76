import type { WorkflowDefinitionInput } from '@fixlify/contracts';

export interface TemplateSeed {
  slug: string;
  name: string;
  description: string;
  category: 'Appointments' | 'Jobs' | 'Invoices & payments' | 'Estimates' | 'Clients' | 'Team';
  tags: string[];
  featured?: boolean;
  definition: WorkflowDefinitionInput;
}

const DAY = 86_400;
const trigger = (t: WorkflowDefinitionInput['nodes'][number]) => t;

/**
 * Field-service workflows a business switches on as they are (or after a wording change).
 * Each definition must pass validateWorkflow (templates/catalog.spec.ts); the API upserts them at boot.
 */
export const TEMPLATE_SEEDS: TemplateSeed[] = [
  {
    slug: 'appointment-reminder-day-before',
    name: 'Appointment reminder the day before',
    description: 'Texts the client 24 hours before the scheduled visit, with the time in their time zone.',
    category: 'Appointments',
    tags: ['sms', 'reminder'],
    featured: true,
    definition: {
      nodes: [
        trigger({
          id: 'trigger',
          type: 'trigger',
          label: 'Job scheduled',
          trigger: { type: 'job_created', filter: { field: 'after.scheduled_start', op: 'is_not_empty' } },
        }),
        { id: 'wait', type: 'delay', label: 'Until the day before', config: { mode: 'until', at: '{{ job.scheduled_start }}', offsetSeconds: -DAY } },
        {
          id: 'remind',
          type: 'send_sms',
          label: 'Reminder SMS',
          config: {
            to: '{{ client.phone }}',
            body: 'Hi {{ client.name }}, a reminder from {{ organization.name }}: we will see you {{ job.scheduled_start | datetime }} for "{{ job.title }}". Reply STOP to opt out.',
          },
        },
      ],
      edges: [
        { id: 'e1', source: 'trigger', target: 'wait' },
        { id: 'e2', source: 'wait', target: 'remind' },
      ],
    },
  },
  {
    slug: 'technician-on-the-way',
    name: 'Technician on the way',
    description: 'When a job goes en route, tells the client who is coming.',
    category: 'Appointments',
    tags: ['sms', 'status'],
    featured: true,
    definition: {
      nodes: [
        {
          id: 'trigger',
          type: 'trigger',
          label: 'Job en route',
          trigger: { type: 'job_status_changed', filter: { field: 'status', op: 'changed', to: 'en_route' } },
        },
        {
          id: 'notify',
          type: 'send_sms',
          label: 'On-the-way SMS',
          config: {
            to: '{{ client.phone }}',
            body: '{{ technician.name | default: "Your technician" }} from {{ organization.name }} is on the way to {{ job.address | default: "you" }}.',
          },
        },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'notify' }],
    },
  },
  {
    slug: 'job-completed-thank-you-review',
    name: 'Job completed: thank-you and review request',
    description: 'Thanks the client when the job is done, then asks for a review two days later.',
    category: 'Jobs',
    tags: ['sms', 'email', 'review'],
    featured: true,
    definition: {
      nodes: [
        { id: 'trigger', type: 'trigger', label: 'Job completed', trigger: { type: 'job_completed' } },
        {
          id: 'thanks',
          type: 'send_sms',
          label: 'Thank-you SMS',
          config: { to: '{{ client.phone }}', body: 'Thank you {{ client.name }}! "{{ job.title }}" is complete. — {{ organization.name }}' },
        },
        { id: 'wait', type: 'delay', label: 'Two days later', config: { mode: 'duration', seconds: 2 * DAY } },
        {
          id: 'review',
          type: 'send_email',
          label: 'Review request',
          config: {
            to: '{{ client.email }}',
            subject: 'How did we do, {{ client.name }}?',
            text: 'Hi {{ client.name }},\n\nThank you for choosing {{ organization.name }} for "{{ job.title }}". Would you take a minute to leave us a review? It helps a small business like ours a lot.\n\n— {{ organization.name }}',
          },
        },
      ],
      edges: [
        { id: 'e1', source: 'trigger', target: 'thanks' },
        { id: 'e2', source: 'thanks', target: 'wait' },
        { id: 'e3', source: 'wait', target: 'review' },
      ],
    },
  },
  {
    slug: 'invoice-sent',
    name: 'Invoice sent',
    description: 'E-mails the client the amount and due date as soon as an invoice is sent.',
    category: 'Invoices & payments',
    tags: ['email', 'invoice'],
    definition: {
      nodes: [
        { id: 'trigger', type: 'trigger', label: 'Invoice sent', trigger: { type: 'invoice_sent' } },
        {
          id: 'email',
          type: 'send_email',
          label: 'Invoice e-mail',
          config: {
            to: '{{ client.email }}',
            subject: 'Invoice {{ invoice.number }} from {{ organization.name }}',
            text: 'Hi {{ client.name }},\n\nInvoice {{ invoice.number }} for {{ invoice.amount | money: invoice.currency }} is due {{ invoice.due_date | date_only }}.\n\nThank you for your business!',
          },
        },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'email' }],
    },
  },
  ...([3, 7, 14] as const).map((days): TemplateSeed => ({
    slug: `invoice-overdue-${days}-days`,
    name: `Invoice overdue reminder (${days} days)`,
    description: `Reminds the client when an invoice is ${days} days past due and still unpaid.`,
    category: 'Invoices & payments',
    tags: ['email', 'sms', 'overdue', 'collections'],
    featured: days === 3,
    definition: {
      nodes: [
        { id: 'trigger', type: 'trigger', label: `${days} days overdue`, trigger: { type: 'invoice_overdue', config: { daysOverdue: days } } },
        {
          id: 'email',
          type: 'send_email',
          label: 'Reminder e-mail',
          config: {
            to: '{{ client.email }}',
            subject: `${days >= 14 ? 'Final reminder' : 'Reminder'}: invoice {{ invoice.number }} is past due`,
            text: `Hi {{ client.name }},\n\nInvoice {{ invoice.number }} ({{ invoice.amount | money: invoice.currency }}) was due {{ invoice.due_date | date_only }} and is now ${days} days past due.${days >= 14 ? ' Please pay it this week or call us to arrange a plan.' : ' If you have paid already, thank you and please ignore this message.'}\n\n— {{ organization.name }}`,
          },
        },
        ...(days >= 7
          ? [
              {
                id: 'sms',
                type: 'send_sms' as const,
                label: 'Reminder SMS',
                config: {
                  to: '{{ client.phone }}',
                  body: `{{ organization.name }}: invoice {{ invoice.number }} is ${days} days past due. Details were sent to {{ client.email }}.`,
                },
              },
            ]
          : []),
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'email' }, ...(days >= 7 ? [{ id: 'e2', source: 'email', target: 'sms' }] : [])],
    },
  })),
  {
    slug: 'payment-received',
    name: 'Payment received',
    description: 'Sends a receipt the moment an invoice is paid.',
    category: 'Invoices & payments',
    tags: ['email', 'receipt'],
    definition: {
      nodes: [
        { id: 'trigger', type: 'trigger', label: 'Invoice paid', trigger: { type: 'invoice_paid' } },
        {
          id: 'receipt',
          type: 'send_email',
          label: 'Receipt',
          config: {
            to: '{{ client.email }}',
            subject: 'Payment received — thank you!',
            text: 'Hi {{ client.name }},\n\nWe received {{ invoice.amount_paid | money: invoice.currency }} for invoice {{ invoice.number }}. Thank you!\n\n— {{ organization.name }}',
          },
        },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'receipt' }],
    },
  },
  {
    slug: 'estimate-follow-up',
    name: 'Estimate follow-up after 2 days',
    description: 'Two days after an estimate is sent, checks in with the client.',
    category: 'Estimates',
    tags: ['email', 'sales'],
    featured: true,
    definition: {
      nodes: [
        { id: 'trigger', type: 'trigger', label: 'Estimate sent', trigger: { type: 'estimate_sent' } },
        { id: 'wait', type: 'delay', label: 'Two days later', config: { mode: 'duration', seconds: 2 * DAY } },
        {
          id: 'follow',
          type: 'send_email',
          label: 'Follow-up e-mail',
          config: {
            to: '{{ client.email }}',
            subject: 'Any questions about estimate {{ estimate.number }}?',
            text: 'Hi {{ client.name }},\n\nWe sent you estimate {{ estimate.number }} for {{ estimate.amount | money: estimate.currency }}. Happy to answer any questions — just reply to this e-mail.\n\n— {{ organization.name }}',
          },
        },
      ],
      edges: [
        { id: 'e1', source: 'trigger', target: 'wait' },
        { id: 'e2', source: 'wait', target: 'follow' },
      ],
    },
  },
  {
    slug: 'estimate-accepted-create-task',
    name: 'Estimate accepted → schedule the job',
    description: 'Creates an office task to schedule the work when a client accepts an estimate.',
    category: 'Estimates',
    tags: ['task', 'sales'],
    definition: {
      nodes: [
        { id: 'trigger', type: 'trigger', label: 'Estimate accepted', trigger: { type: 'estimate_accepted' } },
        {
          id: 'task',
          type: 'create_task',
          label: 'Scheduling task',
          config: {
            title: 'Schedule the job for estimate {{ estimate.number }}',
            description: '{{ client.name }} accepted {{ estimate.amount | money: estimate.currency }}.',
            dueInHours: 24,
          },
        },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'task' }],
    },
  },
  {
    slug: 'client-win-back-90-days',
    name: 'Client win-back after 90 days',
    description: 'Reaches out to clients with no activity for 90 days.',
    category: 'Clients',
    tags: ['email', 'retention'],
    definition: {
      nodes: [
        { id: 'trigger', type: 'trigger', label: 'Inactive 90 days', trigger: { type: 'client_inactive', config: { days: 90 } } },
        {
          id: 'email',
          type: 'send_email',
          label: 'Win-back e-mail',
          config: {
            to: '{{ client.email }}',
            subject: 'We miss you, {{ client.name }}',
            text: "Hi {{ client.name }},\n\nIt's been a while! Seasonal maintenance keeps small problems small — reply to book a visit with {{ organization.name }}.",
          },
        },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'email' }],
    },
  },
  {
    slug: 'new-client-welcome',
    name: 'New client welcome',
    description: 'Welcomes a new client by e-mail, or by SMS when there is no e-mail address.',
    category: 'Clients',
    tags: ['email', 'sms', 'onboarding'],
    featured: true,
    definition: {
      nodes: [
        { id: 'trigger', type: 'trigger', label: 'Client created', trigger: { type: 'client_created' } },
        { id: 'has_email', type: 'condition', label: 'Has an e-mail?', config: { when: { field: 'client.email', op: 'is_not_empty' } } },
        {
          id: 'welcome_email',
          type: 'send_email',
          label: 'Welcome e-mail',
          config: {
            to: '{{ client.email }}',
            subject: 'Welcome to {{ organization.name }}',
            text: 'Hi {{ client.name }},\n\nThanks for choosing {{ organization.name }}. Save this address: we will send visit reminders and invoices from here.',
          },
        },
        {
          id: 'welcome_sms',
          type: 'send_sms',
          label: 'Welcome SMS',
          config: { to: '{{ client.phone }}', body: 'Welcome to {{ organization.name }}, {{ client.name }}! We will text you visit reminders here.' },
        },
      ],
      edges: [
        { id: 'e1', source: 'trigger', target: 'has_email' },
        { id: 'e2', source: 'has_email', target: 'welcome_email', branch: 'true' },
        { id: 'e3', source: 'has_email', target: 'welcome_sms', branch: 'false' },
      ],
    },
  },
  {
    slug: 'auto-assign-technician',
    name: 'Auto-assign a technician',
    description: 'Assigns new unassigned jobs to the least busy active technician.',
    category: 'Team',
    tags: ['dispatch'],
    definition: {
      nodes: [
        {
          id: 'trigger',
          type: 'trigger',
          label: 'Unassigned job created',
          trigger: { type: 'job_created', filter: { field: 'after.technician_id', op: 'is_empty' } },
        },
        { id: 'assign', type: 'assign_technician', label: 'Least busy technician', config: { jobId: '{{ job.id }}', strategy: 'least_busy' } },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'assign' }],
    },
  },
  {
    slug: 'daily-schedule-summary',
    name: 'Daily schedule summary to technicians',
    description: "Every weekday at 7:00, fetches today's schedule from your system and texts each technician their jobs.",
    category: 'Team',
    tags: ['sms', 'recurring', 'loop'],
    definition: {
      nodes: [
        {
          id: 'trigger',
          type: 'trigger',
          label: 'Weekdays 7:00',
          trigger: { type: 'recurring', config: { cron: '0 7 * * 1-5', timezone: 'America/New_York' } },
        },
        {
          id: 'fetch',
          type: 'api_call',
          label: "Today's schedule",
          config: { url: 'https://api.example.com/schedule/today', method: 'GET', saveAs: 'schedule', timeoutMs: 10_000 },
        },
        { id: 'each', type: 'loop', label: 'Each technician', config: { over: 'schedule.body.technicians', as: 'tech', maxIterations: 100 } },
        {
          id: 'text',
          type: 'send_sms',
          label: 'Schedule SMS',
          config: { to: '{{ tech.phone }}', body: 'Good morning {{ tech.name }}! Today: {{ tech.summary }}' },
        },
      ],
      edges: [
        { id: 'e1', source: 'trigger', target: 'fetch' },
        { id: 'e2', source: 'fetch', target: 'each' },
        { id: 'e3', source: 'each', target: 'text', branch: 'body' },
      ],
    },
  },
];
