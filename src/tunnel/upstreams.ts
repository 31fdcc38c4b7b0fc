import type { ProxySettings, RuntimeConfig } from '../config/load';
import { describeProxy } from '../config/proxy-spec';
import type { AddressLookup } from '../dns/lookup';
import { listeningAddresses } from '../dns/loop-guard';
import { Resolver } from '../dns/resolver';
import type { Logger } from '../log/logger';
import type { PacManager, PacManagerOptions, PacStatus } from '../proxy/discovery/pac';
import { ProxyHealth, ProxyState } from '../proxy/health';
import { probeProxy } from '../proxy/probe';
import type { EngineEvents } from './events';
import { Router } from './router';

/** PAC's code (fetching, WPAD, the sandboxed evaluator) is required when a PAC file is configured, not at every start. */
function pacManager(): typeof PacManager {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../proxy/discovery/pac') as typeof import('../proxy/discovery/pac')).PacManager;
}

export interface UpstreamsOptions {
  logger: Logger;
  events: EngineEvents;
  /** Replaces ptunnel's own resolver for direct connections (tests). */
  lookup?: AddressLookup;
  /** Proxy health back-off bounds; tests shorten them. */
  proxyBackoff?: { minMs: number; maxMs: number };
  /** PAC evaluation bounds and WPAD search list; tests set them. */
  pacOptions?: Pick<PacManagerOptions, 'timeLimitMs' | 'searchDomains' | 'failureRefreshMs'>;
}

type UpstreamSettings = Pick<RuntimeConfig, 'mode' | 'proxies' | 'noProxy' | 'connectTimeoutMs' | 'dns' | 'pac'>;

/**
 * What a proxy's health is known for: the same proxy, probed with the same timeout. A reload
 * that keeps both keeps the health, so that a laptop at home does not wait out a connect timeout
 * again because the config file was touched. Credentials and NO_PROXY do not matter to it.
 */
export function proxyHealthKey(proxy: ProxySettings, connectTimeoutMs: number): string {
  return `${bareUrl(proxy)} ${connectTimeoutMs}`;
}

/** The proxy's URL without the user name. */
function bareUrl({ endpoint: { protocol, host, port } }: ProxySettings): string {
  return describeProxy({ protocol, host, port });
}

/** One proxy of the list and its health, as /status and the metrics show it. */
export interface ProxyStatus {
  url: string;
  state: ProxyState;
}

/** What the resolver and its cache are valid for: every DNS setting. */
export function resolverKey(config: Pick<RuntimeConfig, 'dns'>): string {
  return JSON.stringify(config.dns);
}

/**
 * The way out for new connections: a router over the proxy's health and ptunnel's own resolver.
 * Each configuration gets a new router; live connections keep the one they started with.
 */
export class Upstreams {
  private current!: Router;
  /** One health memory per proxy (see proxyHealthKey), made when a proxy is first used or configured. */
  private readonly healths = new Map<string, ProxyHealth>();
  /**
   * The health of each ProxySettings object asked about since the last configure: the router asks
   * twice per connection, and the key is two strings built from the proxy (1-2 % of a short
   * connection's CPU in a profile). Made anew by configure, which may drop healths.
   */
  private known = new WeakMap<ProxySettings, ProxyHealth>();
  /** Each health's proxy as /status shows it (no credentials). */
  private readonly urls = new WeakMap<ProxyHealth, string>();
  private settings!: UpstreamSettings;
  /** Undefined when the caller supplied its own lookup. */
  private resolver: Resolver | undefined;
  private dnsKey = '';
  private pac: PacManager | undefined;
  private pacKey = '';

  constructor(
    private readonly options: UpstreamsOptions,
    config: UpstreamSettings,
  ) {
    this.configure(config, []);
  }

  get router(): Router {
    return this.current;
  }

  /** The PAC's state; undefined without --pac. */
  get pacStatus(): PacStatus | undefined {
    return this.pac?.status;
  }

  /** The first proxy's health as new connections see it; undefined without a proxy. */
  get proxyState(): ProxyState | undefined {
    const first = this.settings.proxies[0];
    return first && this.healthFor(first).state;
  }

  /** Every configured proxy in order of preference, then those a PAC file named, each with its own health. */
  get proxyStates(): ProxyStatus[] {
    const configured = this.settings.proxies.map((p) => this.healthFor(p));
    const others = [...this.healths.values()].filter((h) => !configured.includes(h));
    return [...configured, ...others].map((h) => ({ url: this.urls.get(h) as string, state: h.state }));
  }

  /** The health memory of this proxy, made on first use (a proxy a PAC file named, say). */
  healthFor(proxy: ProxySettings): ProxyHealth {
    const known = this.known.get(proxy);
    if (known !== undefined) return known;
    const timeoutMs = this.settings.connectTimeoutMs;
    const key = proxyHealthKey(proxy, timeoutMs);
    let health = this.healths.get(key);
    if (health === undefined) {
      health = this.watch(proxy, timeoutMs);
      this.healths.set(key, health);
      this.urls.set(health, bareUrl(proxy));
      this.options.events.proxyState('up', bareUrl(proxy));
    }
    this.known.set(proxy, health);
    return health;
  }

