import net from 'node:net';
import type { TunnelSpec } from '../config/tunnel-spec';
import { listeningAddresses } from '../dns/loop-guard';
import type { Logger } from '../log/logger';
import { formatHostPort, isLoopback, isWildcard } from '../net/address';
import { canonicalIp, ipFamily } from '../util/ip';
import { PtunnelError, systemCode } from '../errors';
import { listen } from './listener';

/** One tunnel's listener: one socket, or two for "localhost" (127.0.0.1 and ::1), one tunnel still. */
export interface Listener {
  readonly tunnel: TunnelSpec;
  /** What was bound first: the real port when the tunnel asked for 0. */
  readonly address: net.AddressInfo;
  /** Every address bound, the first one included. */
  readonly addresses: readonly net.AddressInfo[];
}

interface Entry extends Listener {
  readonly servers: readonly net.Server[];
}

/**
 * "localhost" is both loopbacks: Node 17+ and many clients resolve it to ::1 first, others to
 * 127.0.0.1, and a client told "localhost" must reach ptunnel either way.
 */
const LOCALHOST = ['127.0.0.1', '::1'];

/** No IPv6 on this machine (or in this container): ::1 cannot be bound, and 127.0.0.1 does alone. */
function noIpv6(err: unknown): boolean {
  const code = systemCode(err instanceof PtunnelError && err.cause !== undefined ? err.cause : err);
  return code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT';
}

const LOOPBACK = /^(127\.|::1$|localhost$)/;

/**
 * Stops accepting at once, which frees the port. The promise resolves when the last connection
 * the server accepted has ended, which may be hours later (an IMAP IDLE).
 */
function shut(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** One line for a failed accept(): running out of descriptors says which limit to raise. */
function acceptError(err: Error, address: net.AddressInfo): string {
  const where = formatHostPort(address.address, address.port);
  const code = systemCode(err);
  if (code === 'EMFILE' || code === 'ENFILE') {
    return `cannot accept on ${where}: out of file descriptors (${code}); raise the open-files limit (ulimit -n, LimitNOFILE) or lower --max-connections`;
  }
  return `cannot accept on ${where}: ${code ?? err.message}`;
}

/**
 * On every accepted client socket, for its whole life. Each phase that owns the socket (the SOCKS
 * or HTTP proxy handshake, the early phase, the pump) listens for its errors itself; between them,
 * and after a refusal, none does, and a client that resets there (one that did not read its
 * refusal, a port scanner) would raise an uncaught 'read ECONNRESET' that ends the process and
 * every tunnel in it. 'close' still follows the error, so nothing waits on the socket.
 */
function ignoreClientError(): void {}

/** The bound listeners, in the order of their tunnels; each hands its accepted sockets on. */
export class ListenerSet {
  private entries: Entry[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly onSocket: (listener: Listener, socket: net.Socket) => void,
    /** accept() failed: a client was turned away before ptunnel saw it. */
    private readonly onAcceptError: (listener: Listener, message: string) => void,
  ) {}

  get all(): readonly Listener[] {
    return this.entries;
  }

  private portList: readonly number[] | undefined;

  /**
   * Every port bound, made once per change of the set: the per-request destination check reads
   * it. A new array after each bind or remove, so a caller may keep what it derived by identity.
   */
  get ports(): readonly number[] {
    this.portList ??= this.entries.flatMap((e) => e.addresses.map((a) => a.port));
    return this.portList;
  }

  /** The local addresses bound, for the DNS loop guard. */
  addresses(): string[] {
    return this.entries.flatMap((e) => e.addresses.map((a) => a.address));
  }

  /** Binds one tunnel's listener on `host` (unless the tunnel names its own); rejects with ERR_LISTEN. */
  async bind(tunnel: TunnelSpec, host: string): Promise<Listener> {
    const listenHost = tunnel.listenHost ?? host;
    const servers: net.Server[] = [];
    const addresses: net.AddressInfo[] = [];
    // No connection is accepted before `entry` is set: 'connection' events come after this turn.
    const open = async (address: string, port: number) => {
      const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
        socket.on('error', ignoreClientError);
        this.onSocket(entry, socket);
      });
      const bound = await listen(server, address, port);
      // Accept errors after start-up (EMFILE, ENOBUFS) are told to the owner; the listener stays open.
      server.on('error', (err) => this.onAcceptError(entry, acceptError(err, bound)));
      servers.push(server);
      addresses.push(bound);
    };
    const [first, ...more] = listenHost === 'localhost' ? LOCALHOST : [listenHost];
    await open(first as string, tunnel.localPort);
    const port = (addresses[0] as net.AddressInfo).port;
    for (const address of more) {
      try {
        // The same port as the first socket, also when the tunnel asked for any (0).
        await open(address, port);
      } catch (err) {
        if (noIpv6(err)) {
          this.logger.debug(`not listening on ${formatHostPort(address, port)}: no IPv6 here (${systemCode((err as PtunnelError).cause) ?? 'unavailable'}); 127.0.0.1 alone`, { tunnel: tunnel.source });
          continue;
        }
        for (const s of servers) s.close();
        throw err;
      }
    }
    const entry: Entry = { tunnel, address: addresses[0] as net.AddressInfo, addresses, servers };
    this.entries.push(entry);
    this.portList = undefined;
    if (!LOOPBACK.test(listenHost)) {
      this.logger.warn(`listening on ${listenHost}, not loopback: anyone who can reach this address can use the proxy through you`, {
        tunnel: tunnel.source,
      });
    }
    return entry;
  }

  /**
   * A mapping whose target is one of ptunnel's own listeners (`9993:127.0.0.1:9993`) would
   * connect to itself without end; the loop guard only sees names, so literal targets are
   * checked here against what is bound. Returns what to tell the user, if so.
   */
  selfLoop(tunnel: TunnelSpec): string | undefined {
    const targets = tunnel.host === 'localhost' ? ['127.0.0.1', '::1'] : ipFamily(tunnel.host) ? [canonicalIp(tunnel.host)] : [];
    for (const address of this.entries.flatMap((e) => e.addresses)) {
      if (address.port !== tunnel.port) continue;
      const own = listeningAddresses([address.address]).map(canonicalIp);
      const wildcard = isWildcard(address.address);
      if (targets.some((t) => own.includes(t) || (wildcard && isLoopback(t)))) {
        return `tunnel "${tunnel.source}" points at ptunnel's own listener ${formatHostPort(address.address, address.port)} and would connect to itself; check the target port`;
      }
    }
    return undefined;
  }

  /**
   * Stops accepting on these listeners and forgets them. Resolves once their ports are free,
   * without waiting for their live connections, which are left to run to their end.
   */
  async remove(listeners: readonly Listener[]): Promise<void> {
    const gone = this.entries.filter((e) => listeners.includes(e));
    if (gone.length === 0) return;
    this.entries = this.entries.filter((e) => !gone.includes(e));
    this.portList = undefined;
    for (const s of gone.flatMap((e) => e.servers)) void shut(s);
    // close() has shut the listening sockets; give their handles a turn of the loop to go.
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Stops accepting on every listener; resolves when every connection they accepted has ended. */
  async closeAll(): Promise<void> {
    await Promise.all(this.entries.flatMap((e) => e.servers).map(shut));
  }
}
