import type net from 'node:net';
import { ReusedReads } from '../net/reused-reads';

export type PumpOutcome =
  | 'ok'
  | 'client-reset'
  | 'upstream-reset'
  | 'client-error'
  | 'upstream-error'
  | 'idle-timeout'
  | 'half-close-timeout'
  | 'aborted';

export interface PumpOptions {
  /** After one direction ends, how long the other may stay silent before both are closed. */
  halfCloseTimeoutMs: number;
  /** 0: never time out an idle connection. */
  idleTimeoutMs: number;
  /**
   * Hold the client's FIN until the upstream has been quiet this long (or has ended); 0 or
   * absent passes it on at once. For proxies that tear a tunnel down at the first FIN (squid),
   * with the server's bytes still in flight.
   */
  halfCloseLingerMs?: number;
  /** The client already sent its FIN while the upstream was being opened. */
  clientEnded?: boolean;
}

export interface PumpResult {
  outcome: PumpOutcome;
  error?: Error;
  /**
   * Which side ended first, from the pump's own 'end' listeners (a caller's extra once('end')
   * pair cost two wrappers per connection): the client sent its FIN (here or before the pump),
   * and the upstream's FIN came while the client's had not.
   */
  clientFin?: boolean;
  upstreamFirst?: boolean;
}

export interface PumpHandle {
  /** Closes both sides now (shutdown, limits). */
  abort(): void;
}

const KEEPALIVE_DELAY_MS = 30_000;
/**
 * TCP keepalive is switched on once a connection has lived this long. Turning it on costs eight
 * setsockopt calls per connection (libuv sets SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL and
 * TCP_KEEPCNT on each socket), which short-lived connections (HTTP without keep-alive) never
 * need; the long-lived ones it is for (IMAP IDLE, SSH) get it before their first idle period
 * could end, so a dead peer is noticed at most this much later.
 */
const KEEPALIVE_AFTER_MS = 10_000;

/** How long a held FIN waits for the server's first answer after it (see Pump.endUpstream). */
export const FIRST_ANSWER_WAIT_MS = 2000;

/**
 * Passes a cut on as a cut: an RST, so that the peer cannot take a truncated stream for a
 * complete one. A TLS socket (to an https proxy) has no TCP handle of its own to reset; it is
 * destroyed.
 */
