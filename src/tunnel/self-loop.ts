import type net from 'node:net';
import { formatHostPort, isLoopback } from '../net/address';
import { canonicalIp } from '../util/ip';

/**
 * A proxy's 2xx and the connection it made to ptunnel come within this of each other: 1-4 ms
 * measured on loopback, with room for a busy event loop. Narrow, so that a real client arriving
 * by chance as another's CONNECT is answered is rarely taken for a loop.
 */
export const LOOP_WINDOW_MS = 20;


interface Waiting {
  socket: net.Socket;
  /** The local port it was accepted on. */
  port: number;
  at: number;
  refuse: (message: string) => void;
}

/**
 * How many pairings in a row make a loop. One pairing alone can be chance: Thunderbird opens
 * several connections at once, and one of them may arrive just as another's CONNECT is answered.
 * A loop pairs again at once (the suspect's own CONNECT is answered and lands on ptunnel again);
 * a real client's CONNECT is answered by the real server, which nothing pairs with. So the second
 * connection of a chain is refused, and the chain unwinds from there as its links close.
 */
export const LOOP_DEPTH = 2;

/**
 * Spots ptunnel connecting to itself at run time, which the start-up checks cannot see: a local
 * proxy (cntlm, px, squid) that reads the same hosts file resolves the target to 127.0.0.1,
 * and with the same local port as the target port its connection lands on ptunnel's own
 * listener, which opens another connection through the proxy, without end.
 *
 * Two signs, both looked at only for connections from loopback:
 * - the accepted connection is one of ptunnel's own upstream connections seen from the other
 *   end (both addresses and ports match: a direct or address-keeping path back to itself): certain;
 * - a CONNECT through a loopback proxy to port P was answered within LOOP_WINDOW_MS of a
 *   connection from loopback accepted on local port P that has no upstream yet: the proxy
 *   answers as soon as its connection to the target is up, and that connection is the one
 *   accepted. Each answer pairs with one accepted connection at most, and a connection is
 *   refused only when the connection whose answer it paired with was itself paired
 *   (LOOP_DEPTH). This is a heuristic (the proxy's own connection cannot be told by its
 *   address): it needs a loopback proxy, the target port equal to the local port, and a silent
 *   client within the window, twice in a row.
 */
export class SelfLoopGuard {
  private readonly ownEnds = new Set<string>();
  private readonly waiting = new Map<net.Socket, Waiting>();
  /** How many pairings led to each accepted connection still open (absent: none). */
  private readonly depth = new WeakMap<net.Socket, number>();
  /** Answered CONNECTs not yet paired: target port, when, and the depth of their client. */
  private answers: Array<{ port: number; at: number; depth: number }> = [];

  /**
   * The ports ptunnel listens on that some tunnel also targets. A loop needs one: a connection
   * back to ptunnel lands on a listening port, through a proxy only if a tunnel's target port is
   * that port. Everything else skips the guard, and with it the address look-ups (a system call
   * each) that a connection would otherwise pay for.
   */
  private loopPorts = new Set<number>();
  /** The ports ptunnel listens on: an upstream to any other port cannot come back to it. */
  private listenPorts = new Set<number>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** The listening ports and the tunnels' target ports, on start and on every reload. */
  watch(listening: Iterable<number>, targets: Iterable<number>): void {
    this.listenPorts = new Set(listening);
    const targeted = new Set(targets);
    this.loopPorts = new Set([...this.listenPorts].filter((p) => targeted.has(p)));
  }

