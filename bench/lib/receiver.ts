import { fork } from 'node:child_process';
import { startWebhookReceiver } from '@fixlify/testing';

/** A request the receiver took: its path, when (ms since the epoch) and its Idempotency-Key. */
export interface Received {
  path: string;
  at: number;
  key: string | null;
}

export interface ReceiverProcess {
  url: string;
  /** every request received so far */
  dump: () => Promise<Received[]>;
  close: () => Promise<void>;
}

const ROLE = 'BENCH_RECEIVER_ROLE';

/**
 * The benchmarks' webhook receiver, in a process of its own (this file, forked): the bench's
 * consumers must not delay its answers.
 */
export const startReceiverProcess = async (): Promise<ReceiverProcess> => {
  const child = fork(__filename, [], { env: { ...process.env, [ROLE]: 'receiver' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T>(): Promise<T> => new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T)));
  const { url } = await next<{ url: string }>();
  let queue: Promise<unknown> = Promise.resolve();
  const ask = <T>(what: string): Promise<T> => {
    const p = queue.then(() => {
      const answer = next<T>();
      child.send(what);
      return answer;
    });
    queue = p.catch(() => undefined);
    return p;
  };
  return {
    url,
    dump: () => ask<Received[]>('dump'),
    close: async () => {
      await ask<unknown>('close');
      child.disconnect();
    },
  };
};

const runReceiver = async (): Promise<void> => {
  const receiver = await startWebhookReceiver();
  process.on('message', (m) => {
    if (m === 'dump') process.send!(receiver.received.map((r) => ({ path: r.path, at: new Date(r.receivedAt).getTime(), key: r.idempotencyKey ?? null })));
    if (m === 'close') void receiver.close().then(() => process.send!('closed'));
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ url: receiver.url });
};

if (require.main === module && process.env[ROLE] === 'receiver')
  runReceiver().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