function reset(socket: net.Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/**
 * The pump a socket belongs to. The socket listeners below are shared by every connection and
 * find their pump through it (an EventEmitter calls a listener with the emitter as `this`). Two
 * dozen closures per connection, with their contexts, were 1.5 KiB of heap that every idle
 * connection kept for its whole life.
 */
const kPump = Symbol('ptunnel.pump');
type PumpedSocket = net.Socket & { [kPump]: Pump };

function onData(this: PumpedSocket, chunk: Buffer): void {
  const p = this[kPump];
  if (!(this === p.client ? p.upstream : p.client).write(chunk)) this.pause();
}
/** On the writing side: its reader may go on. */
function onDrain(this: PumpedSocket): void {
  const p = this[kPump];
  (this === p.client ? p.upstream : p.client).resume();
}
function onEnd(this: PumpedSocket): void {
  this[kPump].sideEnded(this);
}
/** What an error (or a close with one) on a side means: a reset, or any other failure. */
function outcomeOf(client: boolean, err: NodeJS.ErrnoException | null | undefined): PumpOutcome {
  if (err?.code === 'ECONNRESET') return client ? 'client-reset' : 'upstream-reset';
  return client ? 'client-error' : 'upstream-error';
}
function onError(this: PumpedSocket, err: NodeJS.ErrnoException): void {
  const p = this[kPump];
  p.cut(outcomeOf(this === p.client, err), err);
}
/** A clean close of one side (both of its directions done) leaves the other to flush. */
function onClose(this: PumpedSocket, hadError: boolean): void {
  const p = this[kPump];
  if (hadError) p.cut(outcomeOf(this === p.client, undefined));
  p.sideClosed();
}
function onTimeout(this: PumpedSocket): void {
  this[kPump].timedOut();
}
function keepAlive(p: Pump): void {
  p.client.setKeepAlive(true, KEEPALIVE_DELAY_MS);
  p.upstream.setKeepAlive(true, KEEPALIVE_DELAY_MS);
}
function onLinger(p: Pump): void {
  p.linger();
}

/**
 * Moves bytes both ways until both directions have ended. Backpressure: a side that cannot
 * write pauses the other's reading, so nothing buffers without bound. Half-close: the end of
 * one direction is passed on as a FIN and the other direction goes on, for at most
 * `halfCloseTimeoutMs` of silence. The client's FIN may be held for `halfCloseLingerMs` (see
 * PumpOptions). A reset or error on either side resets the other. No per-chunk work beyond the
 * write itself: byte counts come from the sockets when they close.
 */
export function pump(
  client: net.Socket,
  upstream: net.Socket,
  options: PumpOptions,
  onDone: (result: PumpResult) => void,
): PumpHandle {
  const p = new Pump(client, upstream, options, onDone);
  p.start();
  return p;
}

class Pump implements PumpHandle {
  private result: PumpResult | undefined;
  private closed = 0;
  private ended = 0;
  private clientFin: boolean;
  private upstreamFirst = false;
  private readonly keepAliveTimer: NodeJS.Timeout;
  private lingerTimer: NodeJS.Timeout | undefined;
  private readonly lingerMs: number;
  // The linger looks at the upstream only when its timer fires: bytes read since the last look,
  // a paused read (the client is slow, more is waiting) or client bytes not yet written (their
  // echo is still to come) mean the upstream is not quiet yet.
  private lingerMark = 0;
  // Where the upstream stood at the client's FIN, and until when a first answer after it is
  // waited for: a request the client ended its stream with (an echo, a last command) is answered
  // after a round trip through the proxy, which on a busy machine or a slow link can take longer
  // than the linger; passing the FIN before that answer would let squid drop it. A server that
  // waits for the FIN itself gets it once that wait is over.
  private finMark = 0;
  private answerDeadline = 0;
  /** Only ptunnel's own outgoing sockets can read into reused buffers (accepted ones cannot in Node 20). */
  private readonly reads: ReusedReads | undefined;

  constructor(
    readonly client: net.Socket,
    readonly upstream: net.Socket,
    private readonly options: PumpOptions,
    private readonly onDone: (result: PumpResult) => void,
  ) {
    this.clientFin = options.clientEnded === true;
    this.lingerMs = options.halfCloseLingerMs ?? 0;
    this.reads = ReusedReads.of(upstream);
    this.keepAliveTimer = setTimeout(keepAlive, KEEPALIVE_AFTER_MS, this);
    this.keepAliveTimer.unref();
  }

  start(): void {
    const { client, upstream } = this;
    this.watch(client);
    this.watch(upstream);
    client.on('data', onData);
    upstream.on('drain', onDrain);
    // Bytes already in the upstream's readable buffer still come as 'data'; a socket read into
    // reused buffers writes its later reads to the client itself (net/reused-reads).
    upstream.on('data', onData);
    this.reads?.attach(client);
    client.on('drain', onDrain);
    client.on('end', onEnd);
    upstream.on('end', onEnd);
    if (this.options.clientEnded) {
      this.endUpstream();
      this.onEnded();
    }
    client.resume();
    upstream.resume();
  }

  /** Closes both sides now (shutdown, limits). */
  abort(): void {
    this.fail('aborted');
  }

  cut(outcome: PumpOutcome, error?: Error): void {
    this.settle(outcome, error);
    reset(this.client);
    reset(this.upstream);
  }

  sideEnded(side: net.Socket): void {
    if (side === this.client) {
      this.clientFin = true;
      this.endUpstream();
    } else {
      this.upstreamFirst = !this.clientFin;
      this.endClient();
    }
    this.onEnded();
  }

  sideClosed(): void {
    this.closed += 1;
    if (this.closed < 2) return;
    clearTimeout(this.keepAliveTimer);
    clearTimeout(this.lingerTimer);
    this.reads?.release();
    const done: PumpResult = this.result ?? { outcome: 'ok' };
    done.clientFin = this.clientFin;
    done.upstreamFirst = this.upstreamFirst;
    this.onDone(done);
  }

  // Socket timeouts count silence (no read, no write) and re-arm on traffic: after one side has
  // ended, the other direction may run as long as it keeps moving, but not sit silent for longer
  // than the half-close timeout. A half-close timeout cuts a stream short, so it resets.
  timedOut(): void {
    if (this.ended > 0) this.cut('half-close-timeout');
    else this.fail('idle-timeout');
  }

  linger(): void {
    const { upstream } = this;
    if (upstream.writableEnded || upstream.destroyed) return;
    if (this.upstreamQuiet()) {
      upstream.end();
      return;
    }
    this.lingerMark = upstream.bytesRead;
    this.lingerTimer = setTimeout(onLinger, this.lingerMs, this);
  }

  private settle(outcome: PumpOutcome, error?: Error): void {
    if (!this.result) this.result = error ? { outcome, error } : { outcome };
    clearTimeout(this.lingerTimer);
  }

  private fail(outcome: PumpOutcome): void {
    this.settle(outcome);
    this.client.destroy();
    this.upstream.destroy();
  }

  private onEnded(): void {
    this.ended += 1;
    const { halfCloseTimeoutMs, idleTimeoutMs } = this.options;
    if (this.ended === 1 && halfCloseTimeoutMs > 0) {
      const ms = idleTimeoutMs > 0 ? Math.min(idleTimeoutMs, halfCloseTimeoutMs) : halfCloseTimeoutMs;
      this.client.setTimeout(ms);
      this.upstream.setTimeout(ms);
    }
  }

  private upstreamQuiet(): boolean {
    const { upstream } = this;
    return (
      upstream.bytesRead === this.lingerMark &&
      !upstream.isPaused() &&
      upstream.writableLength === 0 &&
      (upstream.bytesRead > this.finMark || performance.now() >= this.answerDeadline)
    );
  }

  private endUpstream(): void {
    const { upstream } = this;
    if (upstream.writableEnded) return;
    if (this.lingerMs > 0 && !upstream.readableEnded) {
      this.lingerMark = upstream.bytesRead;
      this.finMark = upstream.bytesRead;
      this.answerDeadline = performance.now() + Math.max(FIRST_ANSWER_WAIT_MS, this.lingerMs);
      this.lingerTimer = setTimeout(onLinger, this.lingerMs, this);
    } else upstream.end();
  }

  private endClient(): void {
    if (!this.client.writableEnded) this.client.end();
    // The upstream has ended: nothing more is in flight, so a held FIN goes now.
    if (this.lingerTimer !== undefined && !this.upstream.writableEnded) {
      clearTimeout(this.lingerTimer);
      this.upstream.end();
    }
  }

  private watch(socket: net.Socket): void {
    (socket as PumpedSocket)[kPump] = this;
    // A no-op where it is already set (the listener's sockets, the proxy connection).
    socket.setNoDelay(true);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('timeout', onTimeout);
    if (this.options.idleTimeoutMs > 0) socket.setTimeout(this.options.idleTimeoutMs);
    // Gone before the pump took it (a server that resets at once, seen on a loaded machine): its
    // 'error' and 'close' have been and gone, so they are taken as they were, or the pump would
    // wait for a close that never comes.
    if (socket.closed) {
      const err = socket.errored as NodeJS.ErrnoException | null;
      this.cut(outcomeOf(socket === this.client, err), err ?? undefined);
      process.nextTick(() => this.sideClosed());
    }
  }
}
