import type { ProxyState } from '../proxy/health';
import type { ConnectionRecord } from './connection';

/** The tunnel name of the local proxy listeners' connections in records, metrics and the log (a mapping's is its LOCAL:HOST:PORT). */
export const SOCKS_SOURCE = 'socks';
export const HTTP_PROXY_SOURCE = 'http-proxy';

/** Why a connection was turned away: a limit, a drain, ptunnel looping to itself, no descriptor left; for SOCKS a client outside --allow-clients, a denied destination, a bad handshake. */
export type RefusalReason = 'limit' | 'draining' | 'loop' | 'descriptors' | 'client' | 'destination' | 'protocol';

/**
 * What the engine reports, in engine terms. The engine calls these at connection start and end
 * (never per chunk), so the byte path stays free of metrics work.
 */
export interface EngineEvents {
  connectionOpened(tunnel: string): void;
  connectionEnded(record: ConnectionRecord): void;
  connectionRejected(tunnel: string, reason: RefusalReason): void;
  upstreamConnected(route: 'proxy' | 'direct', seconds: number): void;
  proxyFailure(reason: string): void;
  /** One proxy authentication: the scheme (Basic, NTLM, Negotiate) and ok, rejected or error. */
  proxyAuth(scheme: string, outcome: string): void;
  /** `proxy` is the proxy's URL without credentials: one state per proxy of the list. */
  proxyState(state: ProxyState, proxy: string): void;
  dnsQuery(resolver: string, outcome: string, ms: number): void;
  dnsCacheHit(): void;
}

export const noEvents: EngineEvents = {
  connectionOpened: () => undefined,
  connectionEnded: () => undefined,
  connectionRejected: () => undefined,
  upstreamConnected: () => undefined,
  proxyFailure: () => undefined,
  proxyAuth: () => undefined,
  proxyState: () => undefined,
  dnsQuery: () => undefined,
  dnsCacheHit: () => undefined,
};
