import type { RuntimeConfig } from '../config/load';
import type { PacStatus } from '../proxy/discovery/pac';
import type { ProxyState } from '../proxy/health';
import type { Route } from './router';

/** One tunnel as it runs now. */
export interface TunnelSnapshot {
  /** The mapping as the user gave it (`9993:imap.gmail.com:993`, `preset gmail`). */
  readonly tunnel: string;
  /** The local address and port bound; the port is the real one when 0 was asked for. */
  readonly address: string;
  readonly port: number;
  /** `host:port` the tunnel leads to. */
  readonly target: string;
  /** The route a new connection would take now. */
  readonly route: Route;
  /** Connections open on this listener now. */
  readonly active: number;
}

/** The SOCKS listener as it runs now. */
export interface SocksSnapshot {
  /** Every address bound (both loopbacks, or the one ADDR given), with the real port. */
  readonly addresses: ReadonlyArray<{ readonly address: string; readonly port: number }>;
  /** Clients log in with --socks-user and its password (RFC 1929). */
  readonly auth: boolean;
  /** SOCKS connections open now (handshakes not yet done excluded). */
  readonly active: number;
  /** Requests turned away since start: client not allowed, bad handshake, refused destination, limits. */
  readonly rejected: number;
}

/** One connection as it runs now; the byte counts are read from its sockets when asked. */
export interface LiveConnection {
  readonly id: number;
  readonly tunnel: string;
  readonly client: string;
  readonly target: string;
  /** Absent while the upstream is being opened (waiting for the proxy or DNS). */
  readonly route?: Route;
  readonly ageMs: number;
  /** Bytes sent to the upstream and to the client so far. */
  readonly bytesUp: number;
  readonly bytesDown: number;
}

/**
 * A read-only view of the running service, taken when asked: what the admin endpoints and tests
 * read. Changing it changes nothing in the service.
 */
export interface ServiceSnapshot {
  /** Every listener was bound; a drain does not unset it. */
  readonly started: boolean;
  /** Shutting down: new connections are refused. */
  readonly draining: boolean;
  readonly activeConnections: number;
  readonly mode: RuntimeConfig['mode'];
  /** The proxy and its health as new connections see it; null without a proxy. */
  readonly proxy: { readonly url: string; readonly state: ProxyState } | null;
  /** Every proxy of the list in order of preference, each with its own health; empty without a proxy. */
  /** The PAC file's state (--pac); null without one. */
  readonly pac: PacStatus | null;
  readonly proxies: ReadonlyArray<{ readonly url: string; readonly state: ProxyState }>;
  readonly tunnels: readonly TunnelSnapshot[];
  /** The SOCKS listener (--socks); null when off. */
  readonly socks: SocksSnapshot | null;
  readonly connections: readonly LiveConnection[];
}
