import net from 'node:net';
import tls from 'node:tls';
import { formatHostPort } from '../net/address';
import type { ProxySettings } from '../config/load';
import { describeProxy } from '../config/proxy-spec';
import { PtunnelError, systemCode } from '../errors';
import { formatDuration } from '../util/duration';
import { buildConnectRequest } from './connect-request';
import { ConnectResponse, ConnectResponseParser, DEFAULT_MAX_HEADER_BYTES } from './connect-response';

export interface ProxyConnectOptions {
  proxy: ProxySettings;
  host: string;
  port: number;
  /** Bounds the TCP (and TLS) connect plus the wait for the answer. */
  timeoutMs: number;
  signal?: AbortSignal;
  maxHeaderBytes?: number;
}

export interface ProxyTunnel {
  /** Paused, with no listeners of ours: the caller resumes it when it is ready to pump. */
  socket: net.Socket;
  /** Server bytes that arrived with the proxy's answer (an SMTP or SSH banner). */
  head: Buffer;
  response: ConnectResponse;
}

/** Errors on the way to the proxy that mean "the proxy is not there" (not "the proxy said no"). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EADDRNOTAVAIL',
  'EPIPE',
]);

/** The proxy's status line as it may appear in messages: no control characters from a hostile proxy. */
function shown(statusLine: string): string {
  return Array.from(statusLine.slice(0, 200), (c) => {
    const n = c.charCodeAt(0);
    return n < 0x20 || (n >= 0x7f && n < 0xa0) ? '?' : c;
  }).join('');
}

function statusError(res: ConnectResponse, opts: ProxyConnectOptions): PtunnelError {
  const proxy = describeProxy(opts.proxy.endpoint);
  const target = formatHostPort(opts.host, opts.port);
  const statusLine = shown(res.statusLine);
  const details = { status: res.statusCode, statusLine };
  if (res.statusCode === 407) {
    const scheme = (res.headers['proxy-authenticate'] ?? '').split(/[\s,]/)[0] ?? '';
    const offered = scheme && !/^basic$/i.test(scheme) ? ` (the proxy asks for ${scheme}; ptunnel speaks Basic only)` : '';
    const message = opts.proxy.authorization
      ? `proxy ${proxy} rejected the credentials for user "${opts.proxy.endpoint.username}" (407)${offered}; check --user and the password`
      : `proxy ${proxy} requires authentication (407)${offered}; give --user and --proxy-password-file (or PTUNNEL_PROXY_USER and PTUNNEL_PROXY_PASSWORD_FILE)`;
    return new PtunnelError('ERR_PROXY_AUTH', message, { details });
  }
  if (res.statusCode === 403) {
    return new PtunnelError(
      'ERR_PROXY_FORBIDDEN',
      `proxy ${proxy} refuses CONNECT to ${target} (${statusLine}); many proxies allow CONNECT only to port 443, so ask its admin to allow port ${opts.port}, or (in auto mode) send this target direct with --no-proxy`,
      { details },
    );
  }
  return new PtunnelError('ERR_PROXY_REFUSED', `proxy ${proxy} could not open ${target}: ${statusLine}`, { details });
}

/**
 * Opens a connection to the proxy and asks it for a tunnel to host:port. Resolves once the
 * proxy answered 2xx; the socket then carries the server's bytes, starting with `head`.
 */
