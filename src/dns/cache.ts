import type { PtunnelError } from '../errors';

export interface CacheOptions {
  /** Off: every lookup asks the servers (concurrent lookups of one name still share a query). */
  enabled: boolean;
  /** Clock in ms; tests move it by hand. */
  now?: () => number;
  minTtlMs?: number;
  maxTtlMs?: number;
  /** Upper bound for "no such name" answers, whatever the SOA says. */
  maxNegativeTtlMs?: number;
  /** When the answer carries no SOA to say how long "no" lasts. */
  defaultNegativeTtlMs?: number;
}

type Entry<V> = { expires: number } & ({ value: V } | { error: PtunnelError });

export const TTL_BOUNDS = { minMs: 5_000, maxMs: 3_600_000, maxNegativeMs: 30_000, defaultNegativeMs: 5_000 };

/**
 * Answers by name until their TTL runs out. TTLs are clamped: a TTL of 0 or 1 s (common behind
 * CDNs) would put a query in front of every connection, and days-long TTLs would outlive a
 * server move. "No such name" is kept briefly so a misconfigured mapping cannot flood the
 * resolver, yet a fixed record shows up soon.
 */
export class DnsCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly inflight = new Map<string, Promise<V>>();
  private readonly now: () => number;

  constructor(private readonly options: CacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  /** The live entry for `key`: a value, or a remembered negative answer. */
  get(key: string): { value: V } | { error: PtunnelError } | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** Stores `value` for its TTL (seconds), clamped; returns the TTL used, in ms. */
  set(key: string, value: V, ttlSeconds: number): number {
    const ms = Math.min(Math.max(ttlSeconds * 1000, this.options.minTtlMs ?? TTL_BOUNDS.minMs), this.options.maxTtlMs ?? TTL_BOUNDS.maxMs);
    if (this.options.enabled) this.entries.set(key, { value, expires: this.now() + ms });
    return ms;
  }

  setNegative(key: string, error: PtunnelError, ttlSeconds: number | undefined): number {
    const fallback = this.options.defaultNegativeTtlMs ?? TTL_BOUNDS.defaultNegativeMs;
    const ms = Math.max(1000, Math.min(ttlSeconds === undefined ? fallback : ttlSeconds * 1000, this.options.maxNegativeTtlMs ?? TTL_BOUNDS.maxNegativeMs));
    if (this.options.enabled) this.entries.set(key, { error, expires: this.now() + ms });
    return ms;
  }

  /** Runs `fn` once for all concurrent callers with the same key. */
  coalesce(key: string, fn: () => Promise<V>): Promise<V> {
    const running = this.inflight.get(key);
    if (running) return running;
    const p = fn().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }
}
