import { promises as dnsPromises, type LookupAddress } from 'node:dns';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { ChannelError } from './errors';

/**
 * Outbound policy for URLs that organizations type in (webhook, api_call, push endpoints).
 * The default refuses every non-public address; tests and on-premise installs opt in.
 */
export interface OutboundPolicy {
  /** Allow private, loopback and link-local targets (an on-premise install talking to its LAN). */
  allowPrivateNetworks: boolean;
  /**
   * Targets exempt from the address check: `host:port` (`[v6]:port` for IPv6), names or IP literals,
   * case-insensitive. A bare host (no port) exempts every port of it — only for hosts that serve
   * nothing else, never for 127.0.0.1 on a machine that runs Kafka Connect or ingest.
   */
  allowedHosts: string[];
  /** Resolver override (tests simulate DNS rebinding with it); defaults to dns.promises.lookup. */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

export const DEFAULT_OUTBOUND_POLICY: OutboundPolicy = Object.freeze({ allowPrivateNetworks: false, allowedHosts: [] });

export type AddressClass = 'public' | 'private' | 'loopback' | 'link_local' | 'unspecified' | 'multicast' | 'reserved';

const ipv4ToInt = (ip: string): number => ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);

const V4_RANGES: Array<[string, number, AddressClass]> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'private'], // carrier-grade NAT
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link_local'], // includes the cloud metadata address 169.254.169.254
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'], // includes 255.255.255.255
].map(([net, bits, cls]) => [net as string, bits as number, cls as AddressClass]);

function classifyV4(ip: string): AddressClass {
  const n = ipv4ToInt(ip);
  for (const [net, bits, cls] of V4_RANGES) {
    const size = 2 ** (32 - bits);
    const start = ipv4ToInt(net);
    if (n >= start && n < start + size) return cls;
  }
  return 'public';
}

/** Expands an IPv6 literal (no brackets, no zone) to 8 16-bit groups; undefined when malformed. */
export function expandIPv6(ip: string): number[] | undefined {
  let s = ip.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  // Rewrite an embedded dotted IPv4 tail (::ffff:1.2.3.4) as two hex groups.
  const lastColon = s.lastIndexOf(':');
  const maybeV4 = s.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    if (isIP(maybeV4) !== 4) return undefined;
    const n = ipv4ToInt(maybeV4);
    s = `${s.slice(0, lastColon + 1)}${Math.floor(n / 65536).toString(16)}:${(n % 65536).toString(16)}`;
  }
  const parts = s.split('::');
  if (parts.length > 2) return undefined;
  const parse = (p: string) => (p === '' ? [] : p.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(parts[0] ?? '');
  const rest = parts.length === 2 ? parse(parts[1] ?? '') : [];
  let groups = head;
  if (parts.length === 2) {
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  }
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g))) return undefined;
  return groups;
}

function classifyV6(ip: string): AddressClass {
  const g = expandIPv6(ip);
  if (!g) return 'reserved';
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embeddedV4 = () => `${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`;
  const zeroHead = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroHead && g5 === 0 && g6 === 0 && g7 === 0) return 'unspecified';
  if (zeroHead && g5 === 0 && g6 === 0 && g7 === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible form (::a.b.c.d) reach the IPv4 target.
  if (zeroHead && (g5 === 0xffff || g5 === 0)) return classifyV4(embeddedV4());
  // NAT64 (64:ff9b::/96) translates to the embedded IPv4 address.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return classifyV4(embeddedV4());
  if ((g0 & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((g0 & 0xffc0) === 0xfe80) return 'link_local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if (g0 === 0x2001 && g1 === 0x0db8) return 'reserved'; // documentation
  return 'public';
}

/** Which kind of network an IP literal belongs to. Anything not an IP literal is 'reserved'. */
export function classifyAddress(ip: string): AddressClass {
  const v = isIP(ip);
  if (v === 4) return classifyV4(ip);
  if (v === 6) return classifyV6(ip);
  return 'reserved';
}

const stripBrackets = (host: string) => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);
const normalHost = (host: string) => stripBrackets(host).toLowerCase().replace(/\.$/, '');

/** One entry of an allow-list: a host and the one port it may be reached on (null: any port). */
export interface AllowedTarget {
  host: string;
  port: number | null;
}

/**
 * Parses an allow-list entry: `host:port`, `[v6]:port`, or a bare host or IPv6 literal (any port).
 * Throws an Error saying what is wrong, so a bad OUTBOUND_ALLOWED_HOSTS stops the service at boot.
 */
export function parseAllowedTarget(entry: string): AllowedTarget {
  const e = entry.trim();
  let host = e;
  let port: string | null = null;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(e);
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2] ?? null;
  } else if ((e.match(/:/g) ?? []).length === 1) {
    [host, port] = e.split(':') as [string, string];
  }
  // more than one colon and no brackets: an IPv6 literal without a port
  if (!host || /[\s/@?#]/.test(host) || (host.includes(':') && isIP(host) !== 6)) throw new Error(`"${e}" is not host, host:port or [ipv6]:port`);
  if (port === null) return { host: normalHost(host), port: null };
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw new Error(`"${e}": the port must be a number from 1 to 65535`);
  return { host: normalHost(host), port: Number(port) };
}

/** Parses a comma-separated allow-list (OUTBOUND_ALLOWED_HOSTS); throws on the first bad entry. */
export const parseAllowedHosts = (list: string): string[] =>
  list
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean)
    .map((h) => {
      parseAllowedTarget(h);
      return h;
    });

