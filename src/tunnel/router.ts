import type net from 'node:net';
import type { ProxySettings, RuntimeConfig } from '../config/load';
import { describeProxy } from '../config/proxy-spec';
import type { TunnelSpec } from '../config/tunnel-spec';
import { PtunnelError } from '../errors';
import type { Logger } from '../log/logger';
import { classifyProxyFailure, connectViaProxy, ProxyConnectOptions, ProxyTunnel } from '../proxy/connector';
import type { ProxyHealth } from '../proxy/health';
import { AddressLookup } from '../dns/lookup';
import { connectDirect, DirectConnectOptions } from './direct-connector';

export type Route = 'proxy' | 'direct';

export interface Upstream {
  /** Paused; the caller resumes it when the pump is wired. */
  socket: net.Socket;
  /** Server bytes already read (after the proxy's answer) that the client must get first. */
  head: Buffer;
  route: Route;
  /** The proxy that carries it, on route proxy. */
  proxy?: ProxySettings;
  /** Why a connection went direct although a proxy is configured. */
  reason?: string;
}

/** What a connection to a tunnel would do now: the proxies to try in order, or direct and why. */
export type Plan = { route: 'proxy'; proxies: ProxySettings[] } | { route: 'direct'; reason: string };

export interface RouterDeps {
  config: Pick<RuntimeConfig, 'mode' | 'proxies' | 'noProxy' | 'connectTimeoutMs'>;
  lookup: AddressLookup;
  /** Each proxy's own health memory; none: every proxy counts as up. */
  health?: (proxy: ProxySettings) => ProxyHealth | undefined;
  logger: Logger;
  connectProxy?: (opts: ProxyConnectOptions) => Promise<ProxyTunnel>;
  connectDirect?: (opts: DirectConnectOptions) => Promise<net.Socket>;
  /** Called with the error code of each failed proxy attempt (for metrics). */
  onProxyFailure?: (code: string) => void;
}

/** Picks the route for each new connection (mode, NO_PROXY, each proxy's health) and opens it. */
export class Router {
  private readonly connectProxy: (opts: ProxyConnectOptions) => Promise<ProxyTunnel>;
  private readonly connectDirect: (opts: DirectConnectOptions) => Promise<net.Socket>;
  /**
   * NO_PROXY's verdict per tunnel: it depends only on the tunnel's target and this router's
   * config, and matching (a BlockList check for IP rules) is too dear to repeat per connection.
   */
  private readonly bypass = new WeakMap<TunnelSpec, boolean>();

  constructor(private readonly deps: RouterDeps) {
    this.connectProxy = deps.connectProxy ?? connectViaProxy;
    this.connectDirect = deps.connectDirect ?? connectDirect;
  }

  /**
   * The route a connection to this tunnel would take now, and why; no I/O. `proxies` is the list
   * in order of preference (the configured one, or what a PAC file said for this target).
   */
  plan(tunnel: TunnelSpec, proxies: readonly ProxySettings[] = this.deps.config.proxies): Plan {
    const { config } = this.deps;
    if (config.mode === 'direct' || proxies.length === 0) return { route: 'direct', reason: 'mode direct' };
    let bypass = this.bypass.get(tunnel);
    if (bypass === undefined) {
      bypass = config.noProxy.matches(tunnel.host, tunnel.port);
      this.bypass.set(tunnel, bypass);
    }
    // Mode proxy never goes direct, whatever NO_PROXY (often inherited from the environment) says.
    if (bypass && config.mode !== 'proxy') return { route: 'direct', reason: 'no_proxy' };
    const usable = proxies.filter((p) => this.deps.health?.(p)?.usable ?? true);
    if (config.mode === 'auto') {
      if (usable.length > 0) return { route: 'proxy', proxies: usable };
      return { route: 'direct', reason: this.allDown(proxies) };
    }
    // Mode proxy tries the proxies believed down too, after the others: direct is not allowed.
    return { route: 'proxy', proxies: [...usable, ...proxies.filter((p) => !usable.includes(p))] };
  }

  async open(tunnel: TunnelSpec, signal?: AbortSignal, proxies?: readonly ProxySettings[]): Promise<Upstream> {
    const { config } = this.deps;
    const plan = this.plan(tunnel, proxies);
    if (plan.route === 'direct') return this.direct(tunnel, plan.reason, signal);
    let last: unknown;
    for (const [i, proxy] of plan.proxies.entries()) {
      try {
        const t = await this.connectProxy({ proxy, host: tunnel.host, port: tunnel.port, timeoutMs: config.connectTimeoutMs, signal });
        this.deps.health?.(proxy)?.reportSuccess();
        return { socket: t.socket, head: t.head, route: 'proxy', proxy };
      } catch (err) {
        if (signal?.aborted) throw err;
        this.deps.onProxyFailure?.(err instanceof PtunnelError ? err.code : 'error');
        const kind = classifyProxyFailure(err);
        if (kind === 'unreachable') this.deps.health?.(proxy)?.reportFailure((err as Error).message);
        // A refusal (403, 407) is the proxy's policy about this target: asking the next proxy, or
        // going direct, would bypass it. Only "not there" and "could not reach the target" (5xx)
        // move on. No client byte has been sent yet: the connector holds them until the 2xx.
        if (kind === 'fatal') throw err;
        last = err;
        const next = plan.proxies[i + 1];
        if (next !== undefined) {
          this.deps.logger.debug('proxy failed, trying the next one', { tunnel: tunnel.source, proxy: describeProxy(proxy.endpoint), next: describeProxy(next.endpoint), err });
        }
      }
    }
    if (config.mode !== 'auto') throw last;
    this.deps.logger.debug('every proxy failed, going direct', { tunnel: tunnel.source, err: last });
    return this.direct(tunnel, `fallback: ${(last as PtunnelError).message}`, signal);
  }

  private allDown(proxies: readonly ProxySettings[]): string {
    const state = (p: ProxySettings) => this.deps.health?.(p)?.state ?? 'up';
    const first = proxies[0] as ProxySettings;
    if (proxies.length === 1) return `proxy ${state(first)}`;
    return `every proxy down (${proxies.map((p) => `${describeProxy(p.endpoint)} ${state(p)}`).join(', ')})`;
  }

  private async direct(tunnel: TunnelSpec, reason: string | undefined, signal?: AbortSignal): Promise<Upstream> {
    const socket = await this.connectDirect({
      host: tunnel.host,
      port: tunnel.port,
      timeoutMs: this.deps.config.connectTimeoutMs,
      lookup: this.deps.lookup,
      signal,
    });
    const upstream: Upstream = { socket, head: Buffer.alloc(0), route: 'direct' };
    if (reason !== undefined) upstream.reason = reason;
    return upstream;
  }
}
