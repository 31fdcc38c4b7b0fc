/**
 * The parts of a 407 answer a scheme reads. The connector's ConnectResponse is one; the type is
 * declared here so that auth/ needs nothing from the connector that drives it.
 */
export interface AuthChallenge {
  statusCode: number;
  /** Header names in lower case; repeated headers joined with ", " (`proxy-authenticate`). */
  headers: Readonly<Record<string, string>>;
}

/** A Proxy-Authorization value, or undefined; schemes backed by a library may take their time. */
export type AuthStep = string | undefined | Promise<string | undefined>;

/**
 * One proxy authentication scheme, for one connection attempt: the connector asks `first()` for
 * the header of the first CONNECT and, after each 407 whose body it could read to the end,
 * `next()` for the header of the next CONNECT on the same socket. A scheme that holds state per
 * handshake (NTLM: type 1, challenge, type 3) gets a fresh instance per attempt.
 */
export interface ProxyAuthScheme {
  /** As in Proxy-Authenticate (`Basic`, `NTLM`, `Negotiate`), for messages. */
  readonly name: string;
  /**
   * The handshake is bound to the connection (NTLM, Negotiate): every CONNECT asks the proxy to
   * keep it open after a 407, since the next round is only valid on the same socket.
   */
  readonly connectionBound: boolean;
  /** The header for the first CONNECT; undefined sends it without, to wait for a challenge. */
  first(): AuthStep;
  /** The header answering this 407 on the same socket; undefined gives up (the 407 is final). */
  next(answer: AuthChallenge): AuthStep;
}
