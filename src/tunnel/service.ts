import type net from 'node:net';
import type { ProxyListenerSettings } from '../config/listener-policy';
import type { RuntimeConfig } from '../config/load';
import { describeProxy } from '../config/proxy-spec';
import type { TunnelSpec } from '../config/tunnel-spec';
import type { AddressLookup } from '../dns/lookup';
import { isPtunnelError, PtunnelError } from '../errors';
import type { Logger } from '../log/logger';
import { formatHostPort, isLoopback } from '../net/address';
import { formatDuration } from '../util/duration';
import { once } from '../util/once';
import { Admission } from './admission';
import { ConnectionRecord, handleConnection } from './connection';
import type { Prewarm, PrewarmSettings } from './prewarm';
import { EngineEvents, HTTP_PROXY_SOURCE, noEvents, RefusalReason, SOCKS_SOURCE } from './events';
import { Listener, ListenerSet } from './listeners';
import { logAccepted, logConnectionEnd, logListening, logStopped } from './report';
import type { ServiceSnapshot, SocksSnapshot } from './snapshot';
import { SelfLoopGuard } from './self-loop';
import { AddressScreen, DestinationPolicy, DestinationRequest } from './dest-policy';
import { Upstreams } from './upstreams';
import type { PumpOptions } from './pump';
import type { HttpProxyServer } from '../listeners/http/server';

export interface ServiceOptions {
  config: RuntimeConfig;
  logger: Logger;
  lookup?: AddressLookup;
  /** Proxy health back-off bounds; tests shorten them. */
  proxyBackoff?: { minMs: number; maxMs: number };
  /** Pause bounds after a failed warm-up (--prewarm); tests shorten them. */
  prewarmBackoff?: { minMs: number; maxMs: number };
  events?: EngineEvents;
  onConnectionEnd?: (record: ConnectionRecord) => void;
}

export interface ReloadResult {
  kept: number;
  added: number;
  removed: number;
  /** The tunnels that could not be bound, by source. */
  failed: string[];
}

/** What every connection reads from the configuration, made once per configuration (start, reload), not per connection. */
interface ConnectionSettings {
  readonly proxyIsLocal: boolean;
  readonly pumpOptions: Readonly<PumpOptions>;
}

function connectionSettings(config: RuntimeConfig): ConnectionSettings {
  return Object.freeze({
    proxyIsLocal: config.proxies.some(({ endpoint: { host } }) => host === 'localhost' || isLoopback(host)),
    pumpOptions: Object.freeze({ halfCloseTimeoutMs: config.halfCloseTimeoutMs, halfCloseLingerMs: config.halfCloseLingerMs, idleTimeoutMs: config.idleTimeoutMs }),
  });
}

/** A local proxy listener as a configuration asks for it: undefined settings when it is off. */
interface ProxyListenerKind {
  source: string;
  label: string;
  settings: ProxyListenerSettings | undefined;
  /** Said after the address in the "listening on" line. */
  note: string;
}

/** The local proxy listeners in one order, for start-up and for a reload to compare. */
function proxyListenerKinds(config: RuntimeConfig): ProxyListenerKind[] {
  return [
    { source: SOCKS_SOURCE, label: 'SOCKS5', settings: config.socks, note: config.socks?.credentials ? ' (user/password)' : '' },
    { source: HTTP_PROXY_SOURCE, label: 'HTTP proxy', settings: config.httpProxy, note: '' },
  ];
}

/** The SOCKS listener's code, loaded by its first client: a run without one never loads it (start-up time). */
const socksModules = once(() => ({
  /* eslint-disable @typescript-eslint/no-require-imports -- lazy, see above */
  server: require('../listeners/socks/server') as typeof import('../listeners/socks/server'),
  codec: require('../listeners/socks/codec') as typeof import('../listeners/socks/codec'),
  replies: require('./socks') as typeof import('./socks'),
  /* eslint-enable @typescript-eslint/no-require-imports */
}));

/** The HTTP proxy listener's code, likewise loaded by its first client. */
const httpProxyModules = once(() => ({
  /* eslint-disable @typescript-eslint/no-require-imports -- lazy, see socksModules */
  server: require('../listeners/http/server') as typeof import('../listeners/http/server'),
  glue: require('./http-proxy') as typeof import('./http-proxy'),
  /* eslint-enable @typescript-eslint/no-require-imports */
}));

