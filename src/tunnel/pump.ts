import type net from 'node:net';

export type PumpOutcome = 'ok' | 'client-error' | 'upstream-error' | 'idle-timeout' | 'half-close-timeout' | 'aborted';

export interface PumpOptions {
  /** After one direction ends, how long the other may stay silent before both are closed. */
  halfCloseTimeoutMs: number;
  /** 0: never time out an idle connection. */
  idleTimeoutMs: number;
  /** The client already sent its FIN while the upstream was being opened. */
  clientEnded?: boolean;
}

export interface PumpResult {
  outcome: PumpOutcome;
  error?: Error;
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
 * Moves bytes both ways until both directions have ended. Backpressure: a side that cannot
 * write pauses the other's reading, so nothing buffers without bound. Half-close: the end of
 * one direction is passed on as a FIN and the other direction goes on, for at most
 * `halfCloseTimeoutMs`. An error on either side destroys both. No per-chunk work beyond the
 * write itself: byte counts come from the sockets when they close.
 */
export function pump(
  client: net.Socket,
  upstream: net.Socket,
  options: PumpOptions,
  onDone: (result: PumpResult) => void,
): PumpHandle {
  let result: PumpResult | undefined;
  let closed = 0;
  const keepAliveTimer = setTimeout(() => {
    client.setKeepAlive(true, KEEPALIVE_DELAY_MS);
    upstream.setKeepAlive(true, KEEPALIVE_DELAY_MS);
  }, KEEPALIVE_AFTER_MS);
  keepAliveTimer.unref();

  const fail = (outcome: PumpOutcome, error?: Error) => {
    if (!result) result = error ? { outcome, error } : { outcome };
    client.destroy();
    upstream.destroy();
  };

  const onClose = () => {
    closed += 1;
    if (closed < 2) return;
    clearTimeout(keepAliveTimer);
    onDone(result ?? { outcome: 'ok' });
  };

  let ended = 0;
  // Socket timeouts count silence (no read, no write) and re-arm on traffic: after one side has
  // ended, the other direction may run as long as it keeps moving, but not sit silent for longer
  // than the half-close timeout.
  const onTimeout = () => fail(ended > 0 ? 'half-close-timeout' : 'idle-timeout');
  const onEnded = () => {
    ended += 1;
    if (ended === 1 && options.halfCloseTimeoutMs > 0) {
      const ms = options.idleTimeoutMs > 0 ? Math.min(options.idleTimeoutMs, options.halfCloseTimeoutMs) : options.halfCloseTimeoutMs;
      client.setTimeout(ms);
      upstream.setTimeout(ms);
    }
  };

  const forward = (src: net.Socket, dst: net.Socket) => {
    src.on('data', (chunk: Buffer) => {
      if (!dst.write(chunk)) src.pause();
    });
    dst.on('drain', () => src.resume());
    src.on('end', () => {
      if (!dst.writableEnded) dst.end();
      onEnded();
    });
  };

  for (const [socket, outcome] of [
    [client, 'client-error'],
    [upstream, 'upstream-error'],
  ] as const) {
    // A no-op where it is already set (the listener's sockets, the proxy connection).
    socket.setNoDelay(true);
    socket.on('error', (err: Error) => fail(outcome, err));
    // A clean close of one side (both of its directions done) leaves the other to flush.
    socket.on('close', (hadError: boolean) => {
      if (hadError) fail(outcome);
      onClose();
    });
    socket.on('timeout', onTimeout);
    if (options.idleTimeoutMs > 0) socket.setTimeout(options.idleTimeoutMs);
  }
  forward(client, upstream);
  forward(upstream, client);
  if (options.clientEnded) {
    upstream.end();
    onEnded();
  }
  client.resume();
  upstream.resume();
  return { abort: () => fail('aborted') };
}
