import { sanitizeLine } from '../log/sanitize';
import net from 'node:net';
import type tls from 'node:tls';
import { formatHostPort, tlsServerName } from '../net/address';
import type { ProxySettings } from '../config/load';
import { describeProxy } from '../config/proxy-spec';
import { ProxyPhase, PtunnelError, systemCode } from '../errors';
import { ReusedReads } from '../net/reused-reads';
import { CancelSignal, cancelledError, settleOnce } from '../net/settle';
import { tlsModule } from '../util/builtins';
import { formatDuration } from '../util/duration';
import { createAuthScheme, offeredNames } from './auth/factory';
import type { AuthStep, ProxyAuthScheme } from './auth/scheme';
import { buildConnectRequest } from './connect-request';
import { ConnectResponse, ConnectResponseParser, DEFAULT_MAX_HEADER_BYTES, hasToken } from './connect-response';
import { shownBytes } from './shown';
import { tlsFailure } from './tls-failure';

export interface ProxyConnectOptions {
  proxy: ProxySettings;
  host: string;
  port: number;
  /** Bounds the TCP (and TLS) connect plus the wait for the answer. */
  timeoutMs: number;
  signal?: CancelSignal;
  maxHeaderBytes?: number;
  /** The authentication scheme for this attempt; by default the one the proxy settings call for. */
  auth?: ProxyAuthScheme;
  /** Told how each authentication went (for metrics): once per attempt that sent credentials. */
  onAuth?: (scheme: string, outcome: AuthOutcome) => void;
}

/** ok: the proxy took the credentials; rejected: it answered 407 to them; error: the handshake failed. */
export type AuthOutcome = 'ok' | 'rejected' | 'error';

export interface ProxyTunnel {
  /** Paused, with no listeners of ours: the caller resumes it when it is ready to pump. */
  socket: net.Socket;
  /** Server bytes that arrived with the proxy's answer (an SMTP or SSH banner). */
  head: Buffer;
  response: ConnectResponse;
}

