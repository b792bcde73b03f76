import * as path from 'node:path';
import { REPO_ROOT, parseStackConfig, stackEnv, statePaths } from './config';

describe('parseStackConfig', () => {
  it('defaults to the documented local ports and URLs', () => {
    const c = parseStackConfig({});
    expect(c.stateDir).toBe(path.join(REPO_ROOT, '.stack'));
    expect(c.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:55432/fixlify');
    expect(c.KAFKA_BROKERS).toBe('127.0.0.1:29092');
    expect(c.CONNECT_URL).toBe('http://127.0.0.1:28083');
    expect(c.kafka.controllerPort).toBe(29093);
    expect(c.cdcPrefix).toBe('fixlify');
    expect(stackEnv(c)).toEqual({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:55432/fixlify',
      KAFKA_BROKERS: '127.0.0.1:29092',
      CONNECT_URL: 'http://127.0.0.1:28083',
      FIXLIFY_CDC_PREFIX: 'fixlify',
    });
  });

  it('derives the URLs from overridden ports and resolves a relative state dir against the repo', () => {
    const c = parseStackConfig({
      FIXLIFY_PG_PORT: '6000',
      FIXLIFY_KAFKA_PORT: '6001',
      FIXLIFY_KAFKA_CONTROLLER_PORT: '6002',
      FIXLIFY_CONNECT_PORT: '6003',
      FIXLIFY_STACK_DIR: 'tmp/stack',
      FIXLIFY_CDC_PREFIX: 'shop',
    });
    expect(c.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:6000/fixlify');
    expect(c.KAFKA_BROKERS).toBe('127.0.0.1:6001');
    expect(c.CONNECT_URL).toBe('http://127.0.0.1:6003');
    expect(c.stateDir).toBe(path.join(REPO_ROOT, 'tmp', 'stack'));
    expect(statePaths(c).pgData).toBe(path.join(REPO_ROOT, 'tmp', 'stack', 'pg', 'data'));
  });

  it('names every bad variable', () => {
    expect(() => parseStackConfig({ FIXLIFY_PG_PORT: 'x', FIXLIFY_KAFKA_HEAP: '1 GB' })).toThrow(/FIXLIFY_PG_PORT[\s\S]*FIXLIFY_KAFKA_HEAP/);
  });

  it('rejects two parts on one port', () => {
    expect(() => parseStackConfig({ FIXLIFY_CONNECT_PORT: '29092' })).toThrow(/must differ/);
  });

  it('uses $JAVA_HOME/bin/java when JAVA_HOME is set', () => {
    expect(parseStackConfig({ JAVA_HOME: '/opt/jdk' }).java).toBe('/opt/jdk/bin/java');
    expect(parseStackConfig({}).java).toBe('java');
  });
});
