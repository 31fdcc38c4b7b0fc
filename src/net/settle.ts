import { PtunnelError } from '../errors';

/** What an attempt's code uses to end it: the first call wins, later ones do nothing. */
export interface Attempt<T> {
  resolve(value: T): void;
  reject(err: Error): void;
  readonly settled: boolean;
}

/** What an attempt hands back once started. */
export interface AttemptHooks {
  /** The error for the timeout, built when it fires, so that it can name the phase reached. */
  timeout(): Error;
  /**
   * Lets go of what the attempt holds (a socket, listeners); `err` is set when it failed. Runs
   * once, before the promise settles, so that a failed attempt never leaves a handle open.
   */
  release(err: Error | undefined): void;
}

export interface SettleOptions {
  /** Bounds the whole attempt. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** The error when `signal` aborts (the client went away). */
  aborted(): Error;
}

/**
 * One attempt (a connect, a query) bounded by a timer and an AbortSignal that ends exactly once:
 * whichever comes first of the attempt's own result, the timeout and the abort settles the
 * promise, and the timer and the abort listener are gone by then. An attempt whose signal has
 * already aborted is not started at all.
 */
export function settleOnce<T>(options: SettleOptions, start: (attempt: Attempt<T>) => AttemptHooks): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(options.aborted());
      return;
    }
    let hooks: AttemptHooks | undefined;
    let settled = false;
    let outcome: { err?: Error; value?: T } | undefined;
    let timer: NodeJS.Timeout | undefined = undefined;
    const onAbort = () => finish({ err: options.aborted() });
    const deliver = (o: { err?: Error; value?: T }, h: AttemptHooks) => {
      h.release(o.err);
      if (o.err) reject(o.err);
      else resolve(o.value as T);
    };
    function finish(o: { err?: Error; value?: T }): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      // Settled while still starting: release once the hooks exist.
      if (hooks) deliver(o, hooks);
      else outcome = o;
    }
    const attempt: Attempt<T> = {
      resolve: (value) => finish({ value }),
      reject: (err) => finish({ err }),
      get settled() {
        return settled;
      },
    };
    try {
      hooks = start(attempt);
    } catch (err) {
      // A bug in the attempt's own set-up: nothing of it to release.
      settled = true;
      reject(err as Error);
      return;
    }
    if (outcome) {
      deliver(outcome, hooks);
      return;
    }
    const { timeout } = hooks;
    timer = setTimeout(() => finish({ err: timeout() }), options.timeoutMs);
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The abort error of a connection attempt (proxy or direct) whose client left while it ran. */
export function cancelledError(): PtunnelError {
  return new PtunnelError('ERR_CANCELLED', 'connection attempt cancelled: the client went away');
}
