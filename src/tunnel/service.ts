import net from 'node:net';
import { formatHostPort, isLoopback, isWildcard } from '../net/address';
import type { RuntimeConfig } from '../config/load';
import { describeProxy } from '../config/proxy-spec';
import { describeTunnel, TunnelSpec } from '../config/tunnel-spec';
import { EngineEvents, noEvents } from './events';
import { formatDuration } from '../util/duration';
import { canonicalIp } from '../util/ip';
import { PtunnelError } from '../errors';
import { listeningAddresses } from '../dns/loop-guard';
import { Resolver } from '../dns/resolver';
import type { Logger } from '../log/logger';
import { ProxyHealth } from '../proxy/health';
import { probeProxy } from '../proxy/probe';
import { ConnectionHandle, ConnectionRecord, handleConnection } from './connection';
import { AddressLookup } from '../dns/lookup';
import { listen } from './listener';
import { Router } from './router';

export interface BoundTunnel {
  tunnel: TunnelSpec;
  address: net.AddressInfo;
  server: net.Server;
  /** Connections open on this listener now. */
  active: number;
}

export interface ServiceOptions {
  config: RuntimeConfig;
  logger: Logger;
  lookup?: AddressLookup;
  /** Proxy health back-off bounds; tests shorten them. */
  proxyBackoff?: { minMs: number; maxMs: number };
  events?: EngineEvents;
  onConnectionEnd?: (record: ConnectionRecord) => void;
}

const LOOPBACK = /^(127\.|::1$|localhost$)/;

export interface ReloadResult {
  kept: number;
  added: number;
  removed: number;
  failed: string[];
}

/** Resolves once the listening socket is closed (the port is free), not when its connections end. */
function stopAccepting(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    // close() shuts the listening socket at once (the port is free); its callback would wait for
    // every accepted connection to end.
    server.close();
    setImmediate(resolve);
  });
}

/** Listener identity: the same key after a reload means the listener and its connections stay. */
function tunnelKey(t: TunnelSpec, listen: string): string {
  return `${t.listenHost ?? listen}|${t.localPort}|${t.host}|${t.port}`;
}

/** The running tunnels: listeners bound, connections tracked, limits, drain and reload. */
export class TunnelService {
  readonly bound: BoundTunnel[] = [];
  router!: Router;
  health: ProxyHealth | undefined;
  /** Undefined when the caller supplied its own lookup. */
  resolver: Resolver | undefined;
  private config: RuntimeConfig;
  private readonly events: EngineEvents;
  private readonly active = new Map<number, ConnectionHandle>();
  private nextId = 1;
  private draining = false;
  private started = false;
  private dnsKey = '';
  private proxyKey: string | undefined;

  constructor(private readonly options: ServiceOptions) {
    this.config = options.config;
    this.events = options.events ?? noEvents;
    this.configureRoutes(options.config);
  }

  get activeConnections(): number {
    return this.active.size;
  }

