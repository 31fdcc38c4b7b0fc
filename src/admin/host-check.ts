import { canonicalIp, ipFamily } from '../util/ip';

/**
 * Which Host headers the admin server answers, against DNS rebinding: a page on evil.example
 * whose name is made to resolve to 127.0.0.1 can have the browser read /status and /metrics, but
 * the browser still sends `Host: evil.example`. A rebinding request always carries a DNS name,
 * never an IP literal, so IP literals are safe to accept; names must be known.
 *
 * - bound to loopback: loopback literals and `localhost`;
 * - bound to a wildcard (0.0.0.0, ::): any IP literal (Kubernetes probes send POD_IP:PORT) and `localhost`;
 * - bound to one address: that address.
 *
 * The names given with --admin-host are accepted in every case. The port is not compared: it
 * says nothing about who made the request.
 */
export function hostChecker(bound: string, names: readonly string[]): (host: string | undefined) => boolean {
  const address = canonicalIp(bound);
  const wildcard = address === '0.0.0.0' || address === '::';
  const loopback = isLoopback(address);
  const allowed = new Set(names.map((n) => n.toLowerCase().replace(/\.$/, '')));
  if (loopback || wildcard) allowed.add('localhost');
  return (header) => {
    // Only HTTP/1.0 may omit Host, and no browser does.
    if (header === undefined) return true;
    const name = hostPart(header.trim().toLowerCase());
    if (name === undefined) return false;
    if (ipFamily(name)) {
      const ip = canonicalIp(name);
      return wildcard || ip === address || (loopback && isLoopback(ip));
    }
    return allowed.has(name.replace(/\.$/, ''));
  };
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || (ipFamily(ip) === 4 && ip.startsWith('127.'));
}

/** The host of `host[:port]` or `[v6][:port]`; undefined when it is neither. */
function hostPart(header: string): string | undefined {
  const m = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::\d{1,5})?$/.exec(header);
  return m ? (m[1] ?? m[2]) : undefined;
}