/** Errors on the way to the proxy that mean "the proxy is not there" (not "the proxy said no"). */
export const UNREACHABLE = new Set([
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
  return sanitizeLine(statusLine.slice(0, 200));
}

/** Whom the credentials name, for messages: never more than the user name. */
function whom(opts: ProxyConnectOptions, auth: ProxyAuthScheme): string {
  const user = opts.proxy.credentials?.user ?? opts.proxy.endpoint.username;
  if (auth.name === 'Negotiate') return 'the Kerberos login of this process';
  return user === undefined ? 'no user' : `user "${user}"`;
}

function authFix(auth: ProxyAuthScheme): string {
  if (auth.name === 'Negotiate') return 'check the ticket (klist), its realm and the proxy\'s service name (--proxy-spn)';
  if (auth.name === 'NTLM') return 'check --user (DOMAIN\\user or user@REALM, or --proxy-domain) and the password or NT hash';
  return 'check --user and the password';
}

function statusError(res: ConnectResponse, opts: ProxyConnectOptions, auth: ProxyAuthScheme | undefined, authSent = false): PtunnelError {
  const proxy = describeProxy(opts.proxy.endpoint);
  const target = formatHostPort(opts.host, opts.port);
  const statusLine = shown(res.statusLine);
  const details = { status: res.statusCode, statusLine };
  if (res.statusCode === 407) {
    const offered = offeredNames(res);
    let message: string;
    if (!auth) {
      message = `proxy ${proxy} requires authentication (407) with ${offered}; give --user and --proxy-password-file (or PTUNNEL_PROXY_USER and PTUNNEL_PROXY_PASSWORD_FILE), or a Kerberos ticket`;
    } else if (!new RegExp(`(^|, )${auth.name}(, |$)`, 'i').test(offered)) {
      // Under auto the proxy changed its offer between two rounds of one handshake: naming auto would send the user in a circle.
      const fix = (opts.proxy.auth ?? 'auto') === 'auto' ? 'set --proxy-auth to one of those' : 'set --proxy-auth to auto or to one of those';
      message = `proxy ${proxy} does not offer ${auth.name} authentication (it offers ${offered}); ${fix}`;
    } else if (!authSent) {
      message = `proxy ${proxy} requires authentication (407) and ${auth.name} could not answer it; ${authFix(auth)}`;
    } else {
      message = `proxy ${proxy} rejected the credentials for ${whom(opts, auth)} (407) to ${auth.name} authentication; ${authFix(auth)}`;
    }
    return new PtunnelError('ERR_PROXY_AUTH', message, { details });
  }
  if (res.statusCode === 400 && auth && authSent) {
    return new PtunnelError(
      'ERR_PROXY_AUTH',
      `proxy ${proxy} answered the ${auth.name} authentication of ${whom(opts, auth)} with ${statusLine}: it cannot read what ptunnel sent; try --proxy-auth with another scheme it offers`,
      { details },
    );
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

/** A handshake that has not ended after this many CONNECTs is going nowhere. */
const MAX_AUTH_ROUNDS = 5;
/** Longer 407 bodies (squid's error page is a few KiB) are not worth reading to go on. */
const MAX_AUTH_BODY_BYTES = 64 * 1024;

/**
 * The length of a 407's body when the socket can carry the next round after it, else
 * undefined: a chunked or close-delimited body has no end we could find within the bound, and a
 * proxy that says it closes (or speaks HTTP/1.0 without keep-alive) will not read another CONNECT.
 */
function reusableBodyLength(res: ConnectResponse): number | undefined {
  const { headers } = res;
  const length = headers['content-length'];
  if (headers['transfer-encoding'] !== undefined || length === undefined || !/^\d{1,9}$/.test(length)) return undefined;
  const connection = `${headers.connection ?? ''},${headers['proxy-connection'] ?? ''}`;
  if (hasToken(connection, 'close') || (res.httpVersion === '1.0' && !hasToken(connection, 'keep-alive'))) return undefined;
  const bytes = Number(length);
  return bytes <= MAX_AUTH_BODY_BYTES ? bytes : undefined;
}

/**
 * Opens a connection to the proxy and asks it for a tunnel to host:port, answering its 407s on
 * the same socket for as long as the auth scheme has a next round. Resolves once the proxy
 * answered 2xx; the socket then carries the server's bytes, starting with `head`. Nothing of the
 * server's is read past that answer, and nothing of the client's is sent before it.
 */
export async function connectViaProxy(opts: ProxyConnectOptions): Promise<ProxyTunnel> {
  const fresh = opts.auth === undefined;
  let auth = opts.auth ?? createAuthScheme(opts.proxy);
  const state = { sent: false };
  try {
    try {
      return reported(await connectOnce(opts, auth, state), auth, state, opts);
    } catch (err) {
      // The handshake's rounds are only valid on one connection: a proxy that closed it in
      // between gets one more try on a new one (with auto's choice now known), never more.
      if (!(fresh && cutShort.has(err as object))) throw err;
      auth = createAuthScheme(opts.proxy);
      state.sent = false;
      try {
        return reported(await connectOnce(opts, auth, state), auth, state, opts);
      } catch (again) {
        if (!cutShort.has(again as object)) throw again;
        throw new PtunnelError('ERR_PROXY_AUTH', `${(again as Error).message}, and again on a new connection; the proxy must keep the connection open between its challenge and the answer (keep-alive)`);
      }
    }
  } catch (err) {
    if (auth && state.sent && err instanceof PtunnelError && err.code === 'ERR_PROXY_AUTH') {
      opts.onAuth?.(auth.name, err.details?.status === 407 ? 'rejected' : 'error');
    }
    throw err;
  }
}

function reported(tunnel: ProxyTunnel, auth: ProxyAuthScheme | undefined, state: { sent: boolean }, opts: ProxyConnectOptions): ProxyTunnel {
  if (auth && state.sent) opts.onAuth?.(auth.name, 'ok');
  return tunnel;
}

/** Errors meaning the proxy closed the connection in the middle of a handshake: worth one retry. */
const cutShort = new WeakSet<object>();

function connectOnce(opts: ProxyConnectOptions, auth: ProxyAuthScheme | undefined, state: { sent: boolean }): Promise<ProxyTunnel> {
  const { endpoint } = opts.proxy;
  const proxyName = describeProxy(endpoint);
  const maxHeaderBytes = opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  return settleOnce<ProxyTunnel>({ timeoutMs: opts.timeoutMs, signal: opts.signal, aborted: cancelledError }, (attempt) => {
    let phase: ProxyPhase = 'connect';
    // One parser per answer, so each answer of a handshake has the whole header bound.
    let parser = new ConnectResponseParser(maxHeaderBytes);
    let rounds = 0;
    // Between a 407 and the next CONNECT: the body still to be skipped, and the header once the scheme has it.
    let bodyLeft = 0;
    let nextHeader: string | undefined;
    // A 407 came that the scheme answers: from here a close cuts the handshake short.
    let handshaking = false;
    const cut = () => {
      const err = new PtunnelError('ERR_PROXY_AUTH', `proxy ${proxyName} did not keep the connection open for the next round of the ${auth?.name} handshake`);
      cutShort.add(err);
      return err;
    };

    const socket =
      endpoint.protocol === 'https'
        ? tlsModule().connect({
            host: endpoint.host,
            port: endpoint.port,
            servername: tlsServerName(endpoint.host),
            ca: opts.proxy.ca,
            ALPNProtocols: ['http/1.1'],
            // The server may end its side first and still read what the client sends after.
            // (tls.connect passes this on to the socket; the typings omit it.)
            ...({ allowHalfOpen: true } as tls.ConnectionOptions),
          })
        : // Plain: read into reused buffers once it carries a tunnel (net/reused-reads).
          ReusedReads.connect({ host: endpoint.host, port: endpoint.port, allowHalfOpen: true });

    const send = (authorization: string | undefined) => {
      rounds += 1;
      if (authorization !== undefined) state.sent = true;
      socket.write(buildConnectRequest(opts.host, opts.port, authorization, { keepAlive: auth?.connectionBound }));
    };

    /** Waits for a scheme's step when it is asynchronous; a scheme that throws ends the attempt. */
    const whenStep = (step: () => AuthStep, then: (header: string | undefined) => void) => {
      const failed = (err: unknown) => {
        // Our own errors (a malformed challenge, the kerberos module missing) say what to do already.
        const message = err instanceof PtunnelError ? err.message : `${auth?.name} authentication failed: ${(err as Error).message ?? String(err)}`;
        attempt.reject(new PtunnelError('ERR_PROXY_AUTH', `proxy ${proxyName}: ${message}`, { cause: err }));
      };
      let header: AuthStep;
      try {
        header = step();
      } catch (err) {
        failed(err);
        return;
      }
      if (typeof header !== 'object') then(header);
      else header.then((h) => (attempt.settled ? undefined : then(h)), (err: unknown) => (attempt.settled ? undefined : failed(err)));
    };

    const sendWhenReady = () => {
      if (nextHeader === undefined || bodyLeft > 0) return;
      const header = nextHeader;
      nextHeader = undefined;
      send(header);
    };

    const onConnected = () => {
      phase = 'answer';
      socket.setNoDelay(true);
      whenStep(() => auth?.first(), send);
    };

    const onAnswer = (res: ConnectResponse) => {
      if (res.statusCode < 200) {
        // Only 101 gets here (the parser skips the interim 1xx): CONNECT asked for no Upgrade.
        attempt.reject(
          new PtunnelError(
            'ERR_PROXY_PROTOCOL',
            `proxy ${proxyName} answered CONNECT with ${shown(res.statusLine)}, a protocol switch nobody asked for; a proxy must answer 2xx to open a tunnel`,
          ),
        );
        return;
      }
      if (res.statusCode >= 200 && res.statusCode < 300) {
        // Nothing more may be read until the caller has wired the client: bytes must not be lost.
        socket.pause();
        attempt.resolve({ socket, head: res.rest, response: res });
        return;
      }
      if (res.statusCode !== 407 || !auth) {
        attempt.reject(statusError(res, opts, auth, state.sent));
        return;
      }
      if (rounds >= MAX_AUTH_ROUNDS) {
        attempt.reject(
          new PtunnelError(
            'ERR_PROXY_AUTH',
            `proxy ${proxyName} still answered 407 after ${rounds} rounds of ${auth.name} authentication for ${whom(opts, auth)}; the handshake is going nowhere: ${authFix(auth)}`,
            { details: { status: res.statusCode, statusLine: shown(res.statusLine) } },
          ),
        );
        return;
      }
      const body = reusableBodyLength(res);
      handshaking = true;
      if (body !== undefined) {
        parser = new ConnectResponseParser(maxHeaderBytes);
        bodyLeft = body;
      }
      whenStep(
        () => auth.next(res),
        (header) => {
          if (header === undefined) attempt.reject(statusError(res, opts, auth, state.sent));
          else if (body === undefined) attempt.reject(cut());
          else {
            nextHeader = header;
            sendWhenReady();
          }
        },
      );
      if (body !== undefined && res.rest.length > 0 && !attempt.settled) onData(res.rest);
    };

    const onData = (chunk: Buffer) => {
      let bytes = chunk;
      if (bodyLeft > 0) {
        const skip = Math.min(bodyLeft, bytes.length);
        bodyLeft -= skip;
        bytes = bytes.subarray(skip);
        sendWhenReady();
        if (bytes.length === 0) return;
      }
      let res: ConnectResponse | undefined;
      try {
        res = parser.push(bytes);
      } catch (err) {
        attempt.reject(err as PtunnelError);
        return;
      }
      if (res) onAnswer(res);
    };

    const onError = (err: Error) => {
      const code = systemCode(err);
      if (phase === 'connect' && (code === undefined || !(UNREACHABLE.has(code) || LOCAL_SHORTAGE.has(code))) && endpoint.protocol === 'https') {
        attempt.reject(tlsFailure(err, endpoint, opts.proxy.ca !== undefined));
        return;
      }
      const message =
        phase === 'connect'
          ? `cannot connect to proxy ${proxyName}: ${code ?? err.message}`
          : `proxy ${proxyName} connection failed while waiting for its answer: ${code ?? err.message}`;
      attempt.reject(new PtunnelError(phase === 'connect' ? 'ERR_PROXY_CONNECT' : 'ERR_PROXY_CLOSED', message, { cause: err, details: { phase } }));
    };

    const onClose = () => {
      if (handshaking) {
        attempt.reject(cut());
        return;
      }
      attempt.reject(new PtunnelError('ERR_PROXY_CLOSED', `proxy ${proxyName} closed the connection before answering CONNECT`));
    };

    socket.once(endpoint.protocol === 'https' ? 'secureConnect' : 'connect', onConnected);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    // With allowHalfOpen a FIN from the proxy does not close the socket: watch for it too.
    socket.on('end', onClose);
    return {
      timeout: () => {
        // A proxy that sent part of an answer is there: say what it sent rather than that it is silent.
        const partial = parser.partial();
        const what =
          phase === 'connect'
            ? 'did not accept the connection'
            : partial.length > 0
              ? `sent an incomplete answer to CONNECT (${shownBytes(partial)}) and no more`
              : 'did not answer CONNECT';
        return new PtunnelError('ERR_PROXY_TIMEOUT', `proxy ${proxyName} ${what} within ${formatDuration(opts.timeoutMs)}`, {
          details: { phase },
        });
      },
      release: (err) => {
        socket.removeListener('data', onData);
        socket.removeListener('error', onError);
        socket.removeListener('close', onClose);
        socket.removeListener('end', onClose);
        if (err) socket.destroy();
      },
    };
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