/** Only a reload plans one: loaded by the first (start-up time). */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, see above
const reloadPlans = once(() => require('./reload-plan') as typeof import('./reload-plan'));

function listenerAddresses(l: Listener): string {
  return l.addresses.map((a) => formatHostPort(a.address, a.port)).join(', ');
}

/**
 * The running tunnels, from start to close. The work is done by the listener set, admission,
 * upstreams and the reload plan; this type orders it and hands out read-only snapshots.
 */
export class TunnelService {
  private config: RuntimeConfig;
  private perConnection: ConnectionSettings;
  private started = false;
  private reloading: Promise<void> = Promise.resolve();
  private readonly logger: Logger;
  private readonly events: EngineEvents;
  private readonly listeners: ListenerSet;
  /** The SOCKS and HTTP proxy listeners, apart from the tunnels: reloads and warm-ups plan only mappings. */
  private readonly proxyListeners: ListenerSet;
  /** Made by the first request to an HTTP proxy listener (see httpProxy). */
  private httpProxyServer: HttpProxyServer | undefined;
  private readonly admission: Admission;
  private readonly upstreams: Upstreams;
  private readonly loops = new SelfLoopGuard();
  /** Made by the first configuration that asks for warm tunnels: most never do (start-up time). */
  private prewarm: Prewarm | undefined;
  private destinations: DestinationPolicy;
  /** SOCKS requests turned away since start, for `ptunnel status` (metrics count them by reason). */
  private socksRefusals = 0;
  private socksHandshakes = 0;

  constructor(private readonly options: ServiceOptions) {
    const { config, logger, lookup, proxyBackoff } = options;
    this.config = config;
    this.perConnection = connectionSettings(config);
    this.logger = logger;
    this.events = options.events ?? noEvents;
    this.listeners = new ListenerSet(
      logger,
      (listener, socket) => this.accept(listener, socket),
      (listener, message) => this.admission.acceptFailed(listener, message),
    );
    this.proxyListeners = new ListenerSet(
      logger,
      (listener, socket) => (listener.tunnel.source === HTTP_PROXY_SOURCE ? this.acceptHttpProxy(listener, socket) : this.acceptSocks(listener, socket)),
      (listener, message) => this.admission.acceptFailed(listener, message),
    );
    this.admission = new Admission(config.limits, logger, this.events);
    this.destinations = new DestinationPolicy(config.destinations, () => this.ownPorts(), () => this.ownAddresses());
    this.upstreams = new Upstreams({ logger, events: this.events, lookup, proxyBackoff }, config);
  }

  /** Sets the warm tunnels of the bound mappings (none when settings.count is 0). */
  private configurePrewarm(settings: PrewarmSettings): void {
    if (this.prewarm === undefined && settings.count === 0) return;
    this.prewarm ??= this.makePrewarm();
    this.prewarm.configure(this.listeners.all.map((l) => l.tunnel), settings);
  }

  private makePrewarm(): Prewarm {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy, see prewarm
    const { Prewarm } = require('./prewarm') as typeof import('./prewarm');
    return new Prewarm({
      router: () => this.upstreams.router,
      room: (tunnel) => this.roomForWarm(tunnel),
      logger: this.logger,
      ...(this.options.prewarmBackoff ? { backoff: this.options.prewarmBackoff } : {}),
    });
  }

  /**
   * Warm tunnels hold descriptors like live connections: they fit in what the limits leave, the
   * overall one and the mapping's own. Counted from admission (a client that is taking a warm
   * tunnel right now is in, though not yet held), so a refill never passes a limit by one.
   */
  private roomForWarm(tunnel: TunnelSpec): boolean {
    const { maxConnections: overall, maxConnectionsPerTunnel: perTunnel } = this.config.limits;
    const warm = this.prewarm;
    if (overall > 0 && this.admission.admitted + (warm?.size ?? 0) >= overall) return false;
    if (perTunnel === 0) return true;
    const listener = this.listeners.all.find((l) => l.tunnel === tunnel);
    return listener === undefined || this.admission.activeOn(listener) + (warm?.sizeOf(tunnel) ?? 0) < perTunnel;
  }

  /**
   * The HTTP proxy listener's request handling, made on first use: a run without such a listener
   * never loads its code (httpProxyModules).
   */
  private get httpProxy(): HttpProxyServer {
    this.httpProxyServer ??= this.makeHttpProxy();
    return this.httpProxyServer;
  }

