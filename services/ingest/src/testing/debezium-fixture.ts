import type { DebeziumChangeEvent } from '@fixlify/contracts';

let lsn = 27_500_000;

/** A Debezium change event as the JSON converter writes it (schemas disabled); for tests. */
export const change = (
  table: string,
  op: DebeziumChangeEvent['op'],
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  source: Partial<DebeziumChangeEvent['source']> = {},
): DebeziumChangeEvent => ({
  before,
  after,
  op,
  source: { ts_ms: 1_795_752_065_291, lsn: (lsn += 120), txId: 734, table, schema: 'public', snapshot: 'false', ...source },
  ts_ms: 1_795_752_065_309,
});

export const ORG = '69a4b6ca-844a-4ff0-aea2-faa4983a6d9c';

export const jobRow = (o: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: '36c290c5-a69f-4349-ae2e-3e87e586802d',
  organization_id: ORG,
  client_id: '685d3cb4-1bb8-4928-b64e-03560a15f56f',
  technician_id: null,
  title: 'Replace boiler',
  description: null,
  status: 'scheduled',
  scheduled_start: '2026-11-27T09:00:00Z',
  scheduled_end: '2026-11-27T11:00:00Z',
  completed_at: null,
  total: '120.50',
  address: null,
  automation_execution_id: null,
  automation_depth: 0,
  created_at: '2026-11-27T04:01:05.289884Z',
  updated_at: '2026-11-27T04:01:05.289884Z',
  ...o,
});
