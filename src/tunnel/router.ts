import type net from 'node:net';
import type { RuntimeConfig } from '../config/load';
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
  /** Why a connection went direct although a proxy is configured. */
  reason?: string;
}

export interface RouterDeps {
  config: Pick<RuntimeConfig, 'mode' | 'proxy' | 'noProxy' | 'connectTimeoutMs'>;
  lookup: AddressLookup;
  health?: ProxyHealth;
  logger: Logger;
  connectProxy?: (opts: ProxyConnectOptions) => Promise<ProxyTunnel>;
  connectDirect?: (opts: DirectConnectOptions) => Promise<net.Socket>;
  /** Called with the error code of each failed proxy attempt (for metrics). */
  onProxyFailure?: (code: string) => void;
  /** Called with the scheme and outcome of each proxy authentication (for metrics). */
  onProxyAuth?: (scheme: string, outcome: string) => void;
}

/** Picks the route for each new connection (mode, NO_PROXY, proxy health) and opens it. */
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

  /** The route a connection to this tunnel would take now, and why; no I/O. */
  plan(tunnel: TunnelSpec): { route: Route; reason?: string } {
    const { config, health } = this.deps;
    if (config.mode === 'direct' || !config.proxy) return { route: 'direct', reason: 'mode direct' };
    let bypass = this.bypass.get(tunnel);
    if (bypass === undefined) {
      bypass = config.noProxy.matches(tunnel.host, tunnel.port);
      this.bypass.set(tunnel, bypass);
    }
    // Mode proxy never goes direct, whatever NO_PROXY (often inherited from the environment) says.
    if (bypass && config.mode !== 'proxy') return { route: 'direct', reason: 'no_proxy' };
    if (config.mode === 'auto' && health && !health.usable) return { route: 'direct', reason: `proxy ${health.state}` };
    return { route: 'proxy' };
  }

  async open(tunnel: TunnelSpec, signal?: AbortSignal): Promise<Upstream> {
    const { config, health } = this.deps;
    const plan = this.plan(tunnel);
    if (plan.route === 'direct') return this.direct(tunnel, plan.reason, signal);
    const proxy = config.proxy as NonNullable<typeof config.proxy>;
    try {
      const t = await this.connectProxy({
        proxy,
        host: tunnel.host,
        port: tunnel.port,
        timeoutMs: config.connectTimeoutMs,
        signal,
        ...(this.deps.onProxyAuth ? { onAuth: this.deps.onProxyAuth } : {}),
      });
      health?.reportSuccess();
      return { socket: t.socket, head: t.head, route: 'proxy' };
    } catch (err) {
      if (signal?.aborted) throw err;
      this.deps.onProxyFailure?.(err instanceof PtunnelError ? err.code : 'error');
      const kind = classifyProxyFailure(err);
      if (kind === 'unreachable') health?.reportFailure((err as Error).message);
      if (config.mode !== 'auto' || kind === 'fatal') throw err;
      const reason = `fallback: ${(err as PtunnelError).message}`;
      this.deps.logger.debug('proxy failed, going direct', { tunnel: tunnel.source, err });
      return this.direct(tunnel, reason, signal);
    }
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