const parsedLists = new WeakMap<readonly string[], AllowedTarget[]>();
const targetsOf = (policy: OutboundPolicy): AllowedTarget[] => {
  let t = parsedLists.get(policy.allowedHosts);
  if (!t) {
    // entries were validated at boot; one that does not parse here exempts nothing
    t = policy.allowedHosts.flatMap((a) => {
      try {
        return [parseAllowedTarget(a)];
      } catch {
        return [];
      }
    });
    parsedLists.set(policy.allowedHosts, t);
  }
  return t;
};

/** The port a URL connects to: its own, or the scheme's default. */
export const portOf = (u: URL): number => (u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80);

/** Whether `host` on `port` is named in policy.allowedHosts (case-insensitive, brackets and trailing dot ignored). */
export const isTargetAllowed = (host: string, port: number, policy: OutboundPolicy): boolean => {
  const h = normalHost(host);
  return targetsOf(policy).some((a) => a.host === h && (a.port === null || a.port === port));
};

function checkAddress(host: string, address: string, policy: OutboundPolicy): void {
  if (policy.allowPrivateNetworks) {
    // Even on a LAN there is no reason to send to 0.0.0.0, multicast or reserved space.
    const cls = classifyAddress(address);
    if (cls === 'unspecified' || cls === 'multicast') throw blocked(host, address, cls);
    return;
  }
  const cls = classifyAddress(address);
  if (cls !== 'public') throw blocked(host, address, cls);
}

const blocked = (host: string, address: string, cls: AddressClass) =>
  new ChannelError('ssrf_blocked', `outbound request to ${host} refused: ${address} is a ${cls} address`, {
    retryable: false,
    detail: cls,
  });

const defaultResolve = (hostname: string) => dnsPromises.lookup(hostname, { all: true, verbatim: true });

/**
 * Checks scheme and every address the host resolves to. Throws ChannelError('ssrf_blocked' or
 * 'invalid_request'). The guarded dispatcher re-checks at connect time, so passing here is not
 * enough to reach an address that DNS hands out later (rebinding).
 */
export async function assertUrlAllowed(url: string | URL, policy: OutboundPolicy = DEFAULT_OUTBOUND_POLICY): Promise<URL> {
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : url;
  } catch {
    throw new ChannelError('invalid_request', `not a valid URL: ${String(url).slice(0, 200)}`, { retryable: false });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ChannelError('ssrf_blocked', `only http and https URLs are allowed, not ${u.protocol}`, { retryable: false, detail: 'scheme' });
  }
  if (u.username || u.password) {
    throw new ChannelError('invalid_request', 'credentials in the URL are not allowed; use auth', { retryable: false });
  }
  // WHATWG URL has already normalised tricks like http://2130706433/ and http://0x7f.1/ to 127.0.0.1.
  const host = stripBrackets(u.hostname);
  if (isTargetAllowed(host, portOf(u), policy)) return u;
  if (isIP(host)) {
    checkAddress(host, host, policy);
    return u;
  }
  let addresses: LookupAddress[];
  try {
    addresses = await (policy.resolve ?? defaultResolve)(host);
  } catch (err) {
    const code = (err as { code?: string }).code;
    // NXDOMAIN will not fix itself soon; a resolver hiccup might.
    const retryable = code !== 'ENOTFOUND';
    throw new ChannelError('network', `cannot resolve ${host}: ${code ?? String(err)}`, { retryable, cause: err });
  }
  if (addresses.length === 0) throw new ChannelError('network', `cannot resolve ${host}: no addresses`, { retryable: true });
  for (const a of addresses) checkAddress(host, a.address, policy);
  return u;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A net.connect `lookup` that refuses blocked addresses at connect time (DNS rebinding). It checks
 * every address: the allow-list names ports, which a lookup does not see, so the exemption is
 * decided by the caller (createGuardedDispatcher) before it uses this lookup.
 */
