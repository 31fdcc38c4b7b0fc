import { formatHostPort } from '../net/address';
import type { ServiceSnapshot } from '../tunnel/snapshot';

/** GET /status: the snapshot as a summary for people, each listener as one host:port. */
export function statusBody(s: ServiceSnapshot): Record<string, unknown> {
  return {
    started: s.started,
    draining: s.draining,
    activeConnections: s.activeConnections,
    mode: s.mode,
    proxy: s.proxy,
    proxies: s.proxies,
    pac: s.pac,
    tunnels: s.tunnels.map((t) => ({
      tunnel: t.tunnel,
      listen: formatHostPort(t.address, t.port),
      target: t.target,
      route: t.route,
      active: t.active,
    })),
    socks: s.socks && {
      listen: s.socks.addresses.map((a) => formatHostPort(a.address, a.port)),
      auth: s.socks.auth,
      active: s.socks.active,
      rejected: s.socks.rejected,
    },
    connections: s.connections,
  };
}
