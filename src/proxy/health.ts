/**
 * Memory of whether the proxy is reachable, so that a laptop away from the office does not wait
 * for the proxy's connect timeout on every connection.
 *
 *   up --failure--> backoff --timer--> probing --ok--> up
 *                      ^                  |
 *                      +----failure-------+   (back-off doubles, up to the maximum)
 *
 * Only `auto` mode acts on the state; the clock and timers are injected so that tests need no
 * sleeping.
 */
export type ProxyState = 'up' | 'backoff' | 'probing';

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  set: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // A pending probe must not keep the process alive after the listeners are closed.
    t.unref();
    return t;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface ProxyHealthOptions {
  /** Resolves when the proxy accepts a connection, rejects otherwise. */
  probe: () => Promise<void>;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  timers?: Timers;
  now?: () => number;
  onChange?: (state: ProxyState, info: { backoffMs: number; reason?: string }) => void;
}

export class ProxyHealth {
  private current: ProxyState = 'up';
  private reason: string | undefined;
  private backoffMs: number;
  private timer: unknown;
  private stopped = false;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly timers: Timers;
  private readonly now: () => number;

  constructor(private readonly options: ProxyHealthOptions) {
    this.minBackoffMs = options.minBackoffMs ?? 5_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.backoffMs = this.minBackoffMs;
    this.timers = options.timers ?? realTimers;
    this.now = options.now ?? Date.now;
  }

  get state(): ProxyState {
    return this.current;
  }

  /** Why the proxy was last found unreachable; undefined while it is up. */
  get lastReason(): string | undefined {
    return this.current === 'up' ? undefined : this.reason;
  }

  /** Whether auto mode should try the proxy now. */
  get usable(): boolean {
    return this.current === 'up';
  }

  /** A connection through the proxy worked: whatever we believed, it is up. */
  reportSuccess(): void {
    if (this.current === 'up') return;
    this.cancelTimer();
    this.backoffMs = this.minBackoffMs;
    this.set('up');
  }

  /** The proxy could not be reached or did not answer in time. */
  reportFailure(reason: string): void {
    if (this.current !== 'up') return; // a probe is already scheduled or running
    this.backoffMs = this.minBackoffMs;
    this.enterBackoff(reason);
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer();
  }

  private enterBackoff(reason: string): void {
    this.set('backoff', reason);
    if (this.stopped) return;
    this.timer = this.timers.set(() => this.runProbe(), this.backoffMs);
  }

  private runProbe(): void {
    this.timer = undefined;
    if (this.stopped || this.current !== 'backoff') return;
    this.set('probing');
    this.options.probe().then(
      () => {
        if (this.current !== 'probing') return;
        this.backoffMs = this.minBackoffMs;
        this.set('up');
      },
      (err: unknown) => {
        if (this.current !== 'probing') return;
        this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
        this.enterBackoff(err instanceof Error ? err.message : String(err));
      },
    );
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }

  private set(state: ProxyState, reason?: string): void {
    this.current = state;
    if (reason !== undefined) this.reason = reason;
    this.options.onChange?.(state, reason === undefined ? { backoffMs: this.backoffMs } : { backoffMs: this.backoffMs, reason });
  }
}