  private makeHttpProxy(): HttpProxyServer {
    const { server: { HttpProxyServer }, glue: { specFor, forwardRoute } } = httpProxyModules();
    return new HttpProxyServer({
      denied: (target) => this.destinationRefusal(target),
      forwarder: {
        route: (target) => {
          const spec = specFor(0, target.host, target.port);
          return forwardRoute(this.upstreams.router, spec, this.config.connectTimeoutMs, this.addressScreen(spec));
        },
        idleTimeoutMs: () => this.config.idleTimeoutMs,
        proxyUnreachable: (proxy, err) => this.upstreams.healthFor(proxy).reportFailure(err.message),
        onAuth: (scheme, outcome) => this.events.proxyAuth(scheme, outcome),
      },
    });
  }

  /** Binds every listener; on the first failure closes what was bound and rejects. */
  async start(): Promise<void> {
    try {
      for (const tunnel of this.config.tunnels) await this.listeners.bind(tunnel, this.config.listen);
      const loop = this.listeners.all.map((l) => this.listeners.selfLoop(l.tunnel)).find((m) => m !== undefined);
      if (loop) throw new PtunnelError('ERR_CONFIG', loop, { userError: true });
      for (const kind of proxyListenerKinds(this.config)) await this.bindProxyListener(kind);
    } catch (err) {
      await this.close();
      throw err;
    }
    this.upstreams.setOwnAddresses(this.ownAddresses());
    this.watchLoops();
    for (const l of this.listeners.all) this.logListening(l);
    this.started = true;
    this.configurePrewarm(this.config.prewarm);
  }