  /**
   * Applies a configuration: health and resolver are made anew only when their settings changed
   * (see proxyHealthKey and resolverKey). `ownAddresses` are the listeners bound now, for a new
   * resolver's loop guard.
   */
  configure(config: UpstreamSettings, ownAddresses: readonly string[]): void {
    this.settings = config;
    this.known = new WeakMap();
    const keep = new Set(config.proxies.map((p) => proxyHealthKey(p, config.connectTimeoutMs)));
    for (const [key, health] of this.healths) {
      if (keep.has(key)) continue;
      health.stop();
      this.healths.delete(key);
    }
    for (const proxy of config.proxies) this.healthFor(proxy);
    // Never getaddrinfo for tunnel targets: the hosts file maps them to ptunnel itself.
    const dnsKey = resolverKey(config);
    if (!this.options.lookup && (this.resolver === undefined || dnsKey !== this.dnsKey)) {
      const previous = this.resolver;
      // Lookups under way may still use the old one; its DoH connections go after a while.
      if (previous) setTimeout(() => void previous.close(), 60_000).unref();
      this.dnsKey = dnsKey;
      this.resolver = this.newResolver(config);
      this.setOwnAddresses(ownAddresses);
    }
    const lookup = this.options.lookup ?? (this.resolver as Resolver).lookup;
    this.configurePac(config, lookup);
    this.current = new Router({
      config,
      lookup,
      ...(this.pac ? { pac: this.pac } : {}),
      logger: this.options.logger,
      onProxyFailure: (code) => this.options.events.proxyFailure(code),
      onProxyAuth: (scheme, outcome) => this.options.events.proxyAuth(scheme, outcome),
      health: (proxy) => this.healthFor(proxy),
    });
  }

  /**
   * The same PAC settings keep the PAC and fetch it again (a reload is what SIGHUP does: the user
   * asks for a fresh look); other settings start a new one.
   */
  private configurePac(config: UpstreamSettings, lookup: AddressLookup): void {
    const pac = config.mode === 'direct' ? undefined : config.pac;
    const key = pac ? `${pac.location} ${pac.refreshMs} ${config.connectTimeoutMs}` : '';
    if (this.pac && key === this.pacKey) {
      void this.pac.refresh();
      return;
    }
    this.pac?.stop();
    this.pacKey = key;
    this.pac = pac
      ? new (pacManager())({ location: pac.location, refreshMs: pac.refreshMs, lookup, logger: this.options.logger, fetchTimeoutMs: config.connectTimeoutMs, ...this.options.pacOptions })
      : undefined;
    void this.pac?.refresh();
  }

  /** Tells the resolver's loop guard which local addresses are ptunnel's own listeners. */
  setOwnAddresses(addresses: readonly string[]): void {
    this.resolver?.guard.setOwnAddresses(listeningAddresses(addresses));
  }

  /** No more background probes of any proxy, nor fetches of the PAC. */
  stopProbing(): void {
    for (const health of this.healths.values()) health.stop();
    this.pac?.stop();
  }

  /** Stops probing and closes the resolver's connections. */
  async close(): Promise<void> {
    this.stopProbing();
    await this.resolver?.close();
  }

  private watch(settings: ProxySettings, timeoutMs: number): ProxyHealth {
    const { logger, events, proxyBackoff } = this.options;
    const { endpoint } = settings;
    const proxy = describeProxy(endpoint);
    return new ProxyHealth({
      probe: () => probeProxy(endpoint, timeoutMs),
      minBackoffMs: proxyBackoff?.minMs,
      maxBackoffMs: proxyBackoff?.maxMs,
      onChange: (state, info) => {
        events.proxyState(state, bareUrl(settings));
        if (state === 'backoff') {
          // The mode may change on reload while the health watcher stays: read it now.
          const next = this.settings.mode === 'proxy' ? 'fail until it is back' : 'go direct';
          logger.warn(`proxy ${proxy} unreachable; new connections ${next}, next probe in ${Math.round(info.backoffMs / 1000)}s`, {
            reason: info.reason,
          });
        } else if (state === 'up') {
          logger.info(`proxy ${proxy} reachable again; new connections use it`);
        }
      },
    });
  }

  private newResolver(config: UpstreamSettings): Resolver {
    const { logger, events } = this.options;
    return new Resolver({
      ...config.dns,
      logger,
      hooks: {
        onQuery: (resolver, outcome, ms) => events.dnsQuery(resolver, outcome, ms),
        onCacheHit: () => events.dnsCacheHit(),
      },
    });
  }
}
