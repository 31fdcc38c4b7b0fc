import { isIP } from 'node:net';
import { usageError } from '../errors';

// Letters, digits, hyphen and underscore (seen in real internal names) per label; nothing that
// could end a header line or change the meaning of a URL or a CONNECT request.
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/**
 * Validates a host name or IP literal (without brackets) and returns it in canonical form
 * (lower case, no trailing dot). Throws ERR_HOSTNAME naming the offending character: CR/LF,
 * spaces, `@`, `/` and the like are how header injection and confused URLs start.
 */
export function validateHost(host: string, what = 'host'): string {
  if (host.length === 0) throw usageError('ERR_HOSTNAME', `${what} is empty; give a host name or an IP address`);
  const bad = /[^A-Za-z0-9._:-]/.exec(host);
  if (bad) {
    throw usageError(
      'ERR_HOSTNAME',
      `${what} ${JSON.stringify(host)} contains the illegal character ${JSON.stringify(bad[0])}; a host name has only letters, digits, '-', '_' and '.'`,
    );
  }
  if (isIP(host)) return host.toLowerCase();
  if (host.includes(':')) {
    throw usageError('ERR_HOSTNAME', `${what} ${JSON.stringify(host)} is not a valid IP address or host name`);
  }
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length > 253 || name.split('.').some((label) => !LABEL.test(label))) {
    throw usageError(
      'ERR_HOSTNAME',
      `${what} ${JSON.stringify(host)} is not a valid host name (labels of 1-63 letters, digits or '-', at most 253 characters)`,
    );
  }
  return name.toLowerCase();
}

/** `host` as it appears in `host:port` forms: IPv6 literals need brackets. */
export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export function parsePort(text: string, what: string, allowZero = false): number {
  if (!/^\d{1,5}$/.test(text)) {
    throw usageError('ERR_TUNNEL_SPEC', `${what} ${JSON.stringify(text)} is not a port number (1-65535)`);
  }
  const port = Number(text);
  if (port > 65535 || (port === 0 && !allowZero)) {
    throw usageError('ERR_TUNNEL_SPEC', `${what} ${port} is out of range; use 1-65535${allowZero ? ' (or 0 for any free port)' : ''}`);
  }
  return port;
}