  get isStarted(): boolean {
    return this.started;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  get currentConfig(): RuntimeConfig {
    return this.config;
  }

  /** Router, proxy health and resolver for a configuration; live connections keep the old ones. */
  private configureRoutes(config: RuntimeConfig): void {
    const { logger } = this.options;
    // A reload that keeps the same proxy keeps what we know of its health: a laptop at home
    // must not wait out a connect timeout again because the config file was touched.
    const proxyKey = config.proxy ? `${describeProxy(config.proxy.endpoint)} ${config.connectTimeoutMs}` : '';
    if (proxyKey !== this.proxyKey) {
      this.health?.stop();
      this.health = undefined;
      this.proxyKey = proxyKey;
      if (config.proxy) {
        const endpoint = config.proxy.endpoint;
        this.health = new ProxyHealth({
          probe: () => probeProxy(endpoint, config.connectTimeoutMs),
          minBackoffMs: this.options.proxyBackoff?.minMs,
          maxBackoffMs: this.options.proxyBackoff?.maxMs,
          onChange: (state, info) => {
            this.events.proxyState(state);
            const proxy = describeProxy(endpoint);
            if (state === 'backoff') {
              logger.warn(`proxy ${proxy} unreachable; new connections go direct, next probe in ${Math.round(info.backoffMs / 1000)}s`, {
                reason: info.reason,
              });
            } else if (state === 'up') {
              logger.info(`proxy ${proxy} reachable again; new connections use it`);
            }
          },
        });
      }
      this.events.proxyState('up');
    }
    // Never getaddrinfo for tunnel targets: the hosts file maps them to ptunnel itself. A reload
    // with the same DNS settings keeps the resolver and its cache.
    const dnsKey = JSON.stringify(config.dns);
    if (!this.options.lookup && (this.resolver === undefined || dnsKey !== this.dnsKey)) {
      const previous = this.resolver;
      // Lookups under way may still use the old one; its DoH connections go after a while.
      if (previous) setTimeout(() => void previous.close(), 60_000).unref();
      this.dnsKey = dnsKey;
      this.resolver = new Resolver({
        ...config.dns,
        logger,
        hooks: {
          onQuery: (resolver, outcome, ms) => this.events.dnsQuery(resolver, outcome, ms),
          onCacheHit: () => this.events.dnsCacheHit(),
        },
      });
      this.resolver.guard.setOwnAddresses(listeningAddresses(this.bound.map((b) => b.address.address)));
    }
    this.router = new Router({
      config,
      lookup: this.options.lookup ?? (this.resolver as Resolver).lookup,
      logger,
      onProxyFailure: (code) => this.events.proxyFailure(code),
      ...(this.health ? { health: this.health } : {}),
    });
  }

  /** Binds every listener; on the first failure closes what was bound and rejects. */
  async start(): Promise<void> {
    try {
      for (const tunnel of this.config.tunnels) await this.bind(tunnel);
      const loop = this.bound.map((b) => this.selfLoop(b.tunnel)).find((m) => m !== undefined);
      if (loop) throw new PtunnelError('ERR_CONFIG', loop, { userError: true });
    } catch (err) {
      await this.close();
      throw err;
    }
    this.resolver?.guard.setOwnAddresses(listeningAddresses(this.bound.map((b) => b.address.address)));
    for (const b of this.bound) this.logListening(b);
    this.started = true;
  }

  private async bind(tunnel: TunnelSpec): Promise<BoundTunnel> {
    const host = tunnel.listenHost ?? this.config.listen;
    const entry: Partial<BoundTunnel> & { active: number } = { tunnel, active: 0 };
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(entry as BoundTunnel, socket));
    const address = await listen(server, host, tunnel.localPort);
    // Accept errors after start-up (EMFILE, ENOBUFS) are logged; the listener stays open.
    server.on('error', (err) => this.options.logger.error(`listener ${formatHostPort(address.address, address.port)}: ${(err as Error).message}`));
    Object.assign(entry, { server, address });
    this.bound.push(entry as BoundTunnel);
    if (!LOOPBACK.test(host)) {
      this.options.logger.warn(`listening on ${host}, not loopback: anyone who can reach this address can use the proxy through you`, {
        tunnel: tunnel.source,
      });
    }
    return entry as BoundTunnel;
  }

  /**
   * A mapping whose target is one of ptunnel's own listeners (`9993:127.0.0.1:9993`) would
   * connect to itself without end; the loop guard only sees names, so literal targets are
   * checked here against what is bound.
   */
  private selfLoop(tunnel: TunnelSpec): string | undefined {
    const targets = tunnel.host === 'localhost' ? ['127.0.0.1', '::1'] : net.isIP(tunnel.host) ? [canonicalIp(tunnel.host)] : [];
    for (const b of this.bound) {
      if (b.address.port !== tunnel.port) continue;
      const own = listeningAddresses([b.address.address]).map(canonicalIp);
      const wildcard = isWildcard(b.address.address);
      if (targets.some((t) => own.includes(t) || (wildcard && isLoopback(t)))) {
        return `tunnel "${tunnel.source}" points at ptunnel's own listener ${formatHostPort(b.address.address, b.address.port)} and would connect to itself; check the target port`;
      }
    }
    return undefined;
  }

