import { domainToASCII } from 'node:url';
import { usageError } from '../errors';
import { canonicalIp, ipFamily } from '../util/ip';

// Letters, digits, hyphen and underscore (seen in real internal names) per label; nothing that
// could end a header line or change the meaning of a URL or a CONNECT request.
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/**
 * An international name (bücher.example) in its punycode form (xn--bcher-kva.example), as URL()
 * writes a proxy URL's host: one rule for mappings, presets, the proxy and NO_PROXY, and the form
 * DNS, CONNECT and TLS names use. ASCII that no host name holds is refused before the conversion,
 * which would drop some of it silently (domainToASCII turns "a\nü" into "xn--a-eha").
 */
export function asciiHost(host: string, what = 'host'): string {
  // eslint-disable-next-line no-control-regex -- only names with non-ASCII letters are converted
  if (!/[^\u0000-\u007f]/.test(host) || /[^A-Za-z0-9._\u00a1-\uffff-]/.test(host)) return host;
  const ascii = domainToASCII(host);
  if (ascii === '') {
    throw usageError('ERR_HOSTNAME', `${what} ${JSON.stringify(host)} is not a valid international domain name (IDNA); give it in its xn-- form or check its spelling`);
  }
  return ascii;
}

/**
 * Validates a host name or IP literal (without brackets) and returns it in canonical form
 * (lower case, no trailing dot). Throws ERR_HOSTNAME naming the offending character: CR/LF,
 * spaces, `@`, `/` and the like are how header injection and confused URLs start.
 */
export function validateHost(given: string, what = 'host'): string {
  if (given.length === 0) throw usageError('ERR_HOSTNAME', `${what} is empty; give a host name or an IP address`);
  const host = asciiHost(given, what);
  // Non-ASCII left here did not convert (it sits next to an illegal character, or in an IPv6 literal).
  const bad = /[^A-Za-z0-9._:\u00a1-\uffff-]/.exec(host) ?? /[^A-Za-z0-9._:-]/.exec(host);
  if (bad) {
    throw usageError(
      'ERR_HOSTNAME',
      `${what} ${JSON.stringify(given)} contains the illegal character ${JSON.stringify(bad[0])}; a host name has only letters, digits, '-', '_' and '.'`,
    );
  }
  if (ipFamily(host)) return host.toLowerCase();
  if (host.includes(':')) {
    throw usageError('ERR_HOSTNAME', `${what} ${JSON.stringify(given)} is not a valid IP address or host name`);
  }
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length > 253 || name.split('.').some((label) => !LABEL.test(label))) {
    throw usageError(
      'ERR_HOSTNAME',
      `${what} ${JSON.stringify(given)} is not a valid host name (labels of 1-63 letters, digits or '-', at most 253 characters)`,
    );
  }
  return name.toLowerCase();
}

/** `host` as it appears in `host:port` forms: IPv6 literals need brackets. */
export function formatHostPort(host: string, port: number): string {
  return ipFamily(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** One to five digits: what may stand in a port's place (the range is each caller's to check). */
export function isPortText(text: string | undefined): text is string {
  return text !== undefined && /^\d{1,5}$/.test(text);
}

export function parsePort(text: string, what: string, allowZero = false): number {
  if (!isPortText(text)) {
    throw usageError('ERR_TUNNEL_SPEC', `${what} ${JSON.stringify(text)} is not a port number (1-65535)`);
  }
  const port = Number(text);
  if (port > 65535 || (port === 0 && !allowZero)) {
    throw usageError('ERR_TUNNEL_SPEC', `${what} ${port} is out of range; use 1-65535${allowZero ? ' (or 0 for any free port)' : ''}`);
  }
  return port;
}

export interface HostPortText {
  /** Without brackets. */
  host: string;
  /** The text after the colon, unchecked (each caller has its own port rules and messages). */
  port?: string;
  /** The host was written in brackets (callers insist that such a host is an IPv6 literal). */
  bracketed: boolean;
}

/**
 * Splits `host:port`, `[v6]:port`, `[v6]`, `host` or a bare IPv6 literal. Undefined when the
 * shape is wrong: brackets that do not enclose the host, or a colon in a host outside brackets.
 */
export function parseHostPort(text: string): HostPortText | undefined {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    const host = text.slice(1, close);
    const after = text.slice(close + 1);
    if (close < 0 || host === '' || host.includes('[') || (after !== '' && !after.startsWith(':'))) return undefined;
    return after === '' ? { host, bracketed: true } : { host, port: after.slice(1), bracketed: true };
  }
  if (text.includes('[') || text.includes(']')) return undefined;
  if (ipFamily(text) === 6) return { host: text, bracketed: false };
  const colon = text.indexOf(':');
  if (colon < 0) return text === '' ? undefined : { host: text, bracketed: false };
  const host = text.slice(0, colon);
  const port = text.slice(colon + 1);
  if (host === '' || port.includes(':')) return undefined;
  return { host, port, bracketed: false };
}

/** The same address however it is written (`::ffff:127.0.0.1` is `127.0.0.1`, `::0:1` is `::1`). */
export function sameAddress(a: string, b: string): boolean {
  return canonicalIp(a) === canonicalIp(b);
}

/** 127.0.0.0/8 or ::1, in any spelling. Names (even `localhost`) are not addresses. */
export function isLoopback(address: string): boolean {
  const a = canonicalIp(address);
  return ipFamily(a) === 4 ? a.startsWith('127.') : a === '::1';
}

/** The unspecified address (0.0.0.0, ::): as a bind address, every address of this host. */
export function isWildcard(address: string): boolean {
  const a = canonicalIp(address);
  return a === '0.0.0.0' || a === '::';
}

/**
 * Whether a listener bound to `bound` takes connections to `address`: the same address, or a
 * wildcard of its family (`::` takes IPv4 too, as on dual-stack hosts).
 */
export function bindTakes(bound: string, address: string): boolean {
  if (sameAddress(bound, address)) return true;
  if (!isWildcard(bound)) return false;
  return ipFamily(bound) === 6 || ipFamily(address) !== 6;
}

/** Where a client on this host reaches a listener bound to `bound`: a wildcard via loopback. */
export function localAddressOf(bound: string): string {
  if (!isWildcard(bound)) return bound;
  return ipFamily(bound) === 6 ? '::1' : '127.0.0.1';
}

/** The TLS server name (SNI) to send for a host: RFC 6066 allows names only, so none for an IP literal. */
export function tlsServerName(host: string): string | undefined {
  return ipFamily(host) ? undefined : host;
}
