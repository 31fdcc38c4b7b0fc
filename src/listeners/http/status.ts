import { isPtunnelError, systemCode } from '../../errors';

/** 403 for a destination refused by policy, 504 for a timeout, 502 for any other upstream failure. */
export function failureStatus(err: unknown): number {
  const code = isPtunnelError(err) ? err.code : systemCode(err);
  // ERR_DEST_DENIED: --deny-dest (or a built-in denial) refusing every address a name resolved to.
  if (code === 'ERR_PROXY_FORBIDDEN' || code === 'ERR_DNS_LOOP' || code === 'ERR_DEST_DENIED') return 403;
  return code === 'ERR_PROXY_TIMEOUT' || code === 'ERR_DIRECT_TIMEOUT' || code === 'ETIMEDOUT' ? 504 : 502;
}