export function guardedLookup(policy: OutboundPolicy) {
  return (hostname: string, options: { all?: boolean; family?: number } | number, callback: LookupCallback): void => {
    const opts = typeof options === 'number' ? { family: options } : options;
    const resolve = policy.resolve ?? defaultResolve;
    resolve(hostname)
      .then((all) => {
        const wanted = opts.family === 4 || opts.family === 6 ? all.filter((a) => a.family === opts.family) : all;
        if (wanted.length === 0) {
          const e: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          e.code = 'ENOTFOUND';
          callback(e, '');
          return;
        }
        for (const a of wanted) checkAddress(hostname, a.address, policy);
        if (opts.all) callback(null, wanted);
        else callback(null, wanted[0]!.address, wanted[0]!.family);
      })
      .catch((err: NodeJS.ErrnoException) => callback(err, ''));
  };
}

export interface GuardedDispatcherOptions {
  connectTimeoutMs?: number;
  /** Keep-alive sockets are fine: each socket was checked when it connected. */
  keepAliveTimeoutMs?: number;
}

/** An undici Agent whose every connection is checked against the policy, after DNS, before connect. */
export function createGuardedDispatcher(policy: OutboundPolicy = DEFAULT_OUTBOUND_POLICY, opts: GuardedDispatcherOptions = {}): Dispatcher {
  const timeout = opts.connectTimeoutMs ?? 10_000;
  const guarded = buildConnector({ timeout, lookup: guardedLookup(policy) } as buildConnector.BuildOptions);
  // an allow-listed host:port is exempt from the address check (a stand-in on loopback), nothing else
  const exempt = buildConnector({ timeout, ...(policy.resolve ? { lookup: plainLookup(policy.resolve) } : {}) } as buildConnector.BuildOptions);
  const connect: buildConnector.connector = (options, callback) => {
    const host = stripBrackets(options.hostname);
    const port = options.port ? Number(options.port) : options.protocol === 'https:' ? 443 : 80;
    if (isTargetAllowed(host, port, policy)) {
      exempt(options, callback);
      return;
    }
    // net.connect skips `lookup` for IP literals, so those are checked here.
    if (isIP(host)) {
      try {
        checkAddress(host, host, policy);
      } catch (err) {
        callback(err as Error, null);
        return;
      }
    }
    guarded(options, callback);
  };
  return new Agent({ connect, keepAliveTimeout: opts.keepAliveTimeoutMs ?? 4_000 });
}

/** The policy's resolver (tests) as a net.connect lookup, without checks. */
const plainLookup =
  (resolve: (hostname: string) => Promise<LookupAddress[]>) =>
  (hostname: string, options: { all?: boolean; family?: number } | number, callback: LookupCallback): void => {
    const opts = typeof options === 'number' ? { family: options } : options;
    resolve(hostname)
      .then((all) => {
        const wanted = opts.family === 4 || opts.family === 6 ? all.filter((a) => a.family === opts.family) : all;
        if (opts.all) callback(null, wanted);
        else if (wanted[0]) callback(null, wanted[0].address, wanted[0].family);
        else callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '');
      })
      .catch((err: NodeJS.ErrnoException) => callback(err, ''));
  };

/**
 * A TCP connection to host:port under the policy, for protocols that are not HTTP (an
 * organization's SMTP server): the name is resolved once, every address checked, and the socket
 * opened to the checked address itself, so DNS cannot hand out another one in between.
 */
export async function openGuardedSocket(host: string, port: number, policy: OutboundPolicy, timeoutMs = 10_000): Promise<Socket> {
  const name = stripBrackets(host);
  let address = name;
  if (!isIP(name)) {
    let all: LookupAddress[];
    try {
      all = await (policy.resolve ?? defaultResolve)(name);
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new ChannelError('network', `cannot resolve ${name}: ${code ?? String(err)}`, { retryable: code !== 'ENOTFOUND', cause: err });
    }
    if (all.length === 0) throw new ChannelError('network', `cannot resolve ${name}: no addresses`, { retryable: true });
    if (!isTargetAllowed(name, port, policy)) for (const a of all) checkAddress(name, a.address, policy);
    address = all[0]!.address;
  } else if (!isTargetAllowed(name, port, policy)) {
    checkAddress(name, name, policy);
  }
  return new Promise<Socket>((resolve, reject) => {
    const socket = netConnect({ host: address, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ChannelError('timeout', `connecting to ${name}:${port} timed out`, { retryable: true }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(
        new ChannelError('network', `cannot connect to ${name}:${port}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, {
          retryable: true,
          cause: err,
        }),
      );
    });
  });
}

const dispatchers = new WeakMap<OutboundPolicy, Dispatcher>();
/** One guarded agent per policy object, so connections are pooled across sends. */
export function dispatcherFor(policy: OutboundPolicy): Dispatcher {
  let d = dispatchers.get(policy);
  if (!d) {
    d = createGuardedDispatcher(policy);
    dispatchers.set(policy, d);
  }
  return d;
}
