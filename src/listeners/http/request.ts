import { validateHost, isPortText, parseHostPort } from '../../net/address';

/** Where a proxy request goes: the host validated and canonical, the port in range. */
export interface HttpTarget {
  host: string;
  port: number;
}

/** An absolute-URI (http://) request's target and what the origin server gets as its path. */
export interface AbsoluteTarget extends HttpTarget {
  /** Origin-form: `/path?query`, `/` when the URI has none. */
  path: string;
  /** The authority as the URI wrote it (without userinfo): the Host header upstream. */
  authority: string;
}

/** A request ptunnel answers itself, with this status and a one-line text, and closes. */
export interface Refusal {
  status: number;
  text: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

const refuse = (status: number, text: string): { ok: false; refusal: Refusal } => ({ ok: false, refusal: { status, text } });

/** `host:port` of a CONNECT request (authority-form, RFC 9112 3.2.3): the port is required. */
export function connectTarget(url: string): Checked<HttpTarget> {
  const hp = parseHostPort(url);
  if (!hp || !isPortText(hp.port)) return refuse(400, 'CONNECT needs host:port (e.g. CONNECT example.com:443)');
  return withHost(hp.host, hp.port, hp.bracketed);
}

function withHost(given: string, portText: string, bracketed: boolean): Checked<HttpTarget> {
  const port = Number(portText);
  if (port < 1 || port > 65535) return refuse(400, `port ${port} is out of range (1-65535)`);
  let host: string;
  try {
    host = validateHost(given);
  } catch {
    return refuse(400, 'the request names no valid host (a host name or an IP address)');
  }
  if (bracketed !== host.includes(':')) return refuse(400, 'an IPv6 address goes in brackets, and only an IPv6 address');
  return { ok: true, value: { host, port } };
}

/**
 * The target of a forwarded request: only `http://` in absolute form. Origin-form (`GET /`) is a
 * client that took ptunnel for a web server; `https://` must come as CONNECT, since ptunnel does
 * not speak TLS to the origin on a client's behalf.
 */
export function absoluteTarget(url: string): Checked<AbsoluteTarget> {
  if (url.startsWith('/') || url === '*') {
    return refuse(400, 'this is a proxy: use absolute URIs (GET http://host/path), or set it as your client\'s HTTP proxy');
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  if (!scheme) return refuse(400, 'the request target is no absolute http:// URI');
  const name = (scheme[1] as string).toLowerCase();
  if (name === 'https') return refuse(400, 'https:// goes through CONNECT: set this proxy for https too (curl -x, https_proxy) and the client will send CONNECT');
  if (name !== 'http') return refuse(400, `ptunnel forwards http:// only, not ${name}://`);
  const rest = url.slice(scheme[0].length);
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  let path = end < 0 ? '/' : rest.slice(end);
  const hash = path.indexOf('#');
  if (hash >= 0) path = path.slice(0, hash);
  if (path.startsWith('?')) path = `/${path}`;
  if (authority.includes('@')) return refuse(400, 'a URI with user:password@ is not forwarded; credentials in URIs leak into logs');
  const hp = parseHostPort(authority);
  if (!hp) return refuse(400, 'the request names no valid host (a host name or an IP address)');
  if (hp.port !== undefined && !isPortText(hp.port)) return refuse(400, 'the port in the URI is no number');
  const checked = withHost(hp.host, hp.port ?? '80', hp.bracketed);
  if (!checked.ok) return checked;
  return { ok: true, value: { ...checked.value, path, authority } };
}

/**
 * Request framing llhttp lets through but ptunnel will not pass on: a request line without a
 * version (llhttp takes `GET http://host` + CRLF for HTTP/0.9, so CR/LF injected into a URI's host
 * would end the line there and go out as a request) and a Transfer-Encoding that is not exactly
 * `chunked` ("gzip, chunked" is a body framed twice, a smuggling staple).
 */
export function framingRefusal(headers: Readonly<Record<string, string | string[] | undefined>>, versionMajor = 1): Refusal | undefined {
  if (versionMajor !== 1) return { status: 400, text: 'only HTTP/1.0 and HTTP/1.1 requests are served; a request line ends with its version' };
  const te = headers['transfer-encoding'];
  if (te !== undefined && String(te).trim().toLowerCase() !== 'chunked') {
    return { status: 501, text: 'only "Transfer-Encoding: chunked" is forwarded; send the body with Content-Length or chunked alone' };
  }
  return undefined;
}

/** Headers that describe one hop, never the message: RFC 9110 7.6.1, plus the Proxy-* of the client's hop. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'expect', 'host']);

/**
 * The end-to-end headers of a message as [name, value] pairs in their order: hop-by-hop ones and
 * those the Connection header names are dropped. The client's Proxy-Authorization is never
 * passed on: ptunnel authenticates upstream with its own credentials.
 */
export function endToEnd(rawHeaders: readonly string[]): Array<[string, string]> {
  const named = new Set<string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === 'connection') {
      for (const token of (rawHeaders[i + 1] as string).split(',')) named.add(token.trim().toLowerCase());
    }
  }
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named.has(lower)) continue;
    out.push([name, rawHeaders[i + 1] as string]);
  }
  return out;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  408: 'Request Timeout',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** A whole answer of ptunnel's own that ends the connection: status line, Connection: close, one line of text. */
export function refusalBytes(refusal: Refusal): Buffer {
  const body = `${refusal.text.replace(/[\r\n]+/g, ' ')}\n`;
  return Buffer.from(
    `HTTP/1.1 ${refusal.status} ${REASONS[refusal.status] ?? 'Error'}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

export const CONNECT_ESTABLISHED = Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n');
