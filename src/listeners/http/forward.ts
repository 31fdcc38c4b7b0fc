import http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ProxySettings } from '../../config/load';
import { describeProxy } from '../../config/proxy-spec';
import { isPtunnelError, PtunnelError, systemCode } from '../../errors';
import { sanitizeLine } from '../../log/sanitize';
import { formatHostPort } from '../../net/address';
import { formatDuration } from '../../util/duration';
import { createAuthScheme } from '../../proxy/auth/factory';
import type { AuthChallenge, ProxyAuthScheme } from '../../proxy/auth/scheme';
import { AbsoluteTarget, endToEnd } from './request';
import { failureStatus } from './status';

/** A request body up to this size is kept, so that an authentication round can send it again. */
export const MAX_REPLAY_BODY_BYTES = 1024 * 1024;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
/** A handshake that has not ended after this many requests is going nowhere (as for CONNECT). */
const MAX_AUTH_ROUNDS = 5;

/** How one request leaves ptunnel: to the proxy in absolute form, or direct in origin form. */
export type ForwardRoute =
  | { route: 'direct'; reason?: string; open(signal: AbortSignal): Promise<net.Socket> }
  | { route: 'proxy'; proxy: ProxySettings; open(signal: AbortSignal): Promise<net.Socket> };

/** What one forwarded request did, for its log line and the metrics. */
export interface ForwardResult {
  route?: 'proxy' | 'direct';
  /** The proxy it went through, on route proxy. */
  proxy?: ProxySettings;
  reason?: string;
  status?: number;
  bytesUp: number;
  outcome: string;
  error?: Error;
}

export interface ForwarderOptions {
  route(target: AbsoluteTarget): Promise<ForwardRoute>;
  /** The upstream's silence (no answer, no bytes) after which the request fails with 504; 0: none. */
  idleTimeoutMs(): number;
  /** The proxy could not be reached: for its health. */
  proxyUnreachable?(proxy: ProxySettings, err: Error): void;
  onAuth?(scheme: string, outcome: 'ok' | 'rejected' | 'error'): void;
}

type Opener = { open(signal: AbortSignal): Promise<net.Socket> };

/** Errors of a request sent on a reused socket that the upstream had closed: nothing of it was answered. */
const staleSocket = new WeakSet<Error>();

/**
 * One client connection's upstream sockets: at most one per upstream (the proxy, or each origin
 * server direct), kept alive between requests, so that NTLM and Negotiate, which authenticate a
 * connection, see every round of a handshake on one socket.
 */
class UpstreamAgent extends http.Agent {
  private readonly abort = new AbortController();