  /**
   * Applies a new, already validated configuration: listeners whose mapping is unchanged stay
   * (with their connections); removed or changed ones stop accepting (their live connections run
   * to their end); new ones are bound. Routing settings apply to new connections.
   */
  reload(next: RuntimeConfig): Promise<ReloadResult> {
    // One reload at a time: each plans from the listeners the previous one left.
    const run = this.reloading.then(() => this.applyReload(next));
    this.reloading = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * Graceful shutdown: stop accepting (and report draining), let live connections finish for up
   * to `timeoutMs`, then cut what is left. Resolves with the number of connections cut.
   */
  drain(timeoutMs: number): Promise<number> {
    this.admission.startDraining();
    this.httpProxyServer?.drain();
    return this.shutDown(async () => {
      if (this.admission.size > 0) {
        this.logger.info(`draining ${this.admission.size} connection(s), up to ${formatDuration(timeoutMs)}`);
        await this.admission.waitIdle(timeoutMs);
      }
      const cut = this.admission.size;
      if (cut > 0) {
        this.logger.warn(`shutdown timeout reached; closing ${cut} connection(s)`);
        this.admission.abortAll();
        // Their sockets close within a tick or two; wait so that each gets its log line.
        await this.admission.waitIdle(1000);
      }
      return cut;
    });
  }

  /** Stops accepting; with `abortConnections` also cuts the live ones. */
  async close(abortConnections = true): Promise<void> {
    await this.shutDown(async () => {
      if (abortConnections) this.admission.abortAll();
    });
  }

  snapshot(): ServiceSnapshot {
    const { config, admission } = this;
    const router = this.upstreams.router;
    return {
      started: this.started,
      draining: admission.isDraining,
      activeConnections: admission.size,
      mode: config.mode,
      proxy: config.proxy ? { url: describeProxy(config.proxy.endpoint), state: this.upstreams.proxyState ?? 'up' } : null,
      proxies: this.upstreams.proxyStates,
      pac: this.upstreams.pacStatus ?? null,
      tunnels: this.listeners.all.map((l) => ({
        tunnel: l.tunnel.source,
        address: l.address.address,
        port: l.address.port,
        target: formatHostPort(l.tunnel.host, l.tunnel.port),
        route: router.plan(l.tunnel).route,
        active: admission.activeOn(l),
      })),
      socks: this.socksSnapshot(),
      connections: admission.liveConnections(),
    };
  }

  private socksSnapshot(): SocksSnapshot | null {
    const listener = this.proxyListeners.all.find((l) => l.tunnel.source === SOCKS_SOURCE);
    if (!listener || !this.config.socks) return null;
    return {
      addresses: listener.addresses.map((a) => ({ address: a.address, port: a.port })),
      auth: this.config.socks.credentials !== undefined,
      active: this.admission.activeOn(listener),
      rejected: this.socksRefusals,
    };
  }

  /** Stops probing and accepting, runs `meanwhile`, then waits for the listeners' last connections. */
  private async shutDown<T>(meanwhile: () => Promise<T>): Promise<T> {
    this.prewarm?.close();
    this.upstreams.stopProbing();
    const closed = Promise.all([this.listeners.closeAll(), this.proxyListeners.closeAll()]);
    const result = await meanwhile();
    await closed;
    this.admission.flushRefusals();
    await this.upstreams.close();
    return result;
  }

  private async applyReload(next: RuntimeConfig): Promise<ReloadResult> {
    const { planReload, planProxyListenerReload } = reloadPlans();
    const plan = planReload(this.listeners.all, this.config.listen, next);
    const running = proxyListenerKinds(this.config);
    const proxyPlans = proxyListenerKinds(next).map((kind, i) => ({ ...kind, plan: planProxyListenerReload(running[i]?.settings, kind.settings) }));
    // The removed listeners' live connections are left to run to their end (an IMAP IDLE can
    // last hours): the reload waits only for their ports to be free.
    await this.listeners.remove(plan.remove);
    for (const { source, label, plan: p } of proxyPlans) {
      if (p !== 'remove' && p !== 'rebind') continue;
      const old = this.proxyListeners.all.filter((l) => l.tunnel.source === source);
      await this.proxyListeners.remove(old);
      for (const l of old) this.logger.info(`${label} stopped listening on ${listenerAddresses(l)}; its open connections run on`, { tunnel: source });
    }
    this.config = next;
    this.perConnection = connectionSettings(next);
    this.admission.setLimits(next.limits);
    this.destinations = new DestinationPolicy(next.destinations, () => this.ownPorts(), () => this.ownAddresses());
    this.upstreams.configure(next, this.ownAddresses());
    const failed: string[] = [];
    for (const tunnel of plan.add) {
      const problem = await this.add(tunnel);
      if (problem === undefined) continue;
      failed.push(tunnel.source);
      this.logger.error(`reload: ${problem}`, { tunnel: tunnel.source });
    }
    const added = plan.add.length - failed.length;
    for (const kind of proxyPlans) {
      const { source, label, plan: p } = kind;
      if (p !== 'add' && p !== 'rebind') continue;
      try {
        await this.bindProxyListener(kind);
      } catch (err) {
        failed.push(source);
        this.logger.error(`reload: ${label} listener not bound: ${(err as Error).message}`, { tunnel: source });
      }
    }
    this.upstreams.setOwnAddresses(this.ownAddresses());
    this.watchLoops();
    this.configurePrewarm(next.prewarm);
    for (const l of plan.remove) logStopped(this.logger, l);
    return { kept: plan.keep.length, added, removed: plan.remove.length, failed };
  }

  /** Binds a local proxy listener its configuration asks for (none when it is off). */
  private async bindProxyListener({ source, label, settings, note }: ProxyListenerKind): Promise<void> {
    if (!settings) return;
    const l = await this.proxyListeners.bind({ listenHost: settings.host, localPort: settings.port, host: '', port: 0, source }, settings.host);
    this.logger.info(`${label} listening on ${listenerAddresses(l)}${note}`, { tunnel: source });
  }

  /** Binds a tunnel a reload added; returns why it could not be, if so. */
  private async add(tunnel: TunnelSpec): Promise<string | undefined> {
    let listener: Listener;
    try {
      listener = await this.listeners.bind(tunnel, this.config.listen);
    } catch (err) {
      return (err as Error).message;
    }
    const loop = this.listeners.selfLoop(tunnel);
    if (loop !== undefined) {
      await this.listeners.remove([listener]);
      return loop;
    }
    this.logListening(listener);
    return undefined;
  }

  private ownAddresses(): string[] {
    return [...this.listeners.addresses(), ...this.proxyListeners.addresses()];
  }

  /**
   * Every SOCKS and CONNECT request's destination check reads these: rebuilt only when a listener
   * set's port list is new (each set makes a new one when it changes), not per request.
   */
  private ownPortCache: { tunnels: readonly number[]; proxies: readonly number[]; ports: number[] } | undefined;

  private ownPorts(): number[] {
    const tunnels = this.listeners.ports;
    const proxies = this.proxyListeners.ports;
    const c = this.ownPortCache;
    if (c && c.tunnels === tunnels && c.proxies === proxies) return c.ports;
    const ports = [...tunnels, ...proxies];
    this.ownPortCache = { tunnels, proxies, ports };
    return ports;
  }

  private watchLoops(): void {
    this.loops.watch(
      [...this.listeners.all, ...this.proxyListeners.all].map((l) => l.address.port),
      this.listeners.all.map((l) => l.tunnel.port),
    );
  }

  private logListening(listener: Listener): void {
    logListening(this.logger, listener, this.upstreams.router.plan(listener.tunnel), this.config);
  }

  private accept(listener: Listener, socket: net.Socket): void {
    const loop = this.loops.accepted(socket, listener.address.port, (message) =>
      this.admission.refuse(listener, socket, 'loop', message),
    );
    if (loop !== undefined) {
      this.admission.refuse(listener, socket, 'loop', loop);
      return;
    }
    const id = this.admission.admit(listener, socket);
    if (id === undefined) {
      this.loops.settled(socket);
      return;
    }
    this.connect(listener, socket, id, listener.tunnel);
  }

  /**
   * A SOCKS client: refused unless its address is allowed; its handshake is read (bounded, with
   * a deadline) before it counts as a connection, then its destination takes the tunnels' path
   * as a mapping of its own, which the router plans as any other.
   */
  private acceptSocks(listener: Listener, socket: net.Socket): void {
    const socks = this.config.socks;
    if (!this.admitsClient('SOCKS', SOCKS_SOURCE, socks, socket)) {
      this.socksRejected(listener, 'client');
      return;
    }
    // A client that never sends its greeting would hold a connection slot for the whole handshake
    // deadline: handshakes have a bound of their own, and a client counts as a connection (and
    // against the limits) once its request is read.
    const { server: { socksHandshake, SocksRefusal }, codec: { Rep }, replies: { MAX_SOCKS_HANDSHAKES, socksReplyFor } } = socksModules();
    if (this.socksHandshakes >= MAX_SOCKS_HANDSHAKES) {
      this.socksRefusals++;
      this.admission.refuse(listener, socket, 'limit', `SOCKS handshakes in progress (${MAX_SOCKS_HANDSHAKES}) at their bound; a client that sends nothing is dropped after 10 s`);
      return;
    }
    this.socksHandshakes++;
    socksHandshake(socket, socks.credentials ? { credentials: socks.credentials } : {}).then(
      (request) => {
        this.socksHandshakes--;
        const denied = this.destinationRefusal(request.destination);
        if (denied !== undefined) {
          request.fail(Rep.notAllowed);
          this.socksRejected(listener, 'destination');
          this.logger.warn(`SOCKS request refused: ${denied}`, { tunnel: SOCKS_SOURCE });
          return;
        }
        // Its request was read, so the client is owed a SOCKS answer, not a reset.
        const id = this.admission.admit(listener, socket, () => request.fail(Rep.generalFailure));
        if (id === undefined) {
          this.socksRefusals++;
          return;
        }
        if (request.head.length > 0) socket.unshift(request.head);
        const tunnel: TunnelSpec = { localPort: listener.address.port, host: request.destination.host, port: request.destination.port, source: listener.tunnel.source };
        const fail = (err: unknown) => {
          if (isPtunnelError(err, 'ERR_DEST_DENIED')) this.socksRejected(listener, 'destination');
          request.fail(socksReplyFor(err));
        };
        this.connect(listener, socket, id, tunnel, { succeed: request.succeed, fail }, this.addressScreen(tunnel));
        socket.resume();
      },
      (err: unknown) => {
        this.socksHandshakes--;
        this.socksRejected(listener, 'protocol');
        if (err instanceof SocksRefusal && err.message.startsWith('client closed')) return;
        this.logger.warn(`SOCKS client refused: ${(err as Error).message}`, { tunnel: SOCKS_SOURCE });
      },
    );
  }

  /**
   * The local proxy listeners' client check (--allow-clients; loopback only by default): a client
   * that may not use the listener (or one that is off since a reload) is logged and dropped.
   */
  private admitsClient<S extends ProxyListenerSettings>(label: string, source: string, settings: S | undefined, socket: net.Socket): settings is S {
    const address = socket.remoteAddress ?? '';
    if (settings?.allowsClient(address)) return true;
    this.logger.warn(`${label} client ${address} refused: not in ${settings?.allowClients.length ? settings.allowClients.join(',') : 'loopback'} (--allow-clients)`, { tunnel: source });
    socket.destroy();
    return false;
  }

  private socksRejected(listener: Listener, reason: RefusalReason): void {
    this.socksRefusals++;
    this.events.connectionRejected(listener.tunnel.source, reason);
  }

  /**
   * Why a local proxy client may not go to this destination, or undefined: the one check the
   * SOCKS and HTTP proxy listeners share (--allow-dest, --deny-dest and the built-in denials).
   */
  private destinationRefusal(destination: DestinationRequest): string | undefined {
    return this.destinations.refusal(destination);
  }

  /** The direct route's check of the addresses a destination name resolves to. */
  private addressScreen(tunnel: TunnelSpec): AddressScreen {
    const policy = this.destinations;
    return (address) => policy.addressRefusal(address, tunnel.port, tunnel.host);
  }

  /**
   * An HTTP proxy client: the same client check and admission as SOCKS; then each CONNECT takes
   * the tunnels' path and each absolute-URI request is forwarded (one record and log line each).
   * The client connection counts as one connection until it closes or becomes a CONNECT tunnel.
   */
  private acceptHttpProxy(listener: Listener, socket: net.Socket): void {
    if (!this.admitsClient('HTTP proxy', HTTP_PROXY_SOURCE, this.config.httpProxy, socket)) {
      this.events.connectionRejected(HTTP_PROXY_SOURCE, 'client');
      return;
    }
    const id = this.admission.admit(listener, socket);
    if (id === undefined) return;
    const started = performance.now();
    let tunnelled = false;
    this.admission.hold(id, {
      abort: () => socket.destroy(),
      live: () => ({ id, tunnel: HTTP_PROXY_SOURCE, client: formatHostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0), target: '-', ageMs: Math.round(performance.now() - started), bytesUp: socket.bytesRead, bytesDown: socket.bytesWritten }),
    });
    socket.once('close', () => {
      if (!tunnelled) this.admission.leave(listener, id);
    });
    let bytesDown = 0;
    const { specFor, forwardRecord, logForwarded } = httpProxyModules().glue;
    this.httpProxy.accept(socket, {
      connect: (target, head, answer) => {
        tunnelled = true;
        if (head.length > 0) socket.unshift(head);
        const spec = specFor(listener.address.port, target.host, target.port);
        this.connect(listener, socket, id, spec, answer, this.addressScreen(spec));
        socket.resume();
      },
      forwarding: () => this.events.connectionOpened(HTTP_PROXY_SOURCE),
      forwarded: (req, target, result, startedMs) => {
        const record = forwardRecord(id, socket, target, result, startedMs, socket.bytesWritten - bytesDown);
        bytesDown = socket.bytesWritten;
        this.events.connectionEnded(record);
        logForwarded(this.logger, record, req, result);
        this.options.onConnectionEnd?.(record);
      },
      refused: (kind, reason) => {
        this.events.connectionRejected(HTTP_PROXY_SOURCE, kind);
        this.logger.warn(`HTTP proxy request refused: ${reason}`, { tunnel: HTTP_PROXY_SOURCE });
      },
    });
  }

