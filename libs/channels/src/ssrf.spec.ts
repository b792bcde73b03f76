import type { LookupAddress } from 'node:dns';
import { request } from 'undici';
import { ChannelError } from './errors';
import {
  assertUrlAllowed,
  classifyAddress,
  createGuardedDispatcher,
  DEFAULT_OUTBOUND_POLICY,
  expandIPv6,
  isTargetAllowed,
  parseAllowedHosts,
  parseAllowedTarget,
  type OutboundPolicy,
} from './ssrf';
import { rejectionOf, startTestServer, type TestServer } from './test-server';

const fixed =
  (...addresses: string[]) =>
  async (): Promise<LookupAddress[]> =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link_local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link_local'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a9fe:a9fe', 'link_local'],
    ['2606:4700:4700::1111', 'public'],
    ['not-an-ip', 'reserved'],
  ])('%s is %s', (ip, cls) => expect(classifyAddress(ip)).toBe(cls));
});

describe('expandIPv6', () => {
  it('expands compressed forms and embedded IPv4', () => {
    expect(expandIPv6('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(expandIPv6('2001:db8::8:800:200c:417a')).toEqual([0x2001, 0xdb8, 0, 0, 0x8, 0x800, 0x200c, 0x417a]);
    expect(expandIPv6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(expandIPv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
  it('refuses malformed input', () => {
    expect(expandIPv6('1::2::3')).toBeUndefined();
    expect(expandIPv6('1:2:3')).toBeUndefined();
    expect(expandIPv6('12345::')).toBeUndefined();
  });
});

describe('assertUrlAllowed with the default policy', () => {
  it.each([
    'http://10.0.0.5/hook',
    'http://192.168.0.1/',
    'http://172.20.1.1/',
    'http://127.0.0.1:8080/',
    'http://localhost/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/',
    'http://[fe80::1]/',
    'http://[fd00::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://0.0.0.0/',
    'http://[::]/',
    'http://2130706433/', // 127.0.0.1 as a number
    'http://0x7f.1/',
    'http://017700000001/',
  ])('refuses %s', async (url) => {
    const err = await rejectionOf(assertUrlAllowed(url));
    expect(err).toBeInstanceOf(ChannelError);
    expect(err).toMatchObject({ code: 'ssrf_blocked', retryable: false });
  });

  it.each(['ftp://example.com/', 'file:///etc/passwd', 'gopher://example.com/', 'javascript:alert(1)'])('refuses scheme of %s', async (url) => {
    expect(await rejectionOf(assertUrlAllowed(url))).toMatchObject({ code: 'ssrf_blocked' });
  });

  it('refuses a hostname that resolves to any private address', async () => {
    const policy: OutboundPolicy = { ...DEFAULT_OUTBOUND_POLICY, resolve: fixed('93.184.216.34', '10.0.0.1') };
    expect(await rejectionOf(assertUrlAllowed('https://mixed.example/', policy))).toMatchObject({ code: 'ssrf_blocked' });
  });

  it('allows public addresses', async () => {
    const policy: OutboundPolicy = { ...DEFAULT_OUTBOUND_POLICY, resolve: fixed('93.184.216.34', '2606:2800:220:1::1') };
    await expect(assertUrlAllowed('https://example.com/x', policy)).resolves.toBeInstanceOf(URL);
    await expect(assertUrlAllowed('https://8.8.8.8/')).resolves.toBeInstanceOf(URL);
  });

  it('refuses invalid URLs and embedded credentials', async () => {
    expect(await rejectionOf(assertUrlAllowed('not a url'))).toMatchObject({ code: 'invalid_request' });
    expect(await rejectionOf(assertUrlAllowed('https://user:pw@8.8.8.8/'))).toMatchObject({ code: 'invalid_request' });
  });

  it('reports resolution failures as network errors', async () => {
    const nx = Object.assign(new Error('nx'), { code: 'ENOTFOUND' });
    const policy: OutboundPolicy = { ...DEFAULT_OUTBOUND_POLICY, resolve: () => Promise.reject(nx) };
    expect(await rejectionOf(assertUrlAllowed('https://nope.example/', policy))).toMatchObject({ code: 'network', retryable: false });
  });
});

describe('assertUrlAllowed with opt-ins', () => {
  it('allows named hosts and IP literals listed in allowedHosts', async () => {
    const policy: OutboundPolicy = { allowPrivateNetworks: false, allowedHosts: ['127.0.0.1', '::1', 'Hooks.Internal'] };
    await expect(assertUrlAllowed('http://127.0.0.1:9/', policy)).resolves.toBeInstanceOf(URL);
    await expect(assertUrlAllowed('http://[::1]:9/', policy)).resolves.toBeInstanceOf(URL);
    await expect(assertUrlAllowed('http://hooks.internal/', policy)).resolves.toBeInstanceOf(URL);
    expect(await rejectionOf(assertUrlAllowed('http://127.0.0.2/', policy))).toMatchObject({ code: 'ssrf_blocked' });
  });
  it('host:port entries allow that port only (Kafka Connect and ingest on the same loopback stay out of reach)', async () => {
    const policy: OutboundPolicy = {
      allowPrivateNetworks: false,
      allowedHosts: ['127.0.0.1:28204', '[::1]:8443', 'hooks.internal:443'],
      resolve: fixed('10.0.0.7'),
    };
    await expect(assertUrlAllowed('http://127.0.0.1:28204/hook', policy)).resolves.toBeInstanceOf(URL);
    await expect(assertUrlAllowed('https://[::1]:8443/', policy)).resolves.toBeInstanceOf(URL);
    await expect(assertUrlAllowed('https://hooks.internal/', policy)).resolves.toBeInstanceOf(URL);
    for (const url of [
      'http://127.0.0.1:28083/connectors',
      'http://127.0.0.1:9110/triggers/manual',
      'http://127.0.0.1/',
      'http://hooks.internal/',
      'https://[::1]/',
    ])
      expect([url, await rejectionOf(assertUrlAllowed(url, policy))]).toEqual([url, expect.objectContaining({ code: 'ssrf_blocked' })]);
  });
  it('parses allow-list entries and says what is wrong with a bad one', () => {
    expect(parseAllowedTarget('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseAllowedTarget('[::1]:25')).toEqual({ host: '::1', port: 25 });
    expect(parseAllowedTarget('::1')).toEqual({ host: '::1', port: null });
    expect(parseAllowedTarget('Hooks.Internal.')).toEqual({ host: 'hooks.internal', port: null });
    expect(() => parseAllowedTarget('127.0.0.1:http')).toThrow(/port must be a number/);
    expect(() => parseAllowedTarget('127.0.0.1:70000')).toThrow(/port must be a number/);
    expect(() => parseAllowedTarget('http://127.0.0.1:80')).toThrow(/not host, host:port/);
    expect(parseAllowedHosts(' 127.0.0.1:1 ,, localhost:2')).toEqual(['127.0.0.1:1', 'localhost:2']);
    expect(isTargetAllowed('LOCALHOST', 2, { allowPrivateNetworks: false, allowedHosts: ['localhost:2'] })).toBe(true);
    expect(isTargetAllowed('localhost', 3, { allowPrivateNetworks: false, allowedHosts: ['localhost:2'] })).toBe(false);
  });
  it('allowPrivateNetworks opens the LAN but never 0.0.0.0', async () => {
    const policy: OutboundPolicy = { allowPrivateNetworks: true, allowedHosts: [] };
    await expect(assertUrlAllowed('http://10.0.0.5/', policy)).resolves.toBeInstanceOf(URL);
    await expect(assertUrlAllowed('http://127.0.0.1/', policy)).resolves.toBeInstanceOf(URL);
    expect(await rejectionOf(assertUrlAllowed('http://0.0.0.0/', policy))).toMatchObject({ code: 'ssrf_blocked' });
  });
});

describe('createGuardedDispatcher', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer((_req, res) => res.end('hello'));
  });
  afterAll(() => server.close());

  it('refuses DNS rebinding: the name resolved public at check time, loopback at connect time', async () => {
    let calls = 0;
    const policy: OutboundPolicy = {
      allowPrivateNetworks: false,
      allowedHosts: [],
      resolve: async () => [{ address: calls++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }],
    };
    const url = `http://rebind.example:${server.port}/`;
    await expect(assertUrlAllowed(url, policy)).resolves.toBeInstanceOf(URL);
    const dispatcher = createGuardedDispatcher(policy);
    const err = await rejectionOf(request(url, { dispatcher }));
    expect(err).toMatchObject({ code: 'ssrf_blocked' });
    expect(server.requests).toHaveLength(0);
    await dispatcher.close();
  });

  it('refuses IP literals at connect time even without assertUrlAllowed', async () => {
    const dispatcher = createGuardedDispatcher(DEFAULT_OUTBOUND_POLICY);
    expect(await rejectionOf(request(`http://127.0.0.1:${server.port}/`, { dispatcher }))).toMatchObject({ code: 'ssrf_blocked' });
    expect(await rejectionOf(request(`http://[::ffff:127.0.0.1]:${server.port}/`, { dispatcher }))).toMatchObject({ code: 'ssrf_blocked' });
    await dispatcher.close();
  });

  it('refuses an allowed host on another port at connect time', async () => {
    const dispatcher = createGuardedDispatcher({ allowPrivateNetworks: false, allowedHosts: [`127.0.0.1:${server.port + 1}`] });
    expect(await rejectionOf(request(`http://127.0.0.1:${server.port}/`, { dispatcher }))).toMatchObject({ code: 'ssrf_blocked' });
    const named = createGuardedDispatcher({ allowPrivateNetworks: false, allowedHosts: [`hooks.test:${server.port + 1}`], resolve: fixed('127.0.0.1') });
    expect(await rejectionOf(request(`http://hooks.test:${server.port}/`, { dispatcher: named }))).toMatchObject({ code: 'ssrf_blocked' });
    expect(server.requests).toHaveLength(0);
    await Promise.all([dispatcher.close(), named.close()]);
  });

  it('connects when the policy allows the host and port', async () => {
    const policy: OutboundPolicy = { allowPrivateNetworks: false, allowedHosts: [`127.0.0.1:${server.port}`] };
    const dispatcher = createGuardedDispatcher(policy);
    const res = await request(`http://127.0.0.1:${server.port}/`, { dispatcher });
    expect(await res.body.text()).toBe('hello');
    await dispatcher.close();
  });

  it('connects when the policy allows the host', async () => {
    const policy: OutboundPolicy = { allowPrivateNetworks: false, allowedHosts: ['hooks.test'], resolve: fixed('127.0.0.1') };
    const dispatcher = createGuardedDispatcher(policy);
    const res = await request(`http://hooks.test:${server.port}/`, { dispatcher });
    expect(await res.body.text()).toBe('hello');
    await dispatcher.close();
  });
});
