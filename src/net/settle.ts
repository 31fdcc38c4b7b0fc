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

/**
 * What an attempt reads of its cancellation: an AbortSignal is one, and so is a Cancellation.
 * Method syntax on purpose: it lets an AbortSignal, whose listeners take an Event, stand here.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * A one-shot cancellation for a connection attempt that only ptunnel's own code listens to (the
 * router, the connectors, settleOnce). Node 20's AbortController builds an EventTarget and gives
 * each AbortSignal a hidden class of its own: creating one and adding and removing its listener
 * was 3 % of the CPU of a short connection through a proxy (a --cpu-prof under ab without
 * keep-alive, bench/ANALYSIS.md). Whatever needs a real AbortSignal (a DNS lookup, fetch) gets
 * an AbortController of its own, as the direct connector's lookup does.
 */
export class Cancellation implements CancelSignal {
  aborted = false;
  private listeners: (() => void)[] | undefined;

  addEventListener(_type: 'abort', listener: () => void): void {
    // An AbortSignal that has aborted calls no listener added afterwards either.
    if (!this.aborted) (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.listeners?.indexOf(listener) ?? -1;
    if (at >= 0) this.listeners?.splice(at, 1);
  }

  /** Calls each listener once, in the order they were added; later calls do nothing. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }
}

export interface SettleOptions {
  /** Bounds the whole attempt. */
  timeoutMs: number;
  signal?: CancelSignal;
  /** The error when `signal` aborts (the client went away). */
  aborted(): Error;
}

/**
 * One attempt (a connect, a query) bounded by a timer and a CancelSignal that ends exactly once:
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
