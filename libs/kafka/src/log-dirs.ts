import { connect } from 'node:net';

/**
 * How many bytes each topic takes on the brokers' disks: Kafka's DescribeLogDirs request (API key
 * 35, version 1), which kafkajs does not offer, sent to each broker over a plain connection. The
 * sizes of all replicas of all partitions are summed per topic, which is what the disks hold.
 * Brokers behind TLS or SASL are not reached this way: scrape their JMX
 * (`kafka.log:type=Log,name=Size`) instead.
 */

const API_KEY = 35;
const API_VERSION = 1;

const encodeRequest = (correlationId: number, clientId: string): Buffer => {
  const client = Buffer.from(clientId, 'utf8');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + client.length + 4);
  let o = 0;
  o = body.writeInt16BE(API_KEY, o);
  o = body.writeInt16BE(API_VERSION, o);
  o = body.writeInt32BE(correlationId, o);
  o = body.writeInt16BE(client.length, o);
  o += client.copy(body, o);
  body.writeInt32BE(-1, o); // topics: null = every topic
  const frame = Buffer.alloc(4);
  frame.writeInt32BE(body.length);
  return Buffer.concat([frame, body]);
};

/** Parses a DescribeLogDirs v1 response body (after the size and correlation id): bytes per topic. */
export const decodeLogDirs = (b: Buffer): Map<string, number> => {
  let o = 0;
  const i16 = () => ((o += 2), b.readInt16BE(o - 2));
  const i32 = () => ((o += 4), b.readInt32BE(o - 4));
  const i64 = () => ((o += 8), Number(b.readBigInt64BE(o - 8)));
  const str = () => {
    const n = i16();
    o += Math.max(0, n);
    return n < 0 ? '' : b.toString('utf8', o - n, o);
  };
  const out = new Map<string, number>();
  i32(); // throttle time
  for (let dirs = i32(); dirs > 0; dirs--) {
    const error = i16();
    str(); // log dir
    for (let topics = i32(); topics > 0; topics--) {
      const name = str();
      for (let parts = i32(); parts > 0; parts--) {
        i32(); // partition
        const size = i64();
        i64(); // offset lag
        o += 1; // is future
        if (error === 0) out.set(name, (out.get(name) ?? 0) + size);
      }
    }
  }
  return out;
};

/** Asks one broker for its log directories. */
export const describeLogDirs = (host: string, port: number, timeoutMs = 5000): Promise<Map<string, number>> =>
  new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    let got = 0;
    const done = (e: Error | null, v?: Map<string, number>) => {
      socket.destroy();
      if (e) reject(e);
      else resolve(v!);
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`DescribeLogDirs to ${host}:${port} timed out after ${timeoutMs} ms`)));
    socket.on('error', (e) => done(e));
    socket.on('connect', () => socket.write(encodeRequest(1, 'fixlify-log-dirs')));
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got < 4) return;
      const all = Buffer.concat(chunks);
      const size = all.readInt32BE(0);
      if (all.length < 4 + size) return;
      try {
        done(null, decodeLogDirs(all.subarray(8, 4 + size)));
      } catch (e) {
        done(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });

/** Bytes per topic on the disks of all the brokers of a `host:port,host:port` list (KAFKA_BROKERS; every replica counted). */
export const topicDiskBytes = async (brokers: string): Promise<Map<string, number>> => {
  const out = new Map<string, number>();
  for (const b of brokers.split(',').map((x) => x.trim())) {
    const colon = b.lastIndexOf(':');
    for (const [t, n] of await describeLogDirs(b.slice(0, colon), Number(b.slice(colon + 1)))) out.set(t, (out.get(t) ?? 0) + n);
  }
  return out;
};
