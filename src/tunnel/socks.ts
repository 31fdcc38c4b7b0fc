import { isPtunnelError, PtunnelError, systemCode } from '../errors';
import { Rep, RepCode } from '../listeners/socks/codec';

/** SOCKS clients in their handshake at once, apart from --max-connections (which counts them once their request is read). */
export const MAX_SOCKS_HANDSHAKES = 64;

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
    case 'ERR_DEST_DENIED':
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