export function connectViaProxy(opts: ProxyConnectOptions): Promise<ProxyTunnel> {
  const { endpoint } = opts.proxy;
  const proxyName = describeProxy(endpoint);
  return new Promise<ProxyTunnel>((resolve, reject) => {
    let phase: 'connect' | 'answer' = 'connect';
    let settled = false;
    const parser = new ConnectResponseParser(opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES);

    const socket =
      endpoint.protocol === 'https'
        ? tls.connect({
            host: endpoint.host,
            port: endpoint.port,
            servername: net.isIP(endpoint.host) ? undefined : endpoint.host,
            ca: opts.proxy.ca,
            ALPNProtocols: ['http/1.1'],
            // The server may end its side first and still read what the client sends after.
            // (tls.connect passes this on to the socket; the typings omit it.)
            ...({ allowHalfOpen: true } as tls.ConnectionOptions),
          })
        : net.connect({ host: endpoint.host, port: endpoint.port, allowHalfOpen: true });

    const finish = (err: PtunnelError | undefined, value?: ProxyTunnel) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      socket.removeListener('end', onClose);
      if (err) {
        socket.destroy();
        reject(err);
      } else {
        resolve(value as ProxyTunnel);
      }
    };

    const timer = setTimeout(() => {
      const what = phase === 'connect' ? 'did not accept the connection' : 'did not answer CONNECT';
      finish(
        new PtunnelError('ERR_PROXY_TIMEOUT', `proxy ${proxyName} ${what} within ${formatDuration(opts.timeoutMs)}`, {
          details: { phase },
        }),
      );
    }, opts.timeoutMs);

    const onConnected = () => {
      phase = 'answer';
      socket.setNoDelay(true);
      socket.write(buildConnectRequest(opts.host, opts.port, opts.proxy.authorization));
    };

    const onData = (chunk: Buffer) => {
      let res: ConnectResponse | undefined;
      try {
        res = parser.push(chunk);
      } catch (err) {
        finish(err as PtunnelError);
        return;
      }
      if (!res) return;
      if (res.statusCode >= 200 && res.statusCode < 300) {
        // Nothing more may be read until the caller has wired the client: bytes must not be lost.
        socket.pause();
        finish(undefined, { socket, head: res.rest, response: res });
      } else {
        finish(statusError(res, opts));
      }
    };

    const onError = (err: Error) => {
      const code = systemCode(err);
      if (phase === 'connect' && (code === undefined || !(UNREACHABLE.has(code) || LOCAL_SHORTAGE.has(code))) && endpoint.protocol === 'https') {
        finish(
          new PtunnelError('ERR_PROXY_PROTOCOL', `TLS with proxy ${proxyName} failed: ${err.message}; check --proxy-ca`, { cause: err }),
        );
        return;
      }
      const message =
        phase === 'connect'
          ? `cannot connect to proxy ${proxyName}: ${code ?? err.message}`
          : `proxy ${proxyName} connection failed while waiting for its answer: ${code ?? err.message}`;
      finish(new PtunnelError(phase === 'connect' ? 'ERR_PROXY_CONNECT' : 'ERR_PROXY_CLOSED', message, { cause: err, details: { phase } }));
    };

    const onClose = () => {
      finish(new PtunnelError('ERR_PROXY_CLOSED', `proxy ${proxyName} closed the connection before answering CONNECT`));
    };

    const onAbort = () => finish(new PtunnelError('ERR_CANCELLED', 'connection attempt cancelled: the client went away'));

    if (opts.signal?.aborted) {
      onAbort();
      return;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once(endpoint.protocol === 'https' ? 'secureConnect' : 'connect', onConnected);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    // With allowHalfOpen a FIN from the proxy does not close the socket: watch for it too.
    socket.on('end', onClose);
  });
}

/** How the router should react to a failed proxy attempt. */
export type ProxyFailure =
  /** The proxy is not reachable: mark it down and (in auto mode) go direct. */
  | 'unreachable'
  /** The proxy is there but could not reach the target (5xx): go direct in auto mode. */
  | 'upstream'
  /** The proxy said no for a reason that going direct would not fix or would bypass (407, 403). */
  | 'fatal';

/**
 * Failures of this machine, not of the proxy: out of descriptors, buffers, memory or ports.
 * Blaming the proxy would send every connection direct for a back-off period after they pass.
 */
const LOCAL_SHORTAGE = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM', 'EADDRNOTAVAIL']);

export function classifyProxyFailure(err: unknown): ProxyFailure {
  if (!(err instanceof PtunnelError)) return 'fatal';
  const cause = systemCode(err.cause);
  if (cause !== undefined && LOCAL_SHORTAGE.has(cause)) return 'fatal';
  if (err.code === 'ERR_PROXY_CONNECT' || err.code === 'ERR_PROXY_TIMEOUT') return 'unreachable';
  const status = err.details?.status;
  if (err.code === 'ERR_PROXY_REFUSED' && typeof status === 'number' && status >= 500) return 'upstream';
  return 'fatal';
}
