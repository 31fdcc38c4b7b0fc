import type net from 'node:net';
import type { Logger } from '../log/logger';
import { formatHostPort } from '../net/address';
import type { ConnectionHandle } from './connection';
import type { EngineEvents } from './events';
import type { Listener } from './listeners';

/** 0 means no limit. */
export interface Limits {
  readonly maxConnections: number;
  readonly maxConnectionsPerTunnel: number;
}

interface Refusal {
  reason: 'limit' | 'draining';
  /** For the log line: which limit, or that ptunnel is shutting down. */
  message: string;
}

/**
 * Who may come in, and who is in: the live connections, overall and per listener. A new
 * connection is refused while draining or when it would pass a limit.
 */
export class Admission {
  private draining = false;
  private nextId = 1;
  private readonly live = new Map<number, ConnectionHandle>();
  private readonly perListener = new Map<Listener, number>();
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private limits: Limits,
    private readonly logger: Logger,
    private readonly events: EngineEvents,
  ) {}

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

  activeOn(listener: Listener): number {
    return this.perListener.get(listener) ?? 0;
  }

  /**
   * Counts a new connection in and returns its id, or refuses it: then the socket is reset
   * before a byte is read, which tells the client at once and touches nothing else.
   */
  admit(listener: Listener, socket: net.Socket): number | undefined {
    const refused = this.refusal(listener);
    if (refused === undefined) {
      this.perListener.set(listener, this.activeOn(listener) + 1);
      return this.nextId++;
    }
    const { tunnel } = listener;
    socket.on('error', () => undefined);
    socket.resetAndDestroy();
    this.events.connectionRejected(tunnel.source, refused.reason);
    this.logger.warn(`connection refused: ${refused.message}`, {
      tunnel: tunnel.source,
      client: formatHostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0),
    });
    return undefined;
  }

  /** The handle of an admitted connection, so that a drain can cut it. */
  hold(id: number, handle: ConnectionHandle): void {
    this.live.set(id, handle);
  }

  /** Counts a connection out. */
  leave(listener: Listener, id: number): void {
    const left = this.activeOn(listener) - 1;
    if (left > 0) this.perListener.set(listener, left);
    else this.perListener.delete(listener);
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

  private refusal(listener: Listener): Refusal | undefined {
    if (this.draining) return { reason: 'draining', message: 'shutting down' };
    const { maxConnections: overall, maxConnectionsPerTunnel: perTunnel } = this.limits;
    if (perTunnel > 0 && this.activeOn(listener) >= perTunnel) return { reason: 'limit', message: `connection limit reached (${perTunnel} per tunnel)` };
    if (overall > 0 && this.live.size >= overall) return { reason: 'limit', message: `connection limit reached (${overall} overall)` };
    return undefined;
  }
}
