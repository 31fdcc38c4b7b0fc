import http from 'node:http';
import type net from 'node:net';
import { sanitizeLine } from '../../log/sanitize';
import { Forwarder, ForwarderOptions, ForwardResult } from './forward';
import { failureStatus } from './status';
import { absoluteTarget, AbsoluteTarget, CONNECT_ESTABLISHED, connectTarget, framingRefusal, HttpTarget, Refusal, refusalBytes } from './request';

/** Request heads are bounded: llhttp refuses a longer one (431) before ptunnel sees it. */
export const MAX_HEADER_BYTES = 16 * 1024;
const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;

/** How a CONNECT's upstream went, told to the client once. */
export interface ConnectAnswer {
  succeed(): void;
  fail(err: unknown): void;
}

/** What the listener asks of the service for one client connection. */
export interface HttpProxySession {
  /** CONNECT host:port: the socket leaves HTTP; `head` holds the client bytes read after the request. */
  connect(target: HttpTarget, head: Buffer, answer: ConnectAnswer): void;
  /** A request passed the checks and is being forwarded now. */
  forwarding(): void;
  /** One forwarded request has been answered. */
  forwarded(req: http.IncomingMessage, target: AbsoluteTarget, result: ForwardResult, startedMs: number): void;
  /** A request was refused before any upstream: malformed, or a destination never served. */
  refused(kind: 'protocol' | 'destination', reason: string): void;
}

export interface HttpProxyOptions {
  forwarder: ForwarderOptions;
  /** Why ptunnel never goes to this destination (metadata addresses, its own ports), or undefined. */
  denied(target: HttpTarget): string | undefined;
  headersTimeoutMs?: number;
}

/** What llhttp's refusals mean to the client. */
function parseRefusal(err: Error & { code?: string }): Refusal {
  if (err.code === 'HPE_HEADER_OVERFLOW') return { status: 431, text: `request head over ${MAX_HEADER_BYTES / 1024} KiB` };
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, text: 'request head not received in time' };
  const what = err.code === 'HPE_INVALID_CONTENT_LENGTH' || err.code === 'HPE_UNEXPECTED_CONTENT_LENGTH' ? 'conflicting or invalid Content-Length' : err.code === 'HPE_INVALID_TRANSFER_ENCODING' ? 'invalid Transfer-Encoding' : 'malformed request';
  return { status: 400, text: `${what} (${err.code ?? 'parse error'}); ptunnel passes on well-formed HTTP/1.1 only` };
}

interface Connection {
  session: HttpProxySession;
  forwarder?: Forwarder;
  /** Answers being written: a parse error now waits for them before its refusal. */
  busy: number;
  timer?: NodeJS.Timeout;
  /** ptunnel's own refusal is on its way: nothing more is said on this socket. */
  closing?: boolean;
}

/**
 * The HTTP proxy listener: Node's http.Server (llhttp, strict) parses what the service's
 * listener accepted and passes in; this adds what llhttp lets through and a deadline for each
 * request head (http.Server enforces headersTimeout only on servers it listens with itself).
 */
export class HttpProxyServer {
  private readonly server: http.Server;
  private readonly connections = new Map<net.Socket, Connection>();
  private readonly headersTimeoutMs: number;
  private draining = false;

