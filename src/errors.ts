/**
 * One error hierarchy for everything ptunnel reports. The `code` is stable (tests, logs and
 * metrics key on it); the message is for people and says what to do. `userError` marks errors
 * caused by input (flags, files, environment): the CLI prints them as one line, without a stack.
 */
export type ErrorCode =
  // input
  | 'ERR_USAGE'
  | 'ERR_CONFIG'
  | 'ERR_TUNNEL_SPEC'
  | 'ERR_PROXY_SPEC'
  | 'ERR_HOSTNAME'
  | 'ERR_PRESET'
  | 'ERR_HOSTS_FILE'
  // start-up
  | 'ERR_LISTEN'
  // proxy
  | 'ERR_PROXY_CONNECT'
  | 'ERR_PROXY_TIMEOUT'
  | 'ERR_PROXY_AUTH'
  | 'ERR_PROXY_FORBIDDEN'
  | 'ERR_PROXY_REFUSED'
  | 'ERR_PROXY_PROTOCOL'
  | 'ERR_PROXY_CLOSED'
  // direct
  | 'ERR_DIRECT_CONNECT'
  | 'ERR_DIRECT_TIMEOUT'
  | 'ERR_ROUTE'
  // dns
  | 'ERR_DNS_NXDOMAIN'
  | 'ERR_DNS_NODATA'
  | 'ERR_DNS_SERVFAIL'
  | 'ERR_DNS_REFUSED'
  | 'ERR_DNS_TIMEOUT'
  | 'ERR_DNS_PROTOCOL'
  | 'ERR_DNS_LOOP'
  | 'ERR_DNS_TRANSPORT';

export interface PtunnelErrorOptions {
  cause?: unknown;
  userError?: boolean;
  details?: Record<string, unknown>;
}

export class PtunnelError extends Error {
  readonly code: ErrorCode;
  readonly userError: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: PtunnelErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PtunnelError';
    this.code = code;
    this.userError = options.userError ?? false;
    this.details = options.details;
  }
}

/** An error in what the user gave us: printed as one line, exit status 2. */
export function usageError(code: ErrorCode, message: string, cause?: unknown): PtunnelError {
  return new PtunnelError(code, message, { userError: true, cause });
}

export function isPtunnelError(err: unknown, code?: ErrorCode): err is PtunnelError {
  return err instanceof PtunnelError && (code === undefined || err.code === code);
}

/** The errno-style code of a Node system error, if any (ECONNREFUSED, ETIMEDOUT, ...). */
export function systemCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}
