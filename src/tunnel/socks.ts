import { BlockList, isIP } from 'node:net';
import { isPtunnelError, PtunnelError, systemCode } from '../errors';
import { Rep, RepCode } from '../listeners/socks/codec';
import type { Destination } from '../listeners/socks/codec';
import { isLoopback, isWildcard } from '../net/address';
import { canonicalIp } from '../util/ip';

/** The SOCKS reply that says best why the upstream could not be opened. */
export function socksReplyFor(err: unknown): RepCode {
  if (!(err instanceof PtunnelError)) {
    // A look-up that is not ptunnel's resolver (the system's, a test's) fails with getaddrinfo codes.
    const code = systemCode(err);
    return code === 'ENOTFOUND' || code === 'EAI_NONAME' ? Rep.hostUnreachable : Rep.generalFailure;
  }
  switch (err.code) {
    case 'ERR_PROXY_FORBIDDEN':
    case 'ERR_DNS_LOOP':
      return Rep.notAllowed;
    case 'ERR_DIRECT_TIMEOUT':
    case 'ERR_PROXY_TIMEOUT':
      return Rep.ttlExpired;
    case 'ERR_DNS_NXDOMAIN':
    case 'ERR_DNS_NODATA':
      return Rep.hostUnreachable;
    case 'ERR_PROXY_REFUSED': {
      // squid answers 503 for a refused or unreachable server and 502/504 for the rest; it
      // does not say which, so "host unreachable" (4) is the honest answer.
      return Rep.hostUnreachable;
    }
    case 'ERR_DIRECT_CONNECT': {
      const code = systemCode(err.cause);
      if (code === 'ECONNREFUSED') return Rep.connectionRefused;
      if (code === 'ENETUNREACH') return Rep.networkUnreachable;
      if (code === 'EHOSTUNREACH' || code === 'EHOSTDOWN') return Rep.hostUnreachable;
      if (code === 'ETIMEDOUT') return Rep.ttlExpired;
      return Rep.generalFailure;
    }
    default:
      return isPtunnelError(err) && err.code.startsWith('ERR_DNS_') ? Rep.hostUnreachable : Rep.generalFailure;
  }
}

/**
 * Destinations a local client may never reach through ptunnel: link-local (cloud metadata at
 * 169.254.169.254 hands out credentials) and AWS's IPv6 metadata address.
 */
const DENIED = new BlockList();
DENIED.addSubnet('169.254.0.0', 16, 'ipv4');
DENIED.addSubnet('fe80::', 10, 'ipv6');
DENIED.addAddress('fd00:ec2::254', 'ipv6');

/** Why this destination is refused, or undefined: metadata addresses and ptunnel's own ports. */
export function deniedDestination(destination: Destination, ownPorts: readonly number[]): string | undefined {
  const host = destination.host === 'localhost' ? '127.0.0.1' : canonicalIp(destination.host);
  const family = isIP(host);
  if (family !== 0 && DENIED.check(host, family === 6 ? 'ipv6' : 'ipv4')) {
    return `${destination.host} is a link-local or metadata address, which ptunnel never connects a SOCKS client to`;
  }
  if (family !== 0 && (isLoopback(host) || isWildcard(host)) && ownPorts.includes(destination.port)) {
    return `port ${destination.port} on ${destination.host} is ptunnel's own listener and would connect to itself`;
  }
  return undefined;
}