  /**
   * A connection just accepted on local `port`. Returns why it is a loop, or watches it until
   * `settled` (upstream up, or the connection gone) and calls `refuse` if an answer pairs with it.
   */
  accepted(socket: net.Socket, port: number, refuse: (message: string) => void): string | undefined {
    if (this.ownEnds.size === 0 && !this.loopPorts.has(port)) return undefined;
    if (socket.remoteAddress === undefined || !isLoopback(socket.remoteAddress)) return undefined;
    const peer = formatHostPort(canonicalIp(socket.remoteAddress ?? ''), socket.remotePort ?? 0);
    if (this.ownEnds.has(connectionKey(peer, socket.localAddress, socket.localPort))) return directLoop(peer);
    const at = this.now();
    const index = this.answers.findIndex((a) => a.port === port && at - a.at <= LOOP_WINDOW_MS);
    const answer = this.answers[index];
    this.answers = this.answers.filter((a, i) => i !== index && at - a.at <= LOOP_WINDOW_MS);
    if (answer !== undefined) return this.paired(socket, answer.depth, port);
    this.waiting.set(socket, { socket, port, at, refuse });
    return undefined;
  }

  /** The connection accepted on `socket` has its upstream, or is gone: it is no longer a suspect. */
  settled(socket: net.Socket): void {
    this.waiting.delete(socket);
  }

  /**
   * The upstream of the connection accepted on `client` is open; `throughLoopbackProxy` when it
   * is a CONNECT tunnel through a proxy on this machine, to target port `targetPort`.
   */
  upstream(client: net.Socket, socket: net.Socket, targetPort: number, throughLoopbackProxy: boolean): void {
    this.settled(client);
    if (!this.listenPorts.has(targetPort)) return;
    if (socket.localAddress !== undefined && isLoopback(socket.localAddress)) {
      const end = formatHostPort(canonicalIp(socket.localAddress ?? ''), socket.localPort ?? 0);
      const key = connectionKey(end, socket.remoteAddress, socket.remotePort);
      this.ownEnds.add(key);
      socket.once('close', () => this.ownEnds.delete(key));
      for (const w of this.waiting.values()) {
        const peer = formatHostPort(canonicalIp(w.socket.remoteAddress ?? ''), w.socket.remotePort ?? 0);
        if (connectionKey(peer, w.socket.localAddress, w.socket.localPort) !== key) continue;
        this.waiting.delete(w.socket);
        w.refuse(directLoop(end));
      }
    }
    if (!throughLoopbackProxy) return;
    const at = this.now();
    const depth = this.depth.get(client) ?? 0;
    for (const w of this.waiting.values()) {
      // The proxy forwards nothing before its 2xx has been read, and a TLS client's hello is
      // already in: a connection that has sent bytes is a real client.
      if (w.port !== targetPort || at - w.at > LOOP_WINDOW_MS || w.socket.bytesRead > 0) continue;
      this.waiting.delete(w.socket);
      const loop = this.paired(w.socket, depth, targetPort);
      if (loop !== undefined) w.refuse(loop);
      return;
    }
    this.answers = this.answers.filter((a) => at - a.at <= LOOP_WINDOW_MS);
    this.answers.push({ port: targetPort, at, depth });
  }

  /** `socket` paired with an answer to a client `depth` pairings deep: a loop, or one more link. */
  private paired(socket: net.Socket, depth: number, port: number): string | undefined {
    if (depth + 1 >= LOOP_DEPTH) return proxyLoop(port);
    this.depth.set(socket, depth + 1);
    return undefined;
  }
}

/**
 * A TCP connection as seen from its `from` end: both ends, since the kernel gives the same local
 * port to connections to different places (ptunnel's socket to the proxy and a client's socket to
 * ptunnel can both be 127.0.0.1:49800). Only the whole pair says "this is my own connection".
 */
function connectionKey(from: string, toAddress: string | undefined, toPort: number | undefined): string {
  return `${from}>${formatHostPort(canonicalIp(toAddress ?? ''), toPort ?? 0)}`;
}

function directLoop(end: string): string {
  return `self-loop: ptunnel connected to its own listener (from ${end}); the target resolves to this machine: use a local port other than the target port`;
}

function proxyLoop(port: number): string {
  return (
    `self-loop: the local proxy connected back to ptunnel's own port ${port} (it resolves the target to this machine, ` +
    `e.g. from the hosts file); use a local port other than the target port, or fix the proxy's hosts file`
  );
}
