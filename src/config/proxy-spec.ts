import { inContext, usageError } from '../errors';
import { formatHostPort, isPortText, parseHostPort, validateHost } from '../net/address';
import { redactProxyText } from '../log/redact';
import { ipFamily } from '../util/ip';

export interface ProxyEndpoint {
  protocol: 'http' | 'https';
  host: string;
  port: number;
  username?: string;
  password?: string;
}

const DEFAULT_PORTS = { http: 80, https: 443 } as const;

/**
 * Accepts `HOST:PORT` (the original ptunnel's `-p`) or a URL `http://[user:pass@]host[:port]`,
 * `https://...` (TLS to the proxy). Credentials in the URL are percent-decoded.
 */
export function parseProxySpec(text: string): ProxyEndpoint {
  const spec = text.trim();
  const hint = 'write HOST:PORT or http://[user:password@]host:port';
  if (!spec.includes('://')) {
    const hp = parseHostPort(spec);
    if (!hp || !isPortText(hp.port)) throw usageError('ERR_PROXY_SPEC', `proxy ${JSON.stringify(redactProxyText(spec))} is not valid; ${hint}`);
    return finish('http', hp.bracketed ? `[${hp.host}]` : hp.host, hp.port, undefined, undefined, spec);
  }
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw usageError('ERR_PROXY_SPEC', `proxy ${JSON.stringify(redactProxyText(spec))} is not a valid URL; ${hint}`);
  }
  const protocol = url.protocol.slice(0, -1);
  if (protocol !== 'http' && protocol !== 'https') {
    throw usageError(
      'ERR_PROXY_SPEC',
      `proxy scheme "${protocol}:" is not supported; use http:// (or https:// for TLS to the proxy)`,
    );
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw usageError('ERR_PROXY_SPEC', `proxy URL ${JSON.stringify(redactProxyText(spec))} must not have a path or query; ${hint}`);
  }
  // URL() has already lower-cased and punycoded the host; we still refuse characters that
  // must never reach a request line.
  const decode = (s: string, part: 'user name' | 'password') => (s === '' ? undefined : decodeCredential(s, part, spec));
  return finish(protocol, url.hostname, url.port, decode(url.username, 'user name'), decode(url.password, 'password'), spec);
}

/** decodeURIComponent, with its bare "URI malformed" turned into what is wrong and how to mend it. */
function decodeCredential(text: string, part: 'user name' | 'password', spec: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // The password's escape is part of the password: only the user name's is shown.
    const bad = part === 'user name' ? /%(?![0-9A-Fa-f]{2}).{0,2}/.exec(text)?.[0] : undefined;
    const what = bad === undefined ? 'a bad %-escape (not %XX, or not UTF-8)' : `a bad %-escape ${JSON.stringify(bad)}`;
    throw usageError(
      'ERR_PROXY_SPEC',
      `proxy URL ${JSON.stringify(redactProxyText(spec))}: the ${part} has ${what}; write a literal % as %25 and other characters as %XX of their UTF-8 bytes`,
    );
  }
}

function finish(
  protocol: 'http' | 'https',
  rawHost: string,
  rawPort: string,
  username: string | undefined,
  password: string | undefined,
  spec: string,
): ProxyEndpoint {
  const host = inContext(`proxy ${JSON.stringify(redactProxyText(spec))}`, () => proxyHost(rawHost), 'ERR_PROXY_SPEC');
  const port = rawPort === '' ? DEFAULT_PORTS[protocol] : Number(rawPort);
  if (!(port >= 1 && port <= 65535)) throw usageError('ERR_PROXY_SPEC', `proxy port ${rawPort} is out of range (1-65535)`);
  const endpoint: ProxyEndpoint = { protocol, host, port };
  if (username !== undefined) endpoint.username = username;
  if (password !== undefined) endpoint.password = password;
  return endpoint;
}

function proxyHost(rawHost: string): string {
  const bare = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  if (rawHost.startsWith('[') && ipFamily(bare) !== 6) throw usageError('ERR_HOSTNAME', `${rawHost} is not an IPv6 address`);
  return validateHost(bare, 'proxy host');
}

/** The proxy as it may be shown in logs and `--print-config`: never with a password. */
export function describeProxy(p: ProxyEndpoint): string {
  const user = p.username !== undefined ? `${encodeURIComponent(p.username)}:***@` : '';
  return `${p.protocol}://${user}${formatHostPort(p.host, p.port)}`;
}
