import { formatHostPort, parseHostPort, parsePort, validateHost } from '../net/address';
import { PtunnelError } from '../errors';
import { hasToken, parseHeaderLines } from './connect-response';

export interface ConnectRequestOptions {
  /** The Proxy-Authorization value for this round. */
  authorization?: string;
  /**
   * Ask the proxy to keep the connection after a 407: a connection-bound scheme (NTLM) answers
   * its challenge on the same socket, and HTTP/1.0 proxies close it otherwise.
   */
  keepAlive?: boolean;
}

export interface ConnectRequest extends ConnectRequestOptions {
  host: string;
  port: number;
}

/**
 * The CONNECT request. `Host` is required by HTTP/1.1 (squid and others answer 400 without
 * it). Host names were validated when the config was read, so no CR/LF can get in here.
 */
export function buildConnectRequest(host: string, port: number, authorization?: string, options: Omit<ConnectRequestOptions, 'authorization'> = {}): Buffer {
  const authority = formatHostPort(host, port);
  let head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`;
  if (authorization) head += `Proxy-Authorization: ${authorization}\r\n`;
  if (options.keepAlive) head += 'Proxy-Connection: keep-alive\r\n';
  return Buffer.from(`${head}\r\n`, 'latin1');
}

function requestError(message: string): PtunnelError {
  return new PtunnelError('ERR_PROXY_PROTOCOL', message);
}

/**
 * Reads a CONNECT request head (without its blank line), as a proxy does: the counterpart of
 * buildConnectRequest, for ptunnel's own proxy listeners and for tests that play the proxy.
 */
export function parseConnectRequest(head: string): ConnectRequest {
  const [requestLine = '', ...lines] = head.split(/\r?\n/);
  const m = /^CONNECT (\S+) HTTP\/1\.[01]$/.exec(requestLine);
  const target = m ? parseHostPort(m[1] as string) : undefined;
  if (!target || target.port === undefined) throw requestError(`not a CONNECT request: ${JSON.stringify(requestLine.slice(0, 80))}`);
  let request: ConnectRequest;
  try {
    request = { host: validateHost(target.host), port: parsePort(target.port, 'port') };
  } catch (err) {
    throw requestError(`invalid CONNECT target: ${(err as Error).message}`);
  }
  const headers = parseHeaderLines(lines, 'client');
  if (headers['proxy-authorization'] !== undefined) request.authorization = headers['proxy-authorization'];
  if (hasToken(headers['proxy-connection'], 'keep-alive')) request.keepAlive = true;
  return request;
}
