import { ErrorCode, PtunnelError } from '../errors';

export const EXIT_OK = 0;
/** The command ran and failed: a port taken, no usable answer, a bug. */
export const EXIT_FAILURE = 1;
/** The input was wrong: flags, config file, environment. */
export const EXIT_USAGE = 2;

/**
 * The exit status of a user error, by code. Input errors are 2, so that scripts can tell a typo
 * from a failure; a port that cannot be bound is the machine's state, not the input, hence 1.
 * A user error whose code is not listed counts as input.
 */
export const EXIT_CODES: Partial<Record<ErrorCode, number>> = {
  ERR_USAGE: EXIT_USAGE,
  ERR_CONFIG: EXIT_USAGE,
  ERR_TUNNEL_SPEC: EXIT_USAGE,
  ERR_PROXY_SPEC: EXIT_USAGE,
  ERR_HOSTNAME: EXIT_USAGE,
  ERR_PRESET: EXIT_USAGE,
  ERR_HOSTS_FILE: EXIT_USAGE,
  ERR_LISTEN: EXIT_FAILURE,
  // The proxy refused the login (mode proxy stops on it): the credentials may be right and the
  // proxy wrong; not an input error a script could tell from the flags.
  ERR_PROXY_AUTH: EXIT_FAILURE,
};

/** A user error (one line, no stack), or undefined for anything else: a bug. */
export function userError(err: unknown): PtunnelError | undefined {
  return err instanceof PtunnelError && err.userError ? err : undefined;
}

export function exitCodeFor(err: unknown): number {
  const user = userError(err);
  return user === undefined ? EXIT_FAILURE : (EXIT_CODES[user.code] ?? EXIT_USAGE);
}
