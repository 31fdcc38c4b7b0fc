import net from 'node:net';
import { formatHostPort } from '../config/hostname';
import type { RuntimeConfig } from '../config/load';
import { describeProxy } from '../config/proxy-spec';
import { describeTunnel, TunnelSpec } from '../config/tunnel-spec';
import type { Logger } from '../log';
import { ProxyHealth } from '../proxy/health';
import { probeProxy } from '../proxy/probe';
import { ConnectionHandle, ConnectionRecord, handleConnection } from './connection';
import { AddressLookup, systemLookup } from './direct-connector';
import { listen } from './listener';
import { Router } from './router';

export interface BoundTunnel {
  tunnel: TunnelSpec;
  address: net.AddressInfo;
  server: net.Server;
}

export interface ServiceOptions {
  config: RuntimeConfig;
  logger: Logger;
  lookup?: AddressLookup;
  /** Proxy health back-off bounds; tests shorten them. */
  proxyBackoff?: { minMs: number; maxMs: number };
  onConnectionEnd?: (record: ConnectionRecord) => void;
}

const LOOPBACK = /^(127\.|::1$|localhost$)/;

/** The running tunnels: listeners bound, connections tracked, a way to stop. */
export class TunnelService {
  readonly bound: BoundTunnel[] = [];
  readonly router: Router;
  readonly health: ProxyHealth | undefined;
  private readonly active = new Map<number, ConnectionHandle>();
  private nextId = 1;

  constructor(private readonly options: ServiceOptions) {
    const { config, logger } = options;
    if (config.proxy) {
      const endpoint = config.proxy.endpoint;
      this.health = new ProxyHealth({
        probe: () => probeProxy(endpoint, config.connectTimeoutMs),
        minBackoffMs: options.proxyBackoff?.minMs,
        maxBackoffMs: options.proxyBackoff?.maxMs,
        onChange: (state, info) => {
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
    this.router = new Router({
      config,
      lookup: options.lookup ?? systemLookup,
      logger,
      ...(this.health ? { health: this.health } : {}),
    });
  }

  get activeConnections(): number {
    return this.active.size;
  }

  /** Binds every listener; on the first failure closes what was bound and rejects. */
  async start(): Promise<void> {
    const { config, logger } = this.options;
    for (const tunnel of config.tunnels) {
      const host = tunnel.listenHost ?? config.listen;
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: false, noDelay: true }, (socket) =>
        this.accept(tunnel, socket),
      );
      try {
        const address = await listen(server, host, tunnel.localPort);
        this.bound.push({ tunnel, address, server });
      } catch (err) {
        await this.close();
        throw err;
      }
      if (!LOOPBACK.test(host)) {
        logger.warn(`listening on ${host}, not loopback: anyone who can reach this address can use the proxy through you`, {
          tunnel: tunnel.source,
        });
      }
    }
    for (const b of this.bound) {
      const route = this.router.plan(b.tunnel);
      logger.info(`listening on ${describeTunnel({ ...b.tunnel, localPort: b.address.port }, b.address.address)}`, {
        route: route.route === 'proxy' ? `${config.mode} via ${describeProxy(config.proxy!.endpoint)}` : `direct (${route.reason})`,
      });
    }
  }

  private accept(tunnel: TunnelSpec, socket: net.Socket): void {
    const id = this.nextId++;
    const { config, logger } = this.options;
    const handle = handleConnection(socket, {
      id,
      tunnel,
      router: this.router,
      logger,
      pumpOptions: { halfCloseTimeoutMs: config.halfCloseTimeoutMs, idleTimeoutMs: config.idleTimeoutMs },
      onEnd: (record) => {
        this.active.delete(id);
        this.logRecord(record);
        this.options.onConnectionEnd?.(record);
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

  /**
   * Stops accepting; with `abortConnections` also cuts the live ones. Resolves once every
   * listener and (when aborted) every connection is closed.
   */
  async close(abortConnections = true): Promise<void> {
    this.health?.stop();
    const closed = this.bound.map((b) => new Promise<void>((resolve) => b.server.close(() => resolve())));
    if (abortConnections) for (const handle of this.active.values()) handle.abort();
    await Promise.all(closed);
  }

  addressOf(index: number): string {
    const b = this.bound[index];
    return b ? formatHostPort(b.address.address, b.address.port) : '';
  }
}
