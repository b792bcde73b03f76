import type { Consumer } from 'kafkajs';
import { consumerRestarts, consumerRunning, withTimeout, type CheckResult } from './health';
import type { Logger } from './logger';

/** One incarnation of a supervised consumer: the running consumer and how to tear down what goes with it. */
export interface Incarnation {
  consumer: Consumer;
  /** disconnects the consumer and whatever it owns (its transactional producer) */
  close: () => Promise<void>;
}

export interface Supervised {
  /** true while the current incarnation is joined to its group and has not crashed */
  isRunning: () => boolean;
  check: () => CheckResult;
  stop: () => Promise<void>;
}

/**
 * kafkajs restarts a crashed consumer by itself only for errors it deems retriable, and then with
 * the same (possibly fenced or poisoned) producer; after any other error it stops for good while the
 * process lives on. Supervised consumers turn that off and are rebuilt by `superviseConsumer`.
 */
export const NO_SELF_RESTART = { restartOnFailure: async (): Promise<boolean> => false } as const;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** kafkajs' disconnect of a crashed consumer, and a connect to a broker that is loading, can hang: bound them */
const bounded = withTimeout;
const CLOSE_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 60_000;

export interface SuperviseOptions {
  name: string;
  log: Logger;
  /**
   * builds, connects and runs a fresh consumer (and producer). It must create its consumer with
   * `retry: NO_SELF_RESTART` and hand it to `watch` before running it (kafkajs joins the group
   * inside `run`, so a listener attached afterwards would miss the join).
   */
  start: (watch: (consumer: Consumer) => void) => Promise<Incarnation>;
  /** first back-off after a crash (ms); doubles up to maxBackoffMs */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * A consumer that has not been running for this long (ms) cannot recover in this process: it
   * exits non-zero so its supervisor starts a fresh one, rather than idling. Default
   * FIXLIFY_RECOVERY_TIMEOUT_MS or 10 minutes.
   */
  giveUpAfterMs?: number;
  /** what giving up does (default: log and exit 1); tests replace it */
  onGiveUp?: (error: unknown) => void;
}

const recoveryTimeout = (): number => {
  const v = Number(process.env.FIXLIFY_RECOVERY_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : 10 * 60_000;
};

/**
 * Keeps a consumer running through broker restarts, coordinator moves, fenced producers and
 * database outages: a crashed incarnation is closed and a new one started, with exponential
 * back-off, until it joins its group again. The first start is retried the same way, so a
 * service started while a dependency is down waits for it. Exactly-once is unaffected: a new
 * incarnation resumes from the committed offsets, and what the crashed one had not committed
 * is redelivered (handlers already cope with redelivery after a process crash).
 */
export const superviseConsumer = async (o: SuperviseOptions): Promise<Supervised> => {
  const initial = o.initialBackoffMs ?? 500;
  const max = o.maxBackoffMs ?? 15_000;
  const giveUpAfter = o.giveUpAfterMs ?? recoveryTimeout();
  const giveUp =
    o.onGiveUp ??
    ((e: unknown) => {
      o.log.fatal({ err: e, consumer: o.name }, `${o.name}: could not recover within ${giveUpAfter} ms; exiting so a supervisor starts afresh`);
      process.exit(1);
    });
  let current: Incarnation | null = null;
  let running = false;
  let stopped = false;
  let detail = 'starting';
  let downSince = Date.now();
  let generation = 0;
  let restarting: Promise<void> | null = null;
  /** the last crash, by incarnation: one that crashed while being started must not count as started */
  let crashed: { gen: number; error: unknown } | null = null;
  let starting = false;
  consumerRunning.set({ consumer: o.name }, 0);

  const setRunning = (gen: number, yes: boolean, why?: string): void => {
    if (gen !== generation) return;
    if (yes && !running) downSince = 0;
    if (!yes && running) downSince = Date.now();
    running = yes;
    if (why) detail = why;
    consumerRunning.set({ consumer: o.name }, yes ? 1 : 0);
  };

  const startOnce = async (): Promise<void> => {
    const gen = ++generation;
    const watch = (consumer: Consumer): void => {
      consumer.on(consumer.events.GROUP_JOIN, () => setRunning(gen, true, 'running'));
      consumer.on(consumer.events.CRASH, (e) => {
        if (gen !== generation || stopped) return;
        const err = e.payload.error;
        o.log.error({ err, consumer: o.name }, `${o.name}: consumer crashed; starting a fresh one`);
        setRunning(gen, false, `crashed: ${err.message}`);
        crashed = { gen, error: err };
        // a crash while a restart is under way (kafkajs reports a failed join from inside run) is
        // picked up by that restart's loop, or right after it
        if (!restarting && !starting) void restart(err);
      });
    };
    const pending = o.start(watch);
    try {
      current = await bounded(pending, START_TIMEOUT_MS, `${o.name}: start`);
    } catch (e) {
      // a start that answers late is closed when it does
      pending.then(
        (late) => void late.close().catch(() => undefined),
        () => undefined,
      );
      throw e;
    }
  };

  /** closes the crashed incarnation and starts new ones with back-off until one starts */
  const restart = (cause: unknown): Promise<void> => {
    restarting ??= (async () => {
      if (downSince === 0) downSince = Date.now();
      const old = current;
      current = null;
      if (old)
        await bounded(old.close(), CLOSE_TIMEOUT_MS, `${o.name}: close`).catch((e: unknown) =>
          o.log.warn({ err: e, consumer: o.name }, `${o.name}: closing the crashed consumer failed; starting a new one anyway`),
        );
      let backoff = initial;
      let last: unknown = cause;
      while (!stopped) {
        if (Date.now() - downSince > giveUpAfter) {
          giveUp(last);
          return;
        }
        await sleep(backoff);
        if (stopped) return;
        try {
          await startOnce();
          if (crashed?.gen === generation) throw crashed.error;
          consumerRestarts.inc({ consumer: o.name });
          o.log.info({ consumer: o.name }, `${o.name}: consumer started again`);
          return;
        } catch (e) {
          last = e;
          detail = `waiting to restart: ${e instanceof Error ? e.message : String(e)}`;
          o.log.warn({ err: e, consumer: o.name, backoffMs: backoff }, `${o.name}: restart failed; trying again`);
          const broken = current as Incarnation | null;
          current = null;
          if (broken) await bounded(broken.close(), CLOSE_TIMEOUT_MS, `${o.name}: close`).catch(() => undefined);
          backoff = Math.min(max, backoff * 2);
        }
      }
    })().finally(() => {
      restarting = null;
      if (!stopped && crashed?.gen === generation) void restart(crashed.error);
    });
    return restarting;
  };

  try {
    starting = true;
    try {
      await startOnce();
    } finally {
      starting = false;
    }
    const crash = crashed as { gen: number; error: unknown } | null;
    if (crash?.gen === generation) throw crash.error;
  } catch (e) {
    o.log.warn({ err: e, consumer: o.name }, `${o.name}: could not start yet; waiting for its dependencies`);
    detail = `waiting to start: ${e instanceof Error ? e.message : String(e)}`;
    await restart(e);
  }

  return {
    isRunning: () => running,
    check: () => ({ ok: running, ...(running ? {} : { detail }) }),
    stop: async () => {
      stopped = true;
      await restarting;
      setRunning(generation, false, 'stopped');
      if (current)
        await bounded(current.close(), CLOSE_TIMEOUT_MS, `${o.name}: close`).catch((e: unknown) =>
          o.log.warn({ err: e, consumer: o.name }, `${o.name}: close on stop failed`),
        );
    },
  };
};
