import type { ProxyAuthScheme } from './scheme';

/**
 * Basic (RFC 7617), sent with the first CONNECT without waiting for a challenge: there is only
 * one round, so a 407 after it means the proxy refused the credentials.
 */
export function basicScheme(authorization: string): ProxyAuthScheme {
  return {
    name: 'Basic',
    connectionBound: false,
    first: () => authorization,
    next: () => undefined,
  };
}