  private connect(listener: Listener, socket: net.Socket, id: number, tunnel: TunnelSpec, answer?: { succeed(): void; fail(err: unknown): void }, screen?: AddressScreen): void {
    this.events.connectionOpened(tunnel.source);
    const { config } = this;
    const { proxyIsLocal, pumpOptions } = this.perConnection;
    if (this.logger.enabled('debug')) {
      const client = formatHostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0);
      logAccepted(this.logger, id, tunnel.source, client, this.upstreams.router.plan(tunnel).route, config.proxy ? describeProxy(config.proxy.endpoint) : undefined);
    }
    const handle = handleConnection(socket, {
      id,
      tunnel,
      router: this.upstreams.router,
      ...(answer ? { answer } : this.prewarm ? { warm: this.prewarm } : {}),
      ...(screen ? { screen } : {}),
      logger: this.logger,
      pumpOptions,
      onUpstream: (route, seconds, upstream) => {
        this.loops.upstream(socket, upstream, tunnel.port, route === 'proxy' && proxyIsLocal);
        this.events.upstreamConnected(route, seconds);
      },
      onEnd: (record) => {
        this.loops.settled(socket);
        this.admission.leave(listener, id);
        this.events.connectionEnded(record);
        logConnectionEnd(this.logger, record);
        this.options.onConnectionEnd?.(record);
      },
    });
    this.admission.hold(id, handle);
  }
}
