/**
 * One error hierarchy for everything ptunnel reports. The `code` is stable (tests, logs, metrics
 * and the CLI's exit-status table key on it); the message is for people and says what to do.
 * `userError` marks errors caused by input (flags, files, environment): the CLI prints them as
 * one line, without a stack. `details` are typed per code, so readers need no casts.
 */

/** Where a proxy attempt failed: opening the socket (and TLS), or waiting for the answer. */
export type ProxyPhase = 'connect' | 'answer';

export interface ProxyStatusDetails {
  status: number;
  statusLine: string;
}

export interface DnsDetails {
  /** The resolver that answered (or failed), as it is labelled in logs. */
  resolver?: string;
  rcode?: string;
  /** How long the answer may be cached as negative, from the SOA (seconds). */
  negativeTtl?: number;
  /** Every resolver asked, when all of them failed. */
  resolvers?: Array<string | undefined>;
  /** The address the loop guard refused. */
  address?: string;
}

type NoDetails = undefined;

/** The details each code carries; codes mapped to `undefined` carry none. */
export interface ErrorDetailsMap {
  // input
  ERR_USAGE: NoDetails;
  ERR_CONFIG: NoDetails;
  ERR_TUNNEL_SPEC: NoDetails;
  ERR_PROXY_SPEC: NoDetails;
  ERR_HOSTNAME: NoDetails;
  ERR_PRESET: NoDetails;
  ERR_HOSTS_FILE: NoDetails;
  // start-up
  ERR_LISTEN: { host: string; port: number };
  // proxy
  ERR_PROXY_CONNECT: { phase: ProxyPhase };
  ERR_PROXY_TIMEOUT: { phase: ProxyPhase };
  ERR_PROXY_AUTH: ProxyStatusDetails;
  ERR_PROXY_FORBIDDEN: ProxyStatusDetails;
  ERR_PROXY_REFUSED: ProxyStatusDetails;
  ERR_PROXY_PROTOCOL: NoDetails;
  ERR_PROXY_CLOSED: { phase: ProxyPhase };
  /** The PAC file was fetched but cannot decide: it does not compile, throws, loops, or answers nonsense. */
  ERR_PAC: NoDetails;
  /** The PAC file could not be fetched: off the corporate network, as ptunnel reads it. */
  ERR_PAC_FETCH: NoDetails;
  // direct
  /** `tried`: each address connected to, in order, as host:port. */
  ERR_DIRECT_CONNECT: { tried: string[] };
  ERR_DIRECT_TIMEOUT: NoDetails;
  /** The client went away before its upstream was ready: nobody is left to tell. */
  ERR_CANCELLED: NoDetails;
  /** A local proxy client's destination resolved only to addresses --deny-dest (or a built-in denial) refuses. */
  ERR_DEST_DENIED: NoDetails;
  // dns
  ERR_DNS_NXDOMAIN: DnsDetails;
  ERR_DNS_NODATA: DnsDetails;
  ERR_DNS_SERVFAIL: DnsDetails;
  ERR_DNS_REFUSED: DnsDetails;
  ERR_DNS_TIMEOUT: DnsDetails;
  ERR_DNS_PROTOCOL: DnsDetails;
  ERR_DNS_LOOP: DnsDetails;
  ERR_DNS_TRANSPORT: DnsDetails;
}

export type ErrorCode = keyof ErrorDetailsMap;

/** What a DNS lookup can end with: an answer's failure, or the client leaving first. */
export type DnsErrorCode = Extract<ErrorCode, `ERR_DNS_${string}`> | 'ERR_CANCELLED';

export interface PtunnelErrorOptions<C extends ErrorCode = ErrorCode> {
  cause?: unknown;
  userError?: boolean;
  details?: ErrorDetailsMap[C];
}

export class PtunnelError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly userError: boolean;
  readonly details: ErrorDetailsMap[C] | undefined;

  constructor(code: C, message: string, options: PtunnelErrorOptions<C> = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PtunnelError';
    this.code = code;
    this.userError = options.userError ?? false;
    this.details = options.details;
  }
}

/** An error in what the user gave us: printed as one line, no stack. */
export function usageError(code: ErrorCode, message: string, cause?: unknown): PtunnelError {
  return new PtunnelError(code, message, { userError: true, cause });
}

export function isPtunnelError<C extends ErrorCode>(err: unknown, code?: C): err is PtunnelError<C> {
  return err instanceof PtunnelError && (code === undefined || err.code === code);
}

/**
 * The one way to add context to an error on its way up: a PtunnelError gets `prefix: ` in front
 * of its message (and `code`, if given) and keeps itself as the cause; anything else is thrown on
 * unchanged, since it is a bug, not input, and its stack must survive. Low-level parsers say what
 * is wrong with the value; the caller that knows where the value came from adds that, once.
 */
export function withContext(err: unknown, prefix: string, code?: ErrorCode): unknown {
  if (!(err instanceof PtunnelError)) return err;
  return new PtunnelError(code ?? err.code, `${prefix}: ${err.message}`, {
    cause: err,
    userError: err.userError,
    details: err.details,
  });
}

/** Runs `fn`, adding `prefix` (see withContext) to any PtunnelError it throws. */
export function inContext<T>(prefix: string, fn: () => T, code?: ErrorCode): T {
  try {
    return fn();
  } catch (err) {
    throw withContext(err, prefix, code);
  }
}

/** The errno-style code of a Node system error, if any (ECONNREFUSED, ETIMEDOUT, ...). */
export function systemCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}
