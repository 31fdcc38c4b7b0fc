import type net from 'node:net';
import type { Logger } from '../log/logger';
import { formatHostPort } from '../net/address';
import { formatDuration } from '../util/duration';
import type { ConnectionHandle } from './connection';
import type { EngineEvents, RefusalReason } from './events';
import type { Listener } from './listeners';
import type { LiveConnection } from './snapshot';

/** 0 means no limit. */
export interface Limits {
  readonly maxConnections: number;
  readonly maxConnectionsPerTunnel: number;
}

interface Refusal {
  reason: RefusalReason;
  /** For the log line: which limit, or that ptunnel is shutting down. */
  message: string;
}

/** A reset storm is told in one line per interval, not one per connection. */
export const REFUSAL_LOG_INTERVAL_MS = 5000;

/**
 * The log side of refusals: the first of each kind in an interval gets its own line (with the
 * tunnel and client), the repeats one summary line when the interval ends. Every refusal is
 * still counted, in ptunnel_connections_rejected_total.
 */
class RefusalLog {
  private readonly seen = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  note(message: string, fields: Record<string, string>): void {
    const repeats = this.seen.get(message);
    if (repeats !== undefined) {
      this.seen.set(message, repeats + 1);
      return;
    }
    this.seen.set(message, 0);
    this.logger.warn(`connection refused: ${message}`, fields);
    this.timer ??= setTimeout(() => this.summarise(true), this.intervalMs).unref();
  }

  close(): void {
    this.summarise(false);
  }

  private summarise(again: boolean): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const repeated = [...this.seen].filter(([, n]) => n > 0);
    this.seen.clear();
    if (repeated.length === 0) return;
    const total = repeated.reduce((sum, [, n]) => sum + n, 0);
    const what = repeated.length === 1 ? repeated[0]?.[0] : repeated.map(([m, n]) => `${m} (${n})`).join('; ');
    this.logger.warn(`${total} more connection(s) refused in the last ${formatDuration(this.intervalMs)}: ${what}`);
    // While the storm lasts, the next interval is summarised too; each kind still gets one
    // line of its own first.
    if (again) for (const [m] of repeated) this.seen.set(m, 0);
    if (again) this.timer = setTimeout(() => this.summarise(true), this.intervalMs).unref();
  }
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
  private readonly refusals: RefusalLog;

  constructor(
    private limits: Limits,
    private readonly logger: Logger,
    private readonly events: EngineEvents,
    refusalLogIntervalMs = REFUSAL_LOG_INTERVAL_MS,
  ) {
    this.refusals = new RefusalLog(logger, refusalLogIntervalMs);
  }

  /** A reload's limits apply to the next connection; those already in stay. */
  setLimits(limits: Limits): void {
    this.limits = limits;
  }

  get size(): number {
    return this.live.size;
  }

  /** Connections let in, including one whose handle is not held yet (its set-up is under way in this tick). */
  get admitted(): number {
    let n = 0;
    for (const count of this.perListener.values()) n += count;
    return n;
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
  admit(listener: Listener, socket: net.Socket, answer?: () => void): number | undefined {
    const refused = this.refusal(listener);
    if (refused === undefined) {
      this.perListener.set(listener, this.activeOn(listener) + 1);
      return this.nextId++;
    }
    this.refuse(listener, socket, refused.reason, refused.message, answer);
    return undefined;
  }

  /**
   * Turns away a connection that is not let in (or no longer: a self-loop found after accept),
   * counts it and tells the log, rate-limited. A plain TCP client gets a reset; a client that
   * speaks a protocol with a refusal of its own (SOCKS, once its request is read) gets that,
   * from `answer`, which also closes the socket.
   */
  refuse(listener: Listener, socket: net.Socket, reason: RefusalReason, message: string, answer?: () => void): void {
    const client = formatHostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0);
    socket.on('error', () => undefined);
    if (answer) answer();
    else socket.resetAndDestroy();
    this.events.connectionRejected(listener.tunnel.source, reason);
    this.refusals.note(message, { tunnel: listener.tunnel.source, client });
  }

  /** accept() failed on this listener (EMFILE, ENFILE): a client was turned away unseen. */
  acceptFailed(listener: Listener, message: string): void {
    this.events.connectionRejected(listener.tunnel.source, 'descriptors');
    this.refusals.note(message, { tunnel: listener.tunnel.source });
  }

  /** Writes the summary of refusals not yet logged (at shutdown). */
  flushRefusals(): void {
    this.refusals.close();
  }

  /** The handle of an admitted connection, so that a drain can cut it. */
  hold(id: number, handle: ConnectionHandle): void {
    this.live.set(id, handle);
  }

  /** The live connections as they are now, oldest first. */
  liveConnections(): LiveConnection[] {
    return [...this.live.values()].map((h) => h.live());
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
