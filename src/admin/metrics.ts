import type client from 'prom-client';
import type { ProxyState } from '../proxy/health';
import type { ConnectionRecord } from '../tunnel/connection';
import type { EngineEvents, RefusalReason } from '../tunnel/events';

const PROXY_STATES: ProxyState[] = ['up', 'backoff', 'probing'];

/**
 * prom-client costs about 4 MiB of RSS once loaded (and its default metrics poll the process),
 * so it is required only when a Metrics object is made, i.e. when the admin server is on. This
 * module itself (EngineEvents, noEvents) stays cheap to import for the engine.
 */
function promClient(): typeof client {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('prom-client') as typeof client;
}

/** Prometheus metrics (prom-client) fed by the engine's events. */
export class Metrics implements EngineEvents {
  readonly registry: client.Registry;
  private readonly connections: client.Counter<'tunnel' | 'route' | 'outcome'>;
  private readonly active: client.Gauge<'tunnel'>;
  private readonly bytes: client.Counter<'tunnel' | 'direction'>;
  private readonly connectSeconds: client.Histogram<'route'>;
  private readonly rejected: client.Counter<'tunnel' | 'reason'>;
  private readonly proxyFailures: client.Counter<'reason'>;
  private readonly proxyAuths: client.Counter<'scheme' | 'outcome'>;
  private readonly proxyStateGauge: client.Gauge<'proxy' | 'state'>;
  private readonly dnsQueries: client.Counter<'resolver' | 'outcome'>;
  private readonly dnsCacheHits: client.Counter;

  constructor(version: string) {
    const client = promClient();
    this.registry = new client.Registry();
    const registers = [this.registry];
    this.connections = new client.Counter({
      name: 'ptunnel_connections_total',
      help: 'Connections that ended, by tunnel, route (proxy, direct, none) and outcome (ok, upstream-closed-first, client-closed, upstream-reset, client-reset, error codes, timeouts).',
      labelNames: ['tunnel', 'route', 'outcome'],
      registers,
    });
    this.active = new client.Gauge({ name: 'ptunnel_active_connections', help: 'Connections open now, by tunnel.', labelNames: ['tunnel'], registers });
    this.bytes = new client.Counter({
      name: 'ptunnel_bytes_total',
      help: 'Bytes carried, by tunnel and direction (up: client to server, down: server to client), counted when a connection ends.',
      labelNames: ['tunnel', 'direction'],
      registers,
    });
    this.connectSeconds = new client.Histogram({
      name: 'ptunnel_connect_duration_seconds',
      help: 'Time from accepting a client to an open upstream (proxy 2xx or direct connect), by route.',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.rejected = new client.Counter({
      name: 'ptunnel_connections_rejected_total',
      help: 'Connections closed at once, by tunnel and reason (limit, draining, loop: ptunnel connecting to itself, descriptors: a failed accept).',
      labelNames: ['tunnel', 'reason'],
      registers,
    });
    this.proxyFailures = new client.Counter({
      name: 'ptunnel_proxy_failures_total',
      help: 'Failed attempts through the proxy, by error code.',
      labelNames: ['reason'],
      registers,
    });
    this.proxyAuths = new client.Counter({
      name: 'ptunnel_proxy_auth_total',
      help: 'Proxy authentications, by scheme (Basic, NTLM, Negotiate) and outcome (ok, rejected, error).',
      labelNames: ['scheme', 'outcome'],
      registers,
    });
    this.proxyStateGauge = new client.Gauge({
      name: 'ptunnel_proxy_state',
      help: 'Each proxy\'s health as ptunnel sees it: 1 for its current state (up, backoff, probing).',
      labelNames: ['proxy', 'state'],
      registers,
    });
    this.dnsQueries = new client.Counter({
      name: 'ptunnel_dns_queries_total',
      help: "DNS queries sent by ptunnel's resolver, by resolver and outcome.",
      labelNames: ['resolver', 'outcome'],
      registers,
    });
    this.dnsCacheHits = new client.Counter({ name: 'ptunnel_dns_cache_hits_total', help: 'Lookups answered from the DNS cache.', registers });
    const build = new client.Gauge({
      name: 'ptunnel_build_info',
      help: 'Always 1; the labels name the ptunnel and Node.js versions.',
      labelNames: ['version', 'node'],
      registers,
    });
    build.set({ version, node: process.version }, 1);
    client.collectDefaultMetrics({ register: this.registry, prefix: 'ptunnel_' });
  }

  connectionOpened(tunnel: string): void {
    this.active.inc({ tunnel });
  }

  connectionEnded(r: ConnectionRecord): void {
    this.active.dec({ tunnel: r.tunnel });
    this.connections.inc({ tunnel: r.tunnel, route: r.route ?? 'none', outcome: r.outcome });
    if (r.bytesUp > 0) this.bytes.inc({ tunnel: r.tunnel, direction: 'up' }, r.bytesUp);
    if (r.bytesDown > 0) this.bytes.inc({ tunnel: r.tunnel, direction: 'down' }, r.bytesDown);
  }

  connectionRejected(tunnel: string, reason: RefusalReason): void {
    this.rejected.inc({ tunnel, reason });
  }

  upstreamConnected(route: 'proxy' | 'direct', seconds: number): void {
    this.connectSeconds.observe({ route }, seconds);
  }

  proxyFailure(reason: string): void {
    this.proxyFailures.inc({ reason });
  }

  proxyAuth(scheme: string, outcome: string): void {
    this.proxyAuths.inc({ scheme, outcome });
  }

  proxyState(state: ProxyState, proxy: string): void {
    for (const s of PROXY_STATES) this.proxyStateGauge.set({ proxy, state: s }, s === state ? 1 : 0);
  }

  dnsQuery(resolver: string, outcome: string): void {
    this.dnsQueries.inc({ resolver, outcome });
  }

  dnsCacheHit(): void {
    this.dnsCacheHits.inc();
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
