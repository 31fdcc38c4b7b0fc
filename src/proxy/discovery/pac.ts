import type { AddressLookup } from '../../dns/lookup';
import { PtunnelError } from '../../errors';
import type { Logger } from '../../log/logger';
import { realTimers, Timers } from '../health';
import { fetchPac, PacFetchOptions } from './pac-fetch';
import type { PacEntry } from './pac-result';
import { PacScript } from './pac-script';

/** Where the PAC stands: not fetched yet, loaded, not fetchable (off the corporate network), or fetched but unusable. */
export type PacState = 'pending' | 'ready' | 'unreachable' | 'broken';

/** What the PAC says for one target: its entries, or that there is no PAC to ask now. */
export type PacAnswer = { kind: 'pac'; entries: PacEntry[]; result: string; from: string; ms: number } | { kind: 'none'; reason: string };

export interface PacStatus {
  location: string;
  state: PacState;
  /** The URL or file the loaded PAC came from. */
  from?: string;
  /** Why it is unreachable or broken. */
  reason?: string;
  /** Decisions cached since the last fetch. */
  cached: number;
}

export interface PacManagerOptions {
  location: string;
  refreshMs: number;
  lookup: AddressLookup;
  logger: Logger;
  fetchTimeoutMs: number;
  /** Bound on one FindProxyForURL call. */
  timeLimitMs?: number;
  searchDomains?: PacFetchOptions['searchDomains'];
  timers?: Timers;
  /** Least time between two fetches that a failing proxy asks for. */
  failureRefreshMs?: number;
}

/**
 * The PAC file and its decisions: fetched at start, again on a timer, on demand (SIGHUP) and when
 * a proxy it named fails; each fetch clears the decisions, which are cached per target until
 * then. State changes are logged once, never per connection.
 */
export class PacManager {
  private state: PacState = 'pending';
  private script: PacScript | undefined;
  private text: string | undefined;
  private from: string | undefined;
  private reason: string | undefined;
  private error: PtunnelError | undefined;
  private readonly decisions = new Map<string, Promise<PacAnswer>>();
  private readonly settled = new Map<string, PacAnswer>();
  private fetching: Promise<void> | undefined;
  private timer: unknown;
  private stopped = false;
  private lastFetch = 0;
  private readonly timers: Timers;

  constructor(private readonly options: PacManagerOptions) {
    this.timers = options.timers ?? realTimers;
  }

  get status(): PacStatus {
    const s: PacStatus = { location: this.options.location, state: this.state, cached: this.settled.size };
    if (this.from !== undefined && this.state === 'ready') s.from = this.from;
    if (this.reason !== undefined && this.state !== 'ready') s.reason = this.reason;
    return s;
  }

  /** Fetches now (once at a time); resolves when done, whatever the outcome. */
  refresh(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.fetching ??= this.fetchOnce().finally(() => {
      this.fetching = undefined;
      this.schedule();
    });
    return this.fetching;
  }

  /** A proxy the PAC named failed: the PAC may have moved on; fetch again, at most so often. */
  proxyFailed(): void {
    const gap = this.options.failureRefreshMs ?? 10_000;
    if (Date.now() - this.lastFetch >= gap) void this.refresh();
  }

  /** What the PAC says for host:port: cached until the next fetch; ERR_PAC when it is broken. */
  async decide(host: string, port: number): Promise<PacAnswer> {
    if (this.state === 'pending') await this.refresh();
    else if (this.fetching) await this.fetching;
    if (this.state === 'broken') throw this.error as PtunnelError;
    if (this.state !== 'ready') return { kind: 'none', reason: `PAC unreachable (${this.reason ?? 'not fetched'})` };
    const key = `${host}\0${port}`;
    let decision = this.decisions.get(key);
    if (decision === undefined) {
      const script = this.script as PacScript;
      const from = this.from as string;
      decision = script.evaluate(host, port).then((r) => {
        const answer: PacAnswer = { kind: 'pac', entries: r.entries, result: r.result, from, ms: r.ms };
        // Only the script that made it may store it: a fetch in between cleared the cache.
        if (this.script === script) this.settled.set(key, answer);
        for (const e of r.entries) if (e.kind === 'socks') this.options.logger.info(`PAC entry "${e.text}" for ${host}:${port} skipped: SOCKS proxies are not supported yet`);
        this.options.logger.debug('PAC decision', { target: `${host}:${port}`, result: r.result, ms: Math.round(r.ms * 1000) / 1000 });
        return answer;
      });
      this.decisions.set(key, decision);
    }
    return decision;
  }

  /** The decision already made for host:port, if any (no evaluation: for /status). */
  cached(host: string, port: number): PacAnswer | undefined {
    if (this.state === 'ready') return this.settled.get(`${host}\0${port}`);
    if (this.state === 'unreachable') return { kind: 'none', reason: `PAC unreachable (${this.reason ?? ''})` };
    return undefined;
  }

  stop(): void {
    this.stopped = true;
    this.script?.dispose();
    this.script = undefined;
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = this.timers.set(() => {
      this.timer = undefined;
      void this.refresh();
    }, this.options.refreshMs);
  }

  private async fetchOnce(): Promise<void> {
    const { location, lookup, fetchTimeoutMs, logger } = this.options;
    this.lastFetch = Date.now();
    let fetched;
    try {
      fetched = await fetchPac(location, { lookup, timeoutMs: fetchTimeoutMs, ...(this.options.searchDomains ? { searchDomains: this.options.searchDomains } : {}) });
    } catch (err) {
      const e = err instanceof PtunnelError ? err : new PtunnelError('ERR_PAC_FETCH', `PAC ${location} cannot be fetched: ${(err as Error).message}`, { userError: true });
      if (e.code === 'ERR_PAC_FETCH') {
        const reason = e.message.replace(/^PAC \S+ cannot be fetched: /, '');
        if (this.state !== 'unreachable') logger.warn(`${e.message}; new connections use the next source (--proxy, else direct) until it answers`);
        this.enter('unreachable', reason);
      } else {
        this.broken(e);
      }
      return;
    }
    if (this.state === 'ready' && fetched.text === this.text && fetched.from === this.from) {
      // Same file: the decisions stand for another period, but are made anew (DNS may differ).
      this.clearDecisions();
      return;
    }
    try {
      const script = await PacScript.compile(fetched.text, fetched.from, { lookup, ...(this.options.timeLimitMs ? { timeLimitMs: this.options.timeLimitMs } : {}) });
      if (this.stopped) {
        script.dispose();
        return;
      }
      const changed = this.text !== undefined && this.state === 'ready';
      this.script?.dispose();
      this.script = script;
      this.text = fetched.text;
      this.from = fetched.from;
      this.error = undefined;
      this.enter('ready');
      logger.info(changed ? `PAC ${fetched.from} changed; new connections follow the new file` : `PAC ${fetched.from} loaded; new connections follow its answers`);
    } catch (err) {
      this.broken(err instanceof PtunnelError ? err : new PtunnelError('ERR_PAC', String(err), { userError: true }));
    }
  }

  private broken(err: PtunnelError): void {
    if (this.state !== 'broken' || this.error?.message !== err.message) {
      this.options.logger.error(`${err.message}; connections that need the PAC fail until it is fixed`);
    }
    this.error = err;
    this.script?.dispose();
    this.script = undefined;
    this.text = undefined;
    this.enter('broken', err.message);
  }

  private enter(state: PacState, reason?: string): void {
    this.state = state;
    this.reason = reason;
    this.clearDecisions();
  }

  private clearDecisions(): void {
    this.decisions.clear();
    this.settled.clear();
  }
}
