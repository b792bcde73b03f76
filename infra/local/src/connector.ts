import * as fs from 'node:fs';
import * as path from 'node:path';
import { CAPTURED_TABLES, LIMITS, RETENTION, days } from '@fixlify/contracts';
import type { StackConfig } from './config';

export const CONNECTOR_NAME = 'fixlify-postgres';
export const POSTGRES_CONNECTOR_CLASS = 'io.debezium.connector.postgresql.PostgresConnector';
/** Fixlify's transform (infra/local/maven/connect-smt): an oversized change becomes a marker instead of failing the task. */
export const OVERSIZED_TRANSFORM_CLASS = 'io.fixlify.connect.OversizedToMarker';

/** Settings of the JSON file that must agree with LIMITS and RETENTION in @fixlify/contracts (README "Limits", "Storage"). */
export const LIMIT_SETTINGS: Readonly<Record<string, string>> = {
  transforms: 'oversized',
  'transforms.oversized.type': OVERSIZED_TRANSFORM_CLASS,
  'transforms.oversized.max.bytes': String(LIMITS.cdcRecordBytes),
  'topic.creation.default.max.message.bytes': String(LIMITS.kafkaMessageBytes),
  'topic.creation.default.retention.ms': String(days(RETENTION.cdcDays)),
  'topic.creation.default.compression.type': 'zstd',
};

export const connectorFile = (repoRoot: string) => path.join(repoRoot, 'infra', 'connect', `${CONNECTOR_NAME}.json`);

/** The `table.include.list` the contracts require (the JSON file keeps a literal copy for curl users). */
export const capturedTableList = (): string => CAPTURED_TABLES.map((t) => `public.${t}`).join(',');

/**
 * Fills `${NAME}` placeholders. An unknown placeholder is an error rather than a literal value,
 * because Connect would otherwise take `${X}` for a config-provider reference.
 */
export function fillPlaceholders(template: Record<string, unknown>, values: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(template)) {
    if (typeof raw !== 'string') throw new Error(`${key}: every connector setting must be a string, got ${typeof raw}`);
    out[key] = raw.replace(/\$\{([A-Z0-9_]+)\}/g, (_m, name: string) => {
      const v = values[name];
      if (v === undefined) throw new Error(`${key}: unknown placeholder \${${name}}`);
      return v;
    });
  }
  return out;
}

/** The connector config to PUT, from infra/connect/fixlify-postgres.json; checks the table list against the contracts. */
export function renderConnectorConfig(config: StackConfig, template?: Record<string, unknown>): Record<string, string> {
  const tpl = template ?? (JSON.parse(fs.readFileSync(connectorFile(config.repoRoot), 'utf8')) as Record<string, unknown>);
  const rendered = fillPlaceholders(tpl, {
    PG_HOST: config.pg.host,
    PG_PORT: String(config.pg.port),
    PG_USER: config.pg.user,
    PG_DATABASE: config.pg.database,
    CDC_PREFIX: config.cdcPrefix,
  });
  const want = capturedTableList();
  if (rendered['table.include.list'] !== want) {
    throw new Error(`infra/connect/${CONNECTOR_NAME}.json: table.include.list must equal CAPTURED_TABLES from @fixlify/contracts:\n  ${want}`);
  }
  for (const [key, value] of Object.entries(LIMIT_SETTINGS)) {
    if (rendered[key] !== value) {
      throw new Error(
        `infra/connect/${CONNECTOR_NAME}.json: ${key} must be ${JSON.stringify(value)} (LIMITS in @fixlify/contracts), got ${JSON.stringify(rendered[key])}`,
      );
    }
  }
  return rendered;
}

/** Connect echoes `name` back in GET /config; compare without it. */
export function sameConnectorConfig(current: Record<string, string>, wanted: Record<string, string>): boolean {
  const strip = (c: Record<string, string>) =>
    Object.entries(c)
      .filter(([k]) => k !== 'name')
      .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(strip(current)) === JSON.stringify(strip(wanted));
}
