import { EventEmitter } from 'node:events';
import type { Consumer } from 'kafkajs';
import type { Logger } from './logger';
import { superviseConsumer } from './supervise';

const log = { info: () => undefined, warn: () => undefined, error: () => undefined, fatal: () => undefined } as unknown as Logger;

/** just enough of a kafkajs consumer: its instrumentation events */
const fakeConsumer = () => {
  const emitter = new EventEmitter();
  const consumer = {
    events: { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' },
    on: (event: string, fn: (e: unknown) => void) => emitter.on(event, fn),
  } as unknown as Consumer;
  return {
    consumer,
    join: () => emitter.emit('consumer.group_join', { payload: {} }),
    crash: (message: string) => emitter.emit('consumer.crash', { payload: { error: new Error(message), restart: false } }),
  };
};

const until = async (ok: () => boolean, ms = 2000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('superviseConsumer', () => {
  it('is running once joined, not running after a crash, and running again with a fresh incarnation', async () => {
    const made: ReturnType<typeof fakeConsumer>[] = [];
    let closed = 0;
    const s = await superviseConsumer({
      name: 'test',
      log,
      initialBackoffMs: 1,
      start: async (watch) => {
        const f = fakeConsumer();
        watch(f.consumer);
        made.push(f);
        return { consumer: f.consumer, close: async () => void closed++ };
      },
    });
    expect(s.isRunning()).toBe(false);
    made[0]!.join();
    expect(s.check()).toEqual({ ok: true });
    made[0]!.crash('Failed to find group coordinator');
    expect(s.check()).toEqual({ ok: false, detail: 'crashed: Failed to find group coordinator' });
    await until(() => made.length === 2);
    expect(closed).toBe(1);
    // a crash of the old incarnation after it was replaced changes nothing
    made[0]!.crash('late');
    made[1]!.join();
    expect(s.isRunning()).toBe(true);
    await s.stop();
    expect(s.isRunning()).toBe(false);
    expect(made.length).toBe(2);
  });

  it('keeps trying to start while a dependency is down, with back-off', async () => {
    let attempts = 0;
    const s = await superviseConsumer({
      name: 'test',
      log,
      initialBackoffMs: 1,
      start: async (watch) => {
        attempts++;
        if (attempts < 4) throw new Error('ECONNREFUSED');
        const f = fakeConsumer();
        watch(f.consumer);
        return { consumer: f.consumer, close: async () => undefined };
      },
    });
    expect(attempts).toBe(4);
    await s.stop();
  });

  it('starts a new incarnation even when closing the crashed one hangs', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    try {
      const made: ReturnType<typeof fakeConsumer>[] = [];
      const s = await superviseConsumer({
        name: 'test',
        log,
        initialBackoffMs: 1,
        start: async (watch) => {
          const f = fakeConsumer();
          watch(f.consumer);
          made.push(f);
          return { consumer: f.consumer, close: () => new Promise<void>(() => undefined) };
        },
      });
      made[0]!.crash('boom');
      await jest.advanceTimersByTimeAsync(10_001);
      await jest.advanceTimersByTimeAsync(10);
      expect(made.length).toBe(2);
      void s.stop();
      await jest.advanceTimersByTimeAsync(10_001);
    } finally {
      jest.useRealTimers();
    }
  });

  it('gives up (so the process exits and its supervisor starts afresh) when it cannot recover in time', async () => {
    let gaveUp: unknown = null;
    let attempts = 0;
    const s = superviseConsumer({
      name: 'test',
      log,
      initialBackoffMs: 1,
      maxBackoffMs: 2,
      giveUpAfterMs: 50,
      onGiveUp: (e) => {
        gaveUp = e;
      },
      start: async () => {
        attempts++;
        throw new Error('broker gone');
      },
    });
    await until(() => gaveUp !== null, 3000);
    expect((gaveUp as Error).message).toBe('broker gone');
    expect(attempts).toBeGreaterThan(1);
    await (await s).stop();
  });
});

describe('superviseConsumer: crashes during a start', () => {
  it('an incarnation that crashes while it is being started (a failed join inside run) is replaced too', async () => {
    const made: ReturnType<typeof fakeConsumer>[] = [];
    const s = await superviseConsumer({
      name: 'test',
      log,
      initialBackoffMs: 1,
      start: async (watch) => {
        const f = fakeConsumer();
        watch(f.consumer);
        made.push(f);
        // the first two incarnations crash inside their start, as kafkajs does when the coordinator is loading
        if (made.length <= 2) f.crash('The coordinator is loading and hence can not process requests for this group');
        return { consumer: f.consumer, close: async () => undefined };
      },
    });
    await until(() => made.length === 3);
    made[2]!.join();
    expect(s.isRunning()).toBe(true);
    await s.stop();
  });

  it('a crash of the new incarnation right after a restart finished starts another restart', async () => {
    const made: ReturnType<typeof fakeConsumer>[] = [];
    const s = await superviseConsumer({
      name: 'test',
      log,
      initialBackoffMs: 1,
      start: async (watch) => {
        const f = fakeConsumer();
        watch(f.consumer);
        made.push(f);
        return { consumer: f.consumer, close: async () => undefined };
      },
    });
    made[0]!.crash('one');
    await until(() => made.length === 2);
    made[1]!.crash('two');
    await until(() => made.length === 3);
    await s.stop();
  });
});
