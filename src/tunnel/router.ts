import type net from 'node:net';
import type { ProxySettings, RuntimeConfig } from '../config/load';
import { describeProxy } from '../config/proxy-spec';
import type { TunnelSpec } from '../config/tunnel-spec';
import { PtunnelError } from '../errors';
import type { Logger } from '../log/logger';
import { classifyProxyFailure, connectViaProxy, ProxyConnectOptions, ProxyTunnel } from '../proxy/connector';
import type { PacAnswer } from '../proxy/discovery/pac';
import type { ProxyHealth } from '../proxy/health';
import { AddressLookup } from '../dns/lookup';
import type { CancelSignal } from '../net/settle';
import { AddressScreen, screenedLookup } from './dest-policy';
import { connectDirect, DirectConnectOptions } from './direct-connector';
import { ipFamily } from '../util/ip';

export type Route = 'proxy' | 'direct';

/** A direct upstream has no proxy answer to pass on; its empty head is shared, never written to. */
const NO_HEAD = Buffer.alloc(0);

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
export type Plan =
  | { route: 'proxy'; proxies: ProxySettings[]; fallback: boolean }
  /** `proxyDown`: why the proxies were found down, when that is why it goes direct. */
  | { route: 'direct'; reason: string; proxyDown?: string };

/**
 * The proxies to consider for one target, in order: the configured list, or a PAC file's answer.
 * `fallback`: auto mode may go direct when every one fails (always for the configured list; for a
 * PAC only when its answer lists DIRECT). `direct`: why there is no proxy to try, when empty.
 */
export interface ProxyChoice {
  proxies: readonly ProxySettings[];
  fallback: boolean;
  direct?: string;
  /** The PAC's answer this came from, for reasons and proxy-for. */
  pac?: Extract<PacAnswer, { kind: 'pac' }>;
}

/** The PAC decisions the router asks (implemented by PacManager). */
export interface PacSource {
  decide(host: string, port: number): Promise<PacAnswer>;
  cached(host: string, port: number): PacAnswer | undefined;
  proxyFailed(): void;
}

