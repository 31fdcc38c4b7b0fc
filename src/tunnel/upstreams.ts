import type { RuntimeConfig } from '../config/load';
import { describeProxy, ProxyEndpoint } from '../config/proxy-spec';
import type { AddressLookup } from '../dns/lookup';
import { listeningAddresses } from '../dns/loop-guard';
import { Resolver } from '../dns/resolver';
import type { Logger } from '../log/logger';
import { ProxyHealth, ProxyState } from '../proxy/health';
import { probeProxy } from '../proxy/probe';
import type { EngineEvents } from './events';
import { Router } from './router';

export interface UpstreamsOptions {
  logger: Logger;
  events: EngineEvents;
  /** Replaces ptunnel's own resolver for direct connections (tests). */
  lookup?: AddressLookup;
  /** Proxy health back-off bounds; tests shorten them. */
  proxyBackoff?: { minMs: number; maxMs: number };
}

type UpstreamSettings = Pick<RuntimeConfig, 'mode' | 'proxy' | 'noProxy' | 'connectTimeoutMs' | 'dns'>;

/**
 * What the proxy's health is known for: the same proxy, probed with the same timeout. A reload
 * that keeps both keeps the health, so that a laptop at home does not wait out a connect timeout
 * again because the config file was touched. Credentials and NO_PROXY do not matter to it.
 */
export function proxyHealthKey(config: Pick<RuntimeConfig, 'proxy' | 'connectTimeoutMs'>): string {
  return config.proxy ? `${describeProxy(config.proxy.endpoint)} ${config.connectTimeoutMs}` : '';
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
  private health: ProxyHealth | undefined;
  /** Undefined when the caller supplied its own lookup. */
  private resolver: Resolver | undefined;
  private healthKey: string | undefined;
  private dnsKey = '';

  constructor(
    private readonly options: UpstreamsOptions,
    config: UpstreamSettings,
  ) {
    this.configure(config, []);
  }

  /** For the health watcher's log line, which outlives a reload that changes only the mode. */
  private mode: UpstreamSettings['mode'] = 'auto';

  get router(): Router {
    return this.current;
  }

  /** The proxy's health as new connections see it; undefined without a proxy. */
  get proxyState(): ProxyState | undefined {
    return this.health?.state;
  }

  /**
   * Applies a configuration: health and resolver are made anew only when their settings changed
   * (see proxyHealthKey and resolverKey). `ownAddresses` are the listeners bound now, for a new
   * resolver's loop guard.
   */
  configure(config: UpstreamSettings, ownAddresses: readonly string[]): void {
    this.mode = config.mode;
    const healthKey = proxyHealthKey(config);
    if (healthKey !== this.healthKey) {
      this.health?.stop();
      this.healthKey = healthKey;
      this.health = config.proxy ? this.watch(config.proxy.endpoint, config.connectTimeoutMs) : undefined;
      this.options.events.proxyState('up');
    }
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
    this.current = new Router({
      config,
      lookup: this.options.lookup ?? (this.resolver as Resolver).lookup,
      logger: this.options.logger,
      onProxyFailure: (code) => this.options.events.proxyFailure(code),
      onProxyAuth: (scheme, outcome) => this.options.events.proxyAuth(scheme, outcome),
      ...(this.health ? { health: this.health } : {}),
    });
  }

  /** Tells the resolver's loop guard which local addresses are ptunnel's own listeners. */
  setOwnAddresses(addresses: readonly string[]): void {
    this.resolver?.guard.setOwnAddresses(listeningAddresses(addresses));
  }

  /** No more background probes of the proxy. */
  stopProbing(): void {
    this.health?.stop();
  }

  /** Stops probing and closes the resolver's connections. */
  async close(): Promise<void> {
    this.stopProbing();
    await this.resolver?.close();
  }

  private watch(endpoint: ProxyEndpoint, timeoutMs: number): ProxyHealth {
    const { logger, events, proxyBackoff } = this.options;
    const proxy = describeProxy(endpoint);
    return new ProxyHealth({
      probe: () => probeProxy(endpoint, timeoutMs),
      minBackoffMs: proxyBackoff?.minMs,
      maxBackoffMs: proxyBackoff?.maxMs,
      onChange: (state, info) => {
        events.proxyState(state);
        if (state === 'backoff') {
          // The mode may change on reload while the health watcher stays: read it now.
          const next = this.mode === 'proxy' ? 'fail until it is back' : 'go direct';
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