  constructor(private readonly options: HttpProxyOptions) {
    this.headersTimeoutMs = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
    this.server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: 0, keepAliveTimeout: 5000 });
    this.server.on('request', (req, res) => this.onRequest(req, res));
    this.server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => this.onConnect(req, socket, head));
    // No 'upgrade' listener: Node then hands Upgrade requests to 'request' like any other, and
    // the Upgrade header, being hop-by-hop, is not passed on (curl --http2 on http:// still works).
    this.server.on('clientError', (err: Error, socket: net.Socket) => this.onClientError(err, socket));
  }

  /** A socket the service accepted and admitted. */
  accept(socket: net.Socket, session: HttpProxySession): void {
    const connection: Connection = { session, busy: 0 };
    this.connections.set(socket, connection);
    this.arm(socket, connection);
    socket.once('close', () => {
      clearTimeout(connection.timer);
      connection.forwarder?.close();
      this.connections.delete(socket);
    });
    this.server.emit('connection', socket);
  }

  /**
   * Shutting down: connections idle between requests are closed now (a client may not count on
   * a kept-alive connection), the others after the answer being written.
   */
  drain(): void {
    this.draining = true;
    for (const [socket, connection] of this.connections) if (connection.busy === 0) socket.end();
  }

  /** Until a request head is in, the client has this long; then 408 and close. */
  private arm(socket: net.Socket, connection: Connection): void {
    clearTimeout(connection.timer);
    connection.timer = setTimeout(() => {
      if (connection.busy === 0) this.refuseRaw(socket, { status: 408, text: 'request head not received in time' }, 'protocol', 'request head not received in time');
    }, this.headersTimeoutMs);
    connection.timer.unref();
  }

  private refuseRaw(socket: net.Socket, refusal: Refusal, kind: 'protocol' | 'destination', reason: string): void {
    const connection = this.connections.get(socket);
    if (connection) {
      clearTimeout(connection.timer);
      connection.closing = true;
    }
    connection?.session.refused(kind, reason);
    if (socket.writable) socket.end(refusalBytes(refusal));
    else socket.destroy();
    // A client that never reads its refusal must not hold the descriptor.
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  private refuse(res: http.ServerResponse, refusal: Refusal): void {
    const body = `${refusal.text}\n`;
    res.writeHead(refusal.status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
    res.end(body);
  }

  private onClientError(err: Error, socket: net.Socket): void {
    const connection = this.connections.get(socket);
    if (connection?.closing) return void socket.destroy();
    if (connection && connection.busy > 0) {
      // An answer is still being written (a refusal of the request before): close after it.
      socket.once('finish', () => socket.destroy());
      return;
    }
    if ((err as { code?: string }).code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const refusal = parseRefusal(err);
    this.refuseRaw(socket, refusal, 'protocol', refusal.text);
  }

  private onConnect(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    const connection = this.connections.get(socket);
    if (!connection) return void socket.destroy();
    clearTimeout(connection.timer);
    const target = connectTarget(req.url ?? '');
    if (!target.ok) return this.refuseRaw(socket, target.refusal, 'protocol', target.refusal.text);
    const denied = this.options.denied(target.value);
    if (denied !== undefined) return this.refuseRaw(socket, { status: 403, text: denied }, 'destination', denied);
    // The socket is the tunnel's from here: no more HTTP on it.
    connection.forwarder?.close();
    this.connections.delete(socket);
    let answered = false;
    connection.session.connect(target.value, head, {
      succeed: () => {
        if (answered) return;
        answered = true;
        socket.write(CONNECT_ESTABLISHED);
      },
      fail: (err) => {
        if (answered) return;
        answered = true;
        const text = sanitizeLine(err instanceof Error ? err.message : String(err));
        socket.end(refusalBytes({ status: failureStatus(err), text }));
        setTimeout(() => socket.destroy(), 1000).unref();
      },
    });
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const socket = req.socket;
    const connection = this.connections.get(socket);
    if (!connection) return void socket.destroy();
    clearTimeout(connection.timer);
    connection.busy += 1;
    res.once('close', () => {
      connection.busy -= 1;
      if (connection.busy > 0 || socket.destroyed) return;
      if (this.draining) socket.end();
      else this.arm(socket, connection);
    });
    const started = performance.now();
    const refusal = framingRefusal(req.headers, req.httpVersionMajor);
    const target = refusal === undefined ? absoluteTarget(req.url ?? '') : undefined;
    const refused = refusal ?? (target && !target.ok ? target.refusal : undefined);
    if (refused !== undefined || !target?.ok) {
      connection.session.refused('protocol', (refused as Refusal).text);
      return this.refuse(res, refused as Refusal);
    }
    const denied = this.options.denied(target.value);
    if (denied !== undefined) {
      connection.session.refused('destination', denied);
      return this.refuse(res, { status: 403, text: denied });
    }
    connection.forwarder ??= new Forwarder(this.options.forwarder);
    connection.session.forwarding();
    void connection.forwarder.forward(req, res, target.value).then((result) => connection.session.forwarded(req, target.value, result, started));
  }
}
