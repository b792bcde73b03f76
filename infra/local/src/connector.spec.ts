import * as fs from 'node:fs';
import { CAPTURED_TABLES } from '@fixlify/contracts';
import { REPO_ROOT, parseStackConfig } from './config';
import { LIMIT_SETTINGS, capturedTableList, connectorFile, fillPlaceholders, renderConnectorConfig, sameConnectorConfig } from './connector';

describe('connector config', () => {
  const config = { ...parseStackConfig({ FIXLIFY_CDC_PREFIX: 'shop' }), repoRoot: REPO_ROOT };

  it('renders infra/connect/fixlify-postgres.json with every placeholder filled', () => {
    const c = renderConnectorConfig(config);
    expect(JSON.stringify(c)).not.toContain('${');
    expect(c).toMatchObject({
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'database.hostname': '127.0.0.1',
      'database.port': '55432',
      'database.user': 'postgres',
      'database.dbname': 'fixlify',
      'topic.prefix': 'shop',
      'plugin.name': 'pgoutput',
      'publication.autocreate.mode': 'filtered',
      'slot.name': 'fixlify_slot',
      'snapshot.mode': 'initial',
      'decimal.handling.mode': 'string',
      'tombstones.on.delete': 'false',
      'key.converter.schemas.enable': 'false',
      'value.converter.schemas.enable': 'false',
    });
  });

  it('keeps the table list of the JSON file equal to CAPTURED_TABLES', () => {
    expect(renderConnectorConfig(config)['table.include.list']).toBe(capturedTableList());
    expect(capturedTableList().split(',')).toHaveLength(CAPTURED_TABLES.length);
    expect(() => renderConnectorConfig(config, { 'table.include.list': 'public.jobs' })).toThrow(/CAPTURED_TABLES/);
  });

  it('sends oversized changes through the marker transform, with the limits of the contracts', () => {
    const c = renderConnectorConfig(config);
    expect(c).toMatchObject({
      transforms: 'oversized',
      'transforms.oversized.type': 'io.fixlify.connect.OversizedToMarker',
      'transforms.oversized.max.bytes': '12582912',
      'topic.creation.default.max.message.bytes': '16777216',
    });
    const template = JSON.parse(fs.readFileSync(connectorFile(REPO_ROOT), 'utf8')) as Record<string, string>;
    for (const key of Object.keys(LIMIT_SETTINGS)) {
      expect(() => renderConnectorConfig(config, { ...template, [key]: '1' })).toThrow(new RegExp(key.replace(/\./g, '\\.')));
    }
  });

  it('refuses unknown placeholders and non-string values', () => {
    expect(() => fillPlaceholders({ a: '${NOPE}' }, {})).toThrow(/unknown placeholder/);
    expect(() => fillPlaceholders({ a: 1 }, {})).toThrow(/string/);
    expect(fillPlaceholders({ a: 'x-${A}-${A}' }, { A: 'y' })).toEqual({ a: 'x-y-y' });
  });

  it('compares configs ignoring the name Connect adds and key order', () => {
    expect(sameConnectorConfig({ name: 'fixlify-postgres', b: '2', a: '1' }, { a: '1', b: '2' })).toBe(true);
    expect(sameConnectorConfig({ a: '1' }, { a: '2' })).toBe(false);
    expect(sameConnectorConfig({ a: '1', c: '3' }, { a: '1' })).toBe(false);
  });
});
