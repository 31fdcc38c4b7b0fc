import type { ConnectionHandle } from './connection';

/** 0 means no limit. */
export interface Limits {
  readonly maxConnections: number;
  readonly maxConnectionsPerTunnel: number;
}

export interface Refusal {
  reason: 'limit' | 'draining';
  /** For the log line: which limit, or that ptunnel is shutting down. */
  message: string;
}

/**
 * Who may come in, and who is in: the live connections, overall and per listener. A new
 * connection is refused while draining or when it would pass a limit.
 */
export class Admission<K> {
  private draining = false;
  private nextId = 1;
  private readonly live = new Map<number, ConnectionHandle>();
  private readonly perKey = new Map<K, number>();
  private readonly idleWaiters: Array<() => void> = [];

  constructor(private limits: Limits) {}

  /** A reload's limits apply to the next connection; those already in stay. */
  setLimits(limits: Limits): void {
    this.limits = limits;
  }

  get size(): number {
    return this.live.size;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  activeOn(key: K): number {
    return this.perKey.get(key) ?? 0;
  }

  /** Why a new connection on `key` must be refused now; undefined lets it in. */
  refusal(key: K): Refusal | undefined {
    if (this.draining) return { reason: 'draining', message: 'shutting down' };
    const { maxConnections: overall, maxConnectionsPerTunnel: perTunnel } = this.limits;
    const onKey = this.activeOn(key);
    if (perTunnel > 0 && onKey >= perTunnel) return { reason: 'limit', message: `connection limit reached (${perTunnel} per tunnel)` };
    if (overall > 0 && this.live.size >= overall) return { reason: 'limit', message: `connection limit reached (${overall} overall)` };
    return undefined;
  }

  /** Counts a connection in on `key`; returns its id. */
  enter(key: K): number {
    this.perKey.set(key, this.activeOn(key) + 1);
    return this.nextId++;
  }

  /** The handle of an admitted connection, so that a drain can cut it. */
  hold(id: number, handle: ConnectionHandle): void {
    this.live.set(id, handle);
  }

  /** Counts a connection out. */
  leave(key: K, id: number): void {
    const left = this.activeOn(key) - 1;
    if (left > 0) this.perKey.set(key, left);
    else this.perKey.delete(key);
    this.live.delete(id);
    if (this.live.size === 0) this.idleWaiters.splice(0).forEach((w) => w());
  }

  /** From now on every new connection is refused. */
  startDraining(): void {
    this.draining = true;
  }

  /** Resolves when no connection is left, or after `ms`. */
  waitIdle(ms: number): Promise<void> {
    if (this.live.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Cuts every live connection, in whatever phase it is. */
  abortAll(): void {
    for (const handle of this.live.values()) handle.abort();
  }
}