  constructor() {
    super({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
  }

  override createConnection(options: http.ClientRequestArgs & { ptunnel?: Opener }, callback?: (err: Error | null, socket: Duplex) => void): Duplex {
    (options.ptunnel as Opener).open(this.abort.signal).then(
      (socket) => {
        socket.resume();
        callback?.(null, socket);
      },
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    );
    return undefined as unknown as Duplex;
  }

  override destroy(): void {
    this.abort.abort();
    super.destroy();
  }
}

/** Lower-case names, repeats joined with ", ", as a scheme reads a 407. */
function challengeOf(res: http.IncomingMessage): AuthChallenge {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    const name = (res.rawHeaders[i] as string).toLowerCase();
    const value = res.rawHeaders[i + 1] as string;
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { statusCode: res.statusCode ?? 0, headers };
}

function failureText(err: unknown, target: string): string {
  if (err instanceof PtunnelError) return sanitizeLine(err.message);
  const code = systemCode(err);
  return sanitizeLine(`cannot forward to ${target}: ${code ?? (err as Error).message ?? String(err)}`);
}

/**
 * Reads a request body into memory up to the replay bound; a longer one comes back with what was
 * read so far and the request still flowing.
 */
function readBody(req: http.IncomingMessage): Promise<{ chunks: Buffer[]; complete: boolean }> {
  const length = Number(req.headers['content-length'] ?? 0);
  if (req.headers['transfer-encoding'] === undefined && length === 0) return Promise.resolve({ chunks: [], complete: true });
  if (length > MAX_REPLAY_BODY_BYTES) return Promise.resolve({ chunks: [], complete: false });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_REPLAY_BODY_BYTES) {
        stop();
        req.pause();
        resolve({ chunks, complete: false });
      }
    };
    const onEnd = () => {
      stop();
      resolve({ chunks, complete: true });
    };
    const onError = (err: Error) => {
      stop();
      reject(err);
    };
    const stop = () => {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Forwards a client connection's absolute-URI requests, one upstream socket per upstream, kept alive. */
export class Forwarder {
  private readonly agent = new UpstreamAgent();

  constructor(private readonly options: ForwarderOptions) {}

  /** Lets go of the kept upstream sockets (the client connection is gone). */
  close(): void {
    this.agent.destroy();
  }

  /** Forwards one request and answers the client; resolves when the answer is over. */
  async forward(req: http.IncomingMessage, res: http.ServerResponse, target: AbsoluteTarget): Promise<ForwardResult> {
    const where = formatHostPort(target.host, target.port);
    const result: ForwardResult = { bytesUp: 0, outcome: 'ok' };
    const fail = (err: unknown, status = failureStatus(err)) => {
      result.outcome = isPtunnelError(err) ? err.code : (systemCode(err) ?? 'error');
      result.error = err instanceof Error ? err : new Error(String(err));
      result.status = status;
      if (!res.headersSent) {
        const body = `${failureText(err, where)}\n`;
        res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
        res.end(body);
      } else res.destroy();
      return result;
    };
    let route: ForwardRoute;
    let body: { chunks: Buffer[]; complete: boolean };
    try {
      [route, body] = await Promise.all([this.options.route(target), readBody(req)]);
    } catch (err) {
      return fail(err);
    }
    result.route = route.route;
    if (route.route === 'proxy') result.proxy = route.proxy;
    if (route.route === 'direct' && route.reason !== undefined) result.reason = route.reason;
    const scheme = route.route === 'proxy' ? createAuthScheme(route.proxy) : undefined;
    const proxyName = route.route === 'proxy' ? describeProxy(route.proxy.endpoint) : '';
    let authorization: string | undefined;
    try {
      authorization = await scheme?.first();
    } catch (err) {
      this.options.onAuth?.(scheme?.name ?? 'auth', 'error');
      return fail(new PtunnelError('ERR_PROXY_AUTH', `proxy ${proxyName}: ${(err as Error).message}`, { cause: err }));
    }
    let retried = false;
    for (let round = 1; ; round += 1) {
      let upstream: http.IncomingMessage;
      try {
        upstream = await this.send(req, res, target, route, body, authorization, result);
      } catch (err) {
        // A kept-alive upstream socket the other side closed while idle: the request never got
        // there, so it is sent once more on a new connection (Node's documented keep-alive race);
        // only an idempotent one (RFC 9110 9.2.2: a POST may have been acted on all the same).
        if (staleSocket.has(err as Error) && body.complete && IDEMPOTENT.has(req.method ?? '') && !retried && !res.destroyed) {
          retried = true;
          continue;
        }
        if (route.route === 'proxy' && err instanceof PtunnelError && (err.code === 'ERR_PROXY_CONNECT' || err.code === 'ERR_PROXY_TIMEOUT') && (err.details as { phase?: string } | undefined)?.phase === 'connect') {
          this.options.proxyUnreachable?.(route.proxy, err);
        }
        return fail(err);
      }
      if (upstream.statusCode === 407 && route.route === 'proxy') {
        const next = await this.nextRound(upstream, scheme, authorization !== undefined, round, body.complete, proxyName);
        if ('error' in next) {
          if (scheme && authorization !== undefined) this.options.onAuth?.(scheme.name, 'rejected');
          return fail(next.error, 502);
        }
        authorization = next.header;
        continue;
      }
      if (scheme && authorization !== undefined) this.options.onAuth?.(scheme.name, 'ok');
      result.status = upstream.statusCode ?? 0;
      return this.answer(upstream, res, result);
    }
  }

  /** After a 407 whose body was read: the scheme's next header, or why there is none. */
  private async nextRound(
    upstream: http.IncomingMessage,
    scheme: ProxyAuthScheme | undefined,
    sent: boolean,
    round: number,
    replayable: boolean,
    proxyName: string,
  ): Promise<{ header: string } | { error: PtunnelError }> {
    const challenge = challengeOf(upstream);
    await new Promise<void>((resolve) => {
      upstream.once('end', resolve).once('error', () => resolve());
      upstream.resume();
    });
    const refused = (text: string) => ({ error: new PtunnelError('ERR_PROXY_AUTH', `proxy ${proxyName} ${text}`, { details: { status: 407, statusLine: '407' } }) });
    if (!scheme) return refused('requires authentication (407); start ptunnel with --user and --proxy-password-file, or a Kerberos ticket');
    if (round >= MAX_AUTH_ROUNDS) return refused(`still answered 407 after ${round} rounds of ${scheme.name} authentication; check ptunnel's --user and password`);
    if (!replayable) return refused(`asks for another round of ${scheme.name} authentication, and a request body over 1 MiB cannot be sent twice; retry the request (the connection is authenticated now) or send a smaller body`);
    if (scheme.connectionBound && /\bclose\b/i.test(challenge.headers.connection ?? challenge.headers['proxy-connection'] ?? '')) {
      return refused(`closed the connection in the middle of the ${scheme.name} handshake`);
    }
    let header: string | undefined;
    try {
      header = await scheme.next(challenge);
    } catch (err) {
      return { error: new PtunnelError('ERR_PROXY_AUTH', `proxy ${proxyName}: ${(err as Error).message}`, { cause: err }) };
    }
    if (header === undefined) return refused(sent ? `rejected ptunnel's credentials (407) to ${scheme.name} authentication; check --user and the password` : `requires authentication (407) and ${scheme.name} could not answer it`);
    return { header };
  }

  /** One request upstream; resolves with the answer's head. */
  private send(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    target: AbsoluteTarget,
    route: ForwardRoute,
    body: { chunks: Buffer[]; complete: boolean },
    authorization: string | undefined,
    result: ForwardResult,
  ): Promise<http.IncomingMessage> {
    const headers: string[] = ['Host', target.authority];
    for (const [name, value] of endToEnd(req.rawHeaders)) {
      if (body.complete && name.toLowerCase() === 'content-length') continue;
      headers.push(name, value);
    }
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    const length = body.chunks.reduce((n, c) => n + c.length, 0);
    if (body.complete && hasBody) headers.push('Content-Length', String(length));
    // A chunked body too long to keep is streamed, so its length is unknown: the client's
    // Transfer-Encoding is hop-by-hop and was dropped, and Node frames the body by itself only for
    // methods that usually have one. A GET or DELETE body sent unframed would be read upstream as
    // the next requests on the connection (a request hidden in it, past the destination rules).
    else if (!body.complete && req.headers['transfer-encoding'] !== undefined) headers.push('Transfer-Encoding', 'chunked');
    if (authorization !== undefined) headers.push('Proxy-Authorization', authorization);
    const viaProxy = route.route === 'proxy';
    const options: http.RequestOptions & { ptunnel: Opener } = {
      agent: this.agent,
      host: viaProxy ? route.proxy.endpoint.host : target.host,
      port: viaProxy ? route.proxy.endpoint.port : target.port,
      method: req.method ?? 'GET',
      path: viaProxy ? `http://${target.authority}${target.path}` : target.path,
      headers,
      setHost: false,
      ptunnel: route,
    };
    return new Promise((resolve, reject) => {
      const out = http.request(options);
      let socket: net.Socket | undefined;
      let written = 0;
      let readBefore = 0;
      out.once('socket', (s: net.Socket) => {
        socket = s;
        written = s.bytesWritten;
        readBefore = s.bytesRead;
      });
      const gone = () => out.destroy();
      res.once('close', gone);
      out.once('response', (upstream: http.IncomingMessage) => {
        if (socket) result.bytesUp += socket.bytesWritten - written;
        res.removeListener('close', gone);
        resolve(upstream);
      });
      // Kept after the answer came: a reset mid-body must not be an unhandled 'error'.
      out.on('error', (err) => {
        res.removeListener('close', gone);
        const code = systemCode(err);
        if (out.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE') && socket && socket.bytesRead === readBefore) staleSocket.add(err);
        reject(err);
      });
      const idleMs = this.options.idleTimeoutMs();
      if (idleMs > 0) {
        out.setTimeout(idleMs, () =>
          out.destroy(
            viaProxy
              ? new PtunnelError('ERR_PROXY_TIMEOUT', `proxy ${describeProxy(route.proxy.endpoint)} sent no answer within ${formatDuration(idleMs)}`, { details: { phase: 'answer' } })
              : new PtunnelError('ERR_DIRECT_TIMEOUT', `${formatHostPort(target.host, target.port)} sent no answer within ${formatDuration(idleMs)}`),
          ),
        );
      }
      for (const chunk of body.chunks) out.write(chunk);
      if (body.complete) out.end();
      else {
        req.pipe(out);
        req.resume();
      }
    });
  }

  /** The upstream's answer to the client: its end-to-end headers, its body streamed. */
  private answer(upstream: http.IncomingMessage, res: http.ServerResponse, result: ForwardResult): Promise<ForwardResult> {
    const headers: string[] = [];
    for (const [name, value] of endToEnd(upstream.rawHeaders)) headers.push(name, value);
    return new Promise((resolve) => {
      try {
        res.writeHead(upstream.statusCode ?? 502, upstream.statusMessage, headers);
      } catch (err) {
        // Node refuses to write what llhttp let in (a status outside 100-999, say): say so instead.
        upstream.destroy();
        res.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }).end('the upstream answer cannot be passed on\n');
        result.outcome = 'ERR_PROXY_PROTOCOL';
        result.error = err as Error;
        resolve(result);
        return;
      }
      upstream.pipe(res);
      const done = (outcome: string) => {
        result.outcome = outcome;
        resolve(result);
      };
      res.once('finish', () => done('ok'));
      res.once('close', () => {
        if (!res.writableFinished) {
          upstream.destroy();
          done('client-gone');
        }
      });
      upstream.once('aborted', () => res.destroy());
      upstream.once('error', () => res.destroy());
    });
  }
}