  private logListening(b: BoundTunnel): void {
    const route = this.router.plan(b.tunnel);
    const proxy = this.config.proxy ? describeProxy(this.config.proxy.endpoint) : '';
    this.options.logger.info(`listening on ${describeTunnel({ ...b.tunnel, localPort: b.address.port }, b.address.address)}`, {
      tunnel: b.tunnel.source,
      route: route.route === 'proxy' ? `${this.config.mode} via ${proxy}` : `direct (${route.reason})`,
    });
  }

  private accept(b: BoundTunnel, socket: net.Socket): void {
    const { logger } = this.options;
    const { config } = this;
    const tunnel = b.tunnel;
    const overall = config.limits.maxConnections;
    const perTunnel = config.limits.maxConnectionsPerTunnel;
    if (this.draining || (overall > 0 && this.active.size >= overall) || (perTunnel > 0 && b.active >= perTunnel)) {
      // Refused before a byte is read: a reset tells the client at once, and nothing else is touched.
      const reason = this.draining ? 'draining' : 'limit';
      socket.on('error', () => undefined);
      socket.resetAndDestroy();
      this.events.connectionRejected(tunnel.source, reason);
      logger.warn(`connection refused: ${reason === 'limit' ? `connection limit reached (${b.active >= perTunnel && perTunnel > 0 ? `${perTunnel} per tunnel` : `${overall} overall`})` : 'shutting down'}`, {
        tunnel: tunnel.source,
        client: formatHostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0),
      });
      return;
    }
    const id = this.nextId++;
    b.active += 1;
    this.events.connectionOpened(tunnel.source);
    const handle = handleConnection(socket, {
      id,
      tunnel,
      router: this.router,
      logger,
      pumpOptions: { halfCloseTimeoutMs: config.halfCloseTimeoutMs, idleTimeoutMs: config.idleTimeoutMs },
      onUpstream: (route, seconds) => this.events.upstreamConnected(route, seconds),
      onEnd: (record) => {
        b.active -= 1;
        this.active.delete(id);
        this.events.connectionEnded(record);
        this.logRecord(record);
        this.options.onConnectionEnd?.(record);
        if (this.active.size === 0) this.idleWaiters.splice(0).forEach((w) => w());
      },
    });
    this.active.set(id, handle);
  }

  private logRecord(r: ConnectionRecord): void {
    const { logger } = this.options;
    const fields = {
      id: r.id,
      tunnel: r.tunnel,
      client: r.client,
      route: r.route,
      target: r.target,
      remote: r.remote,
      reason: r.reason,
      durationMs: r.durationMs,
      bytesUp: r.bytesUp,
      bytesDown: r.bytesDown,
      outcome: r.outcome,
      err: r.error,
    };
    const failed = r.route === undefined;
    if (failed && r.outcome !== 'client-gone') logger.warn(`connection ${r.id} failed: ${r.error?.message ?? r.outcome}`, fields);
    else logger.info('connection closed', fields);
  }

  private readonly idleWaiters: Array<() => void> = [];
  private reloading: Promise<void> = Promise.resolve();

  /**
   * Graceful shutdown: stop accepting (and report not ready), let live connections finish for up
   * to `timeoutMs`, then cut what is left. Resolves with the number of connections cut.
   */
  async drain(timeoutMs: number): Promise<number> {
    this.draining = true;
    this.health?.stop();
    const closed = this.bound.map((b) => new Promise<void>((resolve) => b.server.close(() => resolve())));
    if (this.active.size > 0) {
      this.options.logger.info(`draining ${this.active.size} connection(s), up to ${formatDuration(timeoutMs)}`);
      await this.waitIdle(timeoutMs);
    }
    const cut = this.active.size;
    if (cut > 0) {
      this.options.logger.warn(`shutdown timeout reached; closing ${cut} connection(s)`);
      for (const handle of this.active.values()) handle.abort();
      // Their sockets close within a tick or two; wait so that each gets its log line.
      await this.waitIdle(1000);
    }
    await Promise.all(closed);
    await this.resolver?.close();
    return cut;
  }

  private waitIdle(ms: number): Promise<void> {
    if (this.active.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Stops accepting; with `abortConnections` also cuts the live ones. */
  async close(abortConnections = true): Promise<void> {
    this.health?.stop();
    const closed = this.bound.map((b) => new Promise<void>((resolve) => b.server.close(() => resolve())));
    if (abortConnections) for (const handle of this.active.values()) handle.abort();
    await Promise.all(closed);
    await this.resolver?.close();
  }

  /**
   * Applies a new, already validated configuration: listeners whose mapping is unchanged stay
   * (with their connections); removed or changed ones stop accepting (their live connections run
   * to their end); new ones are bound. Routing settings apply to new connections.
   */
  async reload(next: RuntimeConfig): Promise<ReloadResult> {
    // One reload at a time: each computes its diff from the listeners the previous one left.
    const run = this.reloading.then(() => this.applyReload(next));
    this.reloading = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async applyReload(next: RuntimeConfig): Promise<ReloadResult> {
    const { logger } = this.options;
    const wanted = new Map(next.tunnels.map((t) => [tunnelKey(t, next.listen), t]));
    const keep: BoundTunnel[] = [];
    const drop: BoundTunnel[] = [];
    for (const b of this.bound) {
      const key = tunnelKey(b.tunnel, this.config.listen);
      if (wanted.has(key)) {
        keep.push(b);
        wanted.delete(key);
      } else drop.push(b);
    }
    // Stop accepting at once; the server's close callback would wait for its live connections
    // (an IMAP IDLE can last hours), and they are left to run to their end.
    await Promise.all(drop.map((b) => stopAccepting(b.server)));
    this.bound.splice(0, this.bound.length, ...keep);
    this.config = next;
    this.configureRoutes(next);
    const failed: string[] = [];
    let added = 0;
    for (const tunnel of wanted.values()) {
      try {
        const b = await this.bind(tunnel);
        const loop = this.selfLoop(b.tunnel);
        if (loop) {
          await stopAccepting(b.server);
          this.bound.splice(this.bound.indexOf(b), 1);
          throw new Error(loop);
        }
        this.logListening(b);
        added += 1;
      } catch (err) {
        failed.push(tunnel.source);
        logger.error(`reload: ${(err as Error).message}`, { tunnel: tunnel.source });
      }
    }
    this.resolver?.guard.setOwnAddresses(listeningAddresses(this.bound.map((b) => b.address.address)));
    for (const b of drop) logger.info(`stopped listening on ${describeTunnel({ ...b.tunnel, localPort: b.address.port }, b.address.address)}`);
    return { kept: keep.length, added, removed: drop.length, failed };
  }

  /** A summary for people (GET /status). */
  status(): Record<string, unknown> {
    return {
      started: this.started,
      draining: this.draining,
      activeConnections: this.active.size,
      mode: this.config.mode,
      proxy: this.config.proxy ? { url: describeProxy(this.config.proxy.endpoint), state: this.health?.state ?? 'up' } : null,
      tunnels: this.bound.map((b) => ({
        tunnel: b.tunnel.source,
        listen: formatHostPort(b.address.address, b.address.port),
        target: formatHostPort(b.tunnel.host, b.tunnel.port),
        route: this.router.plan(b.tunnel).route,
        active: b.active,
      })),
    };
  }

  addressOf(index: number): string {
    const b = this.bound[index];
    return b ? formatHostPort(b.address.address, b.address.port) : '';
  }
}