export interface RouterDeps {
  config: Pick<RuntimeConfig, 'mode' | 'proxies' | 'noProxy' | 'connectTimeoutMs' | 'pac'>;
  /** Asked first for each target when --pac is set. */
  pac?: PacSource;
  lookup: AddressLookup;
  /** Each proxy's own health memory; none: every proxy counts as up. */
  health?: (proxy: ProxySettings) => ProxyHealth | undefined;
  logger: Logger;
  connectProxy?: (opts: ProxyConnectOptions) => Promise<ProxyTunnel>;
  connectDirect?: (opts: DirectConnectOptions) => Promise<net.Socket>;
  /** Called with the error code of each failed proxy attempt (for metrics). */
  onProxyFailure?: (code: string) => void;
  /** Called with the scheme and outcome of each proxy authentication (for metrics). */
  onProxyAuth?: (scheme: string, outcome: string) => void;
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
    this.configured = Object.freeze({ proxies: deps.config.proxies, fallback: true, direct: 'mode direct' });
  }

  /** The configured list, as a choice: one object per router (a reload makes a new router), not one per connection. */
  private readonly configured: Readonly<ProxyChoice>;

  /**
   * Turns a PAC answer into the target's choice: its PROXY and HTTPS entries up to the first
   * DIRECT, which allows the fallback; no PAC now (unreachable) means the configured list.
   */
  choiceOf(answer: PacAnswer | undefined): ProxyChoice {
    const pac = this.deps.config.pac;
    if (answer === undefined || pac === undefined) return this.configured;
    if (answer.kind === 'none') return { ...this.configured, direct: answer.reason };
    const proxies: ProxySettings[] = [];
    let fallback = false;
    for (const e of answer.entries) {
      if (e.kind === 'direct') {
        fallback = true;
        break;
      }
      if (e.kind === 'proxy') proxies.push(pac.proxy(e.endpoint));
    }
    return { proxies, fallback, direct: `PAC said ${answer.result.trim()}`, pac: answer };
  }

  /** What a PAC decision already made says for this tunnel, else the configured list; no I/O. */
  choiceNow(tunnel: TunnelSpec): ProxyChoice {
    return this.choiceOf(this.deps.pac?.cached(tunnel.host, tunnel.port));
  }

  /** The choice for this tunnel, asking the PAC (cached per target) when there is one. */
  async choose(tunnel: TunnelSpec): Promise<ProxyChoice> {
    if (!this.deps.pac || this.deps.config.mode === 'direct') return this.configured;
    return this.choiceOf(await this.deps.pac.decide(tunnel.host, tunnel.port));
  }

  /**
   * The route a connection to this tunnel would take now, and why; no I/O. `choice` is the list
   * in order of preference (the configured one, or what a PAC file said for this target).
   */
  plan(tunnel: TunnelSpec, choice: ProxyChoice = this.choiceNow(tunnel)): Plan {
    const { config } = this.deps;
    const { proxies } = choice;
    if (config.mode === 'direct') return { route: 'direct', reason: 'mode direct' };
    if (proxies.length === 0) return { route: 'direct', reason: choice.direct ?? 'mode direct' };
    let bypass = this.bypass.get(tunnel);
    if (bypass === undefined) {
      bypass = config.noProxy.matches(tunnel.host, tunnel.port);
      this.bypass.set(tunnel, bypass);
    }
    // Mode proxy never goes direct, whatever NO_PROXY (often inherited from the environment) says.
    if (bypass && config.mode !== 'proxy') return { route: 'direct', reason: 'no_proxy' };
    const usable = proxies.filter((p) => this.deps.health?.(p)?.usable ?? true);
    const fallback = config.mode === 'auto' && choice.fallback;
    if (config.mode === 'auto' && usable.length > 0) return { route: 'proxy', proxies: usable, fallback };
    if (fallback) return { route: 'direct', reason: this.allDown(proxies), proxyDown: this.whyDown(proxies) };
    // Proxies believed down are tried too, after the others, when going direct is not allowed.
    return { route: 'proxy', proxies: [...usable, ...proxies.filter((p) => !usable.includes(p))], fallback };
  }

  /**
   * `screen` (local proxy clients) refuses addresses the name resolves to on the direct route;
   * through a proxy the proxy resolves, out of ptunnel's sight.
   */
  async open(tunnel: TunnelSpec, signal?: CancelSignal, choice?: ProxyChoice, screen?: AddressScreen): Promise<Upstream> {
    const { config } = this.deps;
    // Without a PAC the choice is known now: no promise to wait for on every connection.
    const plan = this.plan(tunnel, choice ?? (this.deps.pac ? await this.choose(tunnel) : this.configured));
    if (plan.route === 'direct') return this.direct(tunnel, plan.reason, signal, screen, plan.proxyDown);
    let last: unknown;
    for (const [i, proxy] of plan.proxies.entries()) {
      try {
        const t = await this.connectProxy({
          proxy,
          host: tunnel.host,
          port: tunnel.port,
          timeoutMs: config.connectTimeoutMs,
          signal,
          ...(this.deps.onProxyAuth ? { onAuth: this.deps.onProxyAuth } : {}),
        });
        this.deps.health?.(proxy)?.reportSuccess();
        return { socket: t.socket, head: t.head, route: 'proxy', proxy };
      } catch (err) {
        if (signal?.aborted) throw err;
        this.deps.onProxyFailure?.(err instanceof PtunnelError ? err.code : 'error');
        const kind = classifyProxyFailure(err);
        if (kind === 'unreachable') {
          this.deps.health?.(proxy)?.reportFailure((err as Error).message);
          this.deps.pac?.proxyFailed();
        }
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
    if (!plan.fallback) throw last;
    this.deps.logger.debug('every proxy failed, going direct', { tunnel: tunnel.source, err: last });
    const why = (last as PtunnelError).message;
    return this.direct(tunnel, `fallback: ${why}`, signal, screen, why);
  }

  /** What each proxy's health memory says made it unreachable. */
  private whyDown(proxies: readonly ProxySettings[]): string {
    return proxies.map((p) => `proxy ${describeProxy(p.endpoint)} down (${this.deps.health?.(p)?.lastReason ?? 'no reason recorded'})`).join('; ');
  }

  private allDown(proxies: readonly ProxySettings[]): string {
    const state = (p: ProxySettings) => this.deps.health?.(p)?.state ?? 'up';
    const first = proxies[0] as ProxySettings;
    if (proxies.length === 1) return `proxy ${state(first)}`;
    return `every proxy down (${proxies.map((p) => `${describeProxy(p.endpoint)} ${state(p)}`).join(', ')})`;
  }

  /** `afterProxy`: what made the proxies fail, for a fallback that fails too (it names both). */
  private async direct(tunnel: TunnelSpec, reason: string | undefined, signal?: CancelSignal, screen?: AddressScreen, afterProxy?: string): Promise<Upstream> {
    let socket: net.Socket;
    try {
      socket = await this.connectDirect({
        host: tunnel.host,
        port: tunnel.port,
        timeoutMs: this.deps.config.connectTimeoutMs,
        // An IP literal is never looked up (its check was the destination policy's): no wrapper for it.
        lookup: screen && !ipFamily(tunnel.host) ? screenedLookup(this.deps.lookup, screen) : this.deps.lookup,
        signal,
      });
    } catch (err) {
      if (afterProxy === undefined || signal?.aborted || !(err instanceof PtunnelError)) throw err;
      // Code, details and cause stay the direct attempt's (exit status and SOCKS replies key on them).
      throw new PtunnelError(err.code, `${afterProxy}; the fallback failed too: ${err.message}`, {
        cause: err.cause,
        userError: err.userError,
        details: err.details,
      });
    }
    const upstream: Upstream = { socket, head: NO_HEAD, route: 'direct' };
    if (reason !== undefined) upstream.reason = reason;
    return upstream;
  }
}
