import type net from 'node:net';
import { formatHostPort } from '../net/address';
import { Cancellation } from '../net/settle';
import type { TunnelSpec } from '../config/tunnel-spec';
import { PtunnelError, systemCode } from '../errors';
import type { Logger } from '../log/logger';
import { pump, PumpHandle, PumpOptions, PumpOutcome } from './pump';
import type { AddressScreen } from './dest-policy';
import type { Route, Router, Upstream } from './router';
import type { LiveConnection } from './snapshot';

const CLIENT_SIDE = new Set<string>(['client-reset', 'client-error']);
/** What a write to (or a read from) a socket its peer has closed ends with. */
const PEER_GONE = new Set(['ECONNRESET', 'EPIPE']);

/** What the client may send before the upstream is ready (TLS ClientHello, an SSH banner). */
export const DEFAULT_EARLY_BUFFER_BYTES = 64 * 1024;

export interface ConnectionRecord {
  id: number;
  tunnel: string;
  /** The client's address; absent when the logger would not print it (see handleConnection). */
  client?: string;
  route?: Route;
  target: string;
  remote?: string;
  reason?: string;
  durationMs: number;
  bytesUp: number;
  bytesDown: number;
  /** The pump's, or upstream-closed-first, client-closed (reset after its own FIN), client-gone, an error code. */
  outcome: PumpOutcome | string;
  error?: Error;
}

export interface ConnectionContext {
  id: number;
  tunnel: TunnelSpec;
  router: Router;
  pumpOptions: PumpOptions;
  logger: Logger;
  earlyBufferBytes?: number;
  /** Warm tunnels (--prewarm): one is taken before the router opens a new upstream. */
  warm?: { take(tunnel: TunnelSpec): Upstream | undefined };
  /** The upstream is open: which route, how long it took since accept, and its socket. */
  onUpstream?: (route: Route, seconds: number, socket: net.Socket) => void;
  onEnd?: (record: ConnectionRecord) => void;
  /**
   * A client that speaks a proxy protocol (SOCKS) is told the outcome: success once the upstream
   * is open, before any server byte; on failure `fail` writes the refusal and ends the socket.
   */
  answer?: { succeed(): void; fail(err: unknown): void };
  /** Addresses the destination's name may not resolve to on the direct route (--deny-dest). */
  screen?: AddressScreen;
}

export interface ConnectionHandle {
  /** Closes the connection now, in whatever phase it is. */
  abort(): void;
  /** What it is doing now, for `ptunnel status`: read from the sockets, nothing kept per chunk. */
  live(): LiveConnection;
}

/**
 * What the client sends while its upstream is being opened, held in a bounded buffer rather than
 * left in the kernel, so that a client that hangs up meanwhile is noticed (`onGone` cancels the
 * attempt). An object of its own, dropped once the upstream is open or has failed: its four
 * listeners then need not live as long as the connection does.
 */
class EarlyClient {
  readonly chunks: Buffer[] = [];
  ended = false;
  gone = false;
  private bytes = 0;
  private readonly onData = (chunk: Buffer) => {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes >= this.limit) this.client.pause();
  };
  private readonly onEnd = () => {
    this.ended = true;
  };
  private readonly onClose = () => {
    this.gone = true;
    this.onGone();
  };

  constructor(
    private readonly client: net.Socket,
    private readonly limit: number,
    private readonly onGone: () => void,
  ) {
    client.on('data', this.onData);
    client.on('end', this.onEnd);
    client.on('close', this.onClose);
    client.on('error', onEarlyError);
  }

  /**
   * The upstream is open, and the pump takes the client from here; or it has failed, and the
   * refusal may still meet a reset from the client, so its error listener stays.
   */
  stop(upstreamFailed: boolean): void {
    this.client.removeListener('data', this.onData);
    this.client.removeListener('end', this.onEnd);
    this.client.removeListener('close', this.onClose);
    if (!upstreamFailed) this.client.removeListener('error', onEarlyError);
  }
}

/** 'close' follows an error and cancels the attempt. */
const onEarlyError = () => undefined;

/**
 * One client connection: hold what the client sends until the upstream is ready (a proxy's
 * 2xx), give the client whatever the server sent with the proxy's answer, then pump.
 */
