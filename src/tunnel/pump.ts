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
 * Moves bytes both ways until both directions have ended. Backpressure: a side that cannot
 * write pauses the other's reading, so nothing buffers without bound. Half-close: the end of
 * one direction is passed on as a FIN and the other direction goes on, for at most
 * `halfCloseTimeoutMs` of silence. The client's FIN may be held for `halfCloseLingerMs` (see
 * PumpOptions). A reset or error on either side resets the other. No per-chunk work beyond the
 * write itself: byte counts come from the sockets when they close.
 */
/** How long a held FIN waits for the server's first answer after it (see endUpstream). */
export const FIRST_ANSWER_WAIT_MS = 2000;

export function pump(
  client: net.Socket,
  upstream: net.Socket,
  options: PumpOptions,
  onDone: (result: PumpResult) => void,
): PumpHandle {
  let result: PumpResult | undefined;
  let closed = 0;
  let lingerTimer: NodeJS.Timeout | undefined;
  const keepAliveTimer = setTimeout(() => {
    client.setKeepAlive(true, KEEPALIVE_DELAY_MS);
    upstream.setKeepAlive(true, KEEPALIVE_DELAY_MS);
  }, KEEPALIVE_AFTER_MS);
  keepAliveTimer.unref();

  const settle = (outcome: PumpOutcome, error?: Error) => {
    if (!result) result = error ? { outcome, error } : { outcome };
    clearTimeout(lingerTimer);
  };
  const fail = (outcome: PumpOutcome, error?: Error) => {
    settle(outcome, error);
    client.destroy();
    upstream.destroy();
  };
  const cut = (outcome: PumpOutcome, error?: Error) => {
    settle(outcome, error);
    reset(client);
    reset(upstream);
  };

  // Only ptunnel's own outgoing sockets can read into reused buffers (accepted ones cannot in
  // Node 20): looked up once, for the download direction and the release at close.
  const upstreamReads = ReusedReads.of(upstream);
  const onClose = () => {
    closed += 1;
    if (closed < 2) return;
    clearTimeout(keepAliveTimer);
    clearTimeout(lingerTimer);
    upstreamReads?.release();
    const done: PumpResult = result ?? { outcome: 'ok' };
    done.clientFin = clientFin;
    done.upstreamFirst = upstreamFirst;
    onDone(done);
  };

  let ended = 0;
  let clientFin = options.clientEnded === true;
  let upstreamFirst = false;
  // Socket timeouts count silence (no read, no write) and re-arm on traffic: after one side has
  // ended, the other direction may run as long as it keeps moving, but not sit silent for longer
  // than the half-close timeout. A half-close timeout cuts a stream short, so it resets.
  const onTimeout = () => (ended > 0 ? cut('half-close-timeout') : fail('idle-timeout'));
  const onEnded = () => {
    ended += 1;
    if (ended === 1 && options.halfCloseTimeoutMs > 0) {
      const ms = options.idleTimeoutMs > 0 ? Math.min(options.idleTimeoutMs, options.halfCloseTimeoutMs) : options.halfCloseTimeoutMs;
      client.setTimeout(ms);
      upstream.setTimeout(ms);
    }
  };

  // The linger looks at the upstream only when its timer fires: bytes read since the last look,
  // a paused read (the client is slow, more is waiting) or client bytes not yet written (their
  // echo is still to come) mean the upstream is not quiet yet.
  const lingerMs = options.halfCloseLingerMs ?? 0;
  let lingerMark = 0;
  // Where the upstream stood at the client's FIN, and until when a first answer after it is
  // waited for: a request the client ended its stream with (an echo, a last command) is answered
  // after a round trip through the proxy, which on a busy machine or a slow link can take longer
  // than the linger; passing the FIN before that answer would let squid drop it. A server that
  // waits for the FIN itself gets it once that wait is over.
  let finMark = 0;
  let answerDeadline = 0;
  const upstreamQuiet = () =>
    upstream.bytesRead === lingerMark &&
    !upstream.isPaused() &&
    upstream.writableLength === 0 &&
    (upstream.bytesRead > finMark || performance.now() >= answerDeadline);
  const onLinger = () => {
    if (upstream.writableEnded || upstream.destroyed) return;
    if (upstreamQuiet()) {
      upstream.end();
      return;
    }
    lingerMark = upstream.bytesRead;
    lingerTimer = setTimeout(onLinger, lingerMs);
  };
  const endUpstream = () => {
    if (upstream.writableEnded) return;
    if (lingerMs > 0 && !upstream.readableEnded) {
      lingerMark = upstream.bytesRead;
      finMark = upstream.bytesRead;
      answerDeadline = performance.now() + Math.max(FIRST_ANSWER_WAIT_MS, lingerMs);
      lingerTimer = setTimeout(onLinger, lingerMs);
    } else upstream.end();
  };

  const forward = (src: net.Socket, dst: net.Socket, endDst: () => void, reads?: ReusedReads) => {
    const write = (chunk: Buffer) => {
      if (!dst.write(chunk)) src.pause();
    };
    // Bytes already in the readable buffer still come as 'data'; a socket read into reused
    // buffers hands its later reads straight over, and learns whether the write kept them.
    src.on('data', write);
    reads?.attach(
      (chunk) => {
        write(chunk);
        return dst.writableLength > 0;
      },
      () => dst.writableLength === 0,
    );
    dst.on('drain', () => src.resume());
    src.on('end', () => {
      if (src === client) clientFin = true;
      else upstreamFirst = !clientFin;
      endDst();
      onEnded();
    });
  };
  const endClient = () => {
    if (!client.writableEnded) client.end();
    // The upstream has ended: nothing more is in flight, so a held FIN goes now.
    if (lingerTimer !== undefined && !upstream.writableEnded) {
      clearTimeout(lingerTimer);
      upstream.end();
    }
  };

  // A function called twice rather than a loop over [socket, outcomes] tuples: no arrays per connection.
  const watch = (socket: net.Socket, resetOutcome: PumpOutcome, errorOutcome: PumpOutcome) => {
    // A no-op where it is already set (the listener's sockets, the proxy connection).
    socket.setNoDelay(true);
    socket.on('error', (err: NodeJS.ErrnoException) => cut(err.code === 'ECONNRESET' ? resetOutcome : errorOutcome, err));
    // A clean close of one side (both of its directions done) leaves the other to flush.
    socket.on('close', (hadError: boolean) => {
      if (hadError) cut(errorOutcome);
      onClose();
    });
    socket.on('timeout', onTimeout);
    if (options.idleTimeoutMs > 0) socket.setTimeout(options.idleTimeoutMs);
    // Gone before the pump took it (a server that resets at once, seen on a loaded machine): its
    // 'error' and 'close' have been and gone, so they are taken as they were, or the pump would
    // wait for a close that never comes.
    if (socket.closed) {
      const err = socket.errored as NodeJS.ErrnoException | null;
      cut(err?.code === 'ECONNRESET' ? resetOutcome : errorOutcome, err ?? undefined);
      process.nextTick(onClose);
    }
  };
  watch(client, 'client-reset', 'client-error');
  watch(upstream, 'upstream-reset', 'upstream-error');
  forward(client, upstream, endUpstream);
  forward(upstream, client, endClient, upstreamReads);
  if (options.clientEnded) {
    endUpstream();
    onEnded();
  }
  client.resume();
  upstream.resume();
  return { abort: () => fail('aborted') };
}
