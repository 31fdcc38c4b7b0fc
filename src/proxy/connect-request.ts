import { formatHostPort } from '../net/address';

/**
 * The CONNECT request. `Host` is required by HTTP/1.1 (squid and others answer 400 without
 * it). Host names were validated when the config was read, so no CR/LF can get in here.
 */
export function buildConnectRequest(host: string, port: number, authorization?: string): Buffer {
  const authority = formatHostPort(host, port);
  let head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`;
  if (authorization) head += `Proxy-Authorization: ${authorization}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
}