export function handleConnection(client: net.Socket, ctx: ConnectionContext): ConnectionHandle {
  const started = performance.now();
  const limit = ctx.earlyBufferBytes ?? DEFAULT_EARLY_BUFFER_BYTES;
  // Dropped once the upstream is open or has failed: a long-lived connection has no use for it.
  let attempt: Cancellation | undefined = new Cancellation();
  let pumpHandle: PumpHandle | undefined;
  let finished = false;
  let upstreamSocket: net.Socket | undefined;
  // The upstream's first bytes were the CONNECT request: not the client's.
  let upstreamBase = 0;
  const bytesUp = () => (upstreamSocket ? upstreamSocket.bytesWritten - upstreamBase : 0);
  // The client and upstream addresses are for the log line only, and each costs a getpeername
  // call: read them when the "connection closed" line (info) will be written, and for the
  // warning about a failed connection (below), not on every connection of a quiet ptunnel.
  const wantAddresses = ctx.logger.enabled('info');
  const record: ConnectionRecord = {
    id: ctx.id,
    tunnel: ctx.tunnel.source,
    target: formatHostPort(ctx.tunnel.host, ctx.tunnel.port),
    durationMs: 0,
    bytesUp: 0,
    bytesDown: 0,
    outcome: 'ok',
  };

  const end = (outcome: string, error?: Error) => {
    if (finished) return;
    finished = true;
    record.outcome = outcome;
    if (error) record.error = error;
    record.durationMs = Math.round(performance.now() - started);
    // Only what was sent: a client's ClientHello held while DNS failed reached no one.
    record.bytesUp = bytesUp();
    record.bytesDown = client.bytesWritten;
    ctx.onEnd?.(record);
  };

  const readClientAddress = () => {
    record.client = formatHostPort(client.remoteAddress ?? '?', client.remotePort ?? 0);
  };
  if (wantAddresses) readClientAddress();

  let early: EarlyClient | undefined = new EarlyClient(client, limit, () => attempt?.abort());
  /** The early phase is over: what it held, for the one who takes the client on. */
  const endEarly = (upstreamFailed: boolean): EarlyClient => {
    const held = early as EarlyClient;
    held.stop(upstreamFailed);
    early = undefined;
    attempt = undefined;
    return held;
  };

  const warm = ctx.warm?.take(ctx.tunnel);
  (warm ? Promise.resolve(warm) : ctx.router.open(ctx.tunnel, attempt, undefined, ctx.screen)).then(
    (upstream) => {
      record.route = upstream.route;
      ctx.onUpstream?.(upstream.route, (performance.now() - started) / 1000, upstream.socket);
      if (upstream.reason !== undefined) record.reason = upstream.reason;
      if (wantAddresses && upstream.socket.remoteAddress) {
        record.remote = formatHostPort(upstream.socket.remoteAddress, upstream.socket.remotePort ?? 0);
      }
      const held = endEarly(false);
      if (held.gone || client.destroyed) {
        upstream.socket.destroy();
        end('client-gone');
        return;
      }
      client.pause();
      ctx.answer?.succeed();
      upstreamSocket = upstream.socket;
      upstreamBase = upstream.socket.bytesWritten;
      if (upstream.head.length > 0) client.write(upstream.head);
      for (const chunk of held.chunks) upstream.socket.write(chunk);
      // Only a proxy may drop the server's bytes at the client's FIN; direct routes pass it at once.
      const halfCloseLingerMs = upstream.route === 'proxy' ? ctx.pumpOptions.halfCloseLingerMs : 0;
      pumpHandle = pump(client, upstream.socket, { ...ctx.pumpOptions, halfCloseLingerMs, clientEnded: held.ended }, (result) => {
        // Which side ended first (the pump's 'end' listeners, nothing per chunk): a server that
        // hung up on a client still talking (squid killed mid-session) is no plain "ok".
        if (result.outcome === 'ok' && result.upstreamFirst) end('upstream-closed-first');
        // swaks and fetchmail send QUIT, close, and leave the server's late bytes to their
        // kernel, which answers them with a reset: that is how they end a session, not a failure.
        else if (result.clientFin && CLIENT_SIDE.has(result.outcome) && PEER_GONE.has(systemCode(result.error) ?? '')) end('client-closed');
        else end(result.outcome, result.error);
      });
    },
    (err: unknown) => {
      const held = endEarly(true);
      const clientGone = held.gone;
      // Logged as a warning: give it the client's address while the socket can still tell it.
      if (record.client === undefined && !clientGone && ctx.logger.enabled('warn')) readClientAddress();
      if (ctx.answer && !clientGone) ctx.answer.fail(err);
      else client.destroy();
      if (clientGone) {
        end('client-gone');
        return;
      }
      const error = err instanceof Error ? err : new Error(String(err));
      end(error instanceof PtunnelError ? error.code : 'error', error);
    },
  );

  return {
    live: () => ({
      id: ctx.id,
      tunnel: ctx.tunnel.source,
      client: record.client ?? formatHostPort(client.remoteAddress ?? '?', client.remotePort ?? 0),
      target: record.target,
      ...(record.route ? { route: record.route } : {}),
      ageMs: Math.round(performance.now() - started),
      bytesUp: bytesUp(),
      bytesDown: client.bytesWritten,
    }),
    abort: () => {
      if (pumpHandle) pumpHandle.abort();
      else {
        attempt?.abort();
        client.destroy();
      }
    },
  };
}
