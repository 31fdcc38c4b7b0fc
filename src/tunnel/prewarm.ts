import type { TunnelSpec } from '../config/tunnel-spec';
import type { Logger } from '../log/logger';
import type { Router, Upstream } from './router';

export interface PrewarmSettings {
  /** Warm tunnels kept per mapping; 0: off. */
  count: number;
  /** How long a warm tunnel waits for a client before it is replaced. */
  maxAgeMs: number;
}

export interface PrewarmOptions {
  /** The router new connections use now (a reload replaces it). */
  router: () => Router;
  /** Whether one more upstream connection for this mapping fits in the connection limits now. */
  room: (tunnel: TunnelSpec) => boolean;
  logger: Logger;
  /** What a warm tunnel keeps of the server's bytes (a banner) before it stops reading. */
  maxHeldBytes?: number;
  /** Pause after a failed warm-up, doubled per failure in a row. */
  backoff?: { minMs: number; maxMs: number };
}

const DEFAULT_MAX_HELD_BYTES = 64 * 1024;
const DEFAULT_BACKOFF = { minMs: 1000, maxMs: 60_000 };

interface Warm {
  upstream: Upstream;
  held: Buffer[];
  heldBytes: number;
  timer: NodeJS.Timeout;
  /** Removes the pool's listeners and timer: the tunnel is handed out or gone. */
  detach(): void;
}

/**
 * Warm tunnels for one mapping: up to `count` CONNECTs through the proxy, answered and
 * authenticated, each waiting at most `maxAgeMs` for a client. It fills, and hands tunnels out,
 * only while the mapping routes through the proxy (so a proxy in back-off stops it, in step with
 * the health state) and while the connection limits have room; a failed warm-up, or a warm
 * tunnel the server closes, pauses it with a doubling back-off, so a failing proxy or target
 * sees no storm. The back-off starts again only when the server kept a warm tunnel (a client
 * took it, or it reached its age): a CONNECT that succeeds says nothing of a server that then
 * closes at once (an SMTP server's "421 too many connections").
 */
class Pool {
  private readonly ready: Warm[] = [];
  private opening = 0;
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly attempts = new Set<AbortController>();
  /**
   * The router the pool's tunnels were opened by. A reload makes a new one (another proxy, other
   * credentials, mode direct, NO_PROXY): what the old one opened, or is opening, goes with it.
   */
  private router: Router;

  constructor(
    private readonly tunnel: TunnelSpec,
    private readonly settings: PrewarmSettings,
    private readonly options: PrewarmOptions,
  ) {
    this.router = options.router();
  }

  get size(): number {
    return this.ready.length + this.opening;
  }

  /** A warm tunnel with what the server already sent in its head, or undefined; refills either way. */
  take(): Upstream | undefined {
    this.follow();
    // Where a new connection would not go through the proxy now, its warm tunnels are no answer:
    // a proxy in back-off may have taken them down with it.
    if (this.router.plan(this.tunnel).route !== 'proxy') this.dropReady();
    const warm = this.ready.shift();
    if (warm) this.failures = 0;
    this.fill();
    if (!warm) return undefined;
    warm.detach();
    const { upstream } = warm;
    upstream.socket.pause();
    if (warm.held.length === 0) return upstream;
    return { ...upstream, head: Buffer.concat([upstream.head, ...warm.held]) };
  }

  fill(): void {
    this.follow();
    while (!this.closed && this.retry === undefined && this.size < this.settings.count) {
      if (this.router.plan(this.tunnel).route !== 'proxy' || !this.options.room(this.tunnel)) return;
      this.open();
    }
  }

  close(): void {
    this.closed = true;
    this.stop();
  }

  /** After a reload: the old router's tunnels go, and so does the back-off against its proxy. */
  private follow(): void {
    const now = this.options.router();
    if (now === this.router) return;
    this.router = now;
    this.failures = 0;
    this.stop();
  }

  /** No retry pending, no attempt under way, no tunnel held. */
  private stop(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    for (const a of this.attempts) a.abort();
    this.dropReady();
  }

  private dropReady(): void {
    for (const warm of this.ready.splice(0)) {
      warm.detach();
      warm.upstream.socket.destroy();
    }
  }

  private open(): void {
    this.opening += 1;
    const attempt = new AbortController();
    this.attempts.add(attempt);
    const by = this.router;
    const done = () => {
      this.opening -= 1;
      this.attempts.delete(attempt);
    };
    by.open(this.tunnel, attempt.signal).then(
      (upstream) => {
        done();
        if (this.closed || by !== this.router) {
          upstream.socket.destroy();
          this.fill();
          return;
        }
        // A fallback to a direct connection is no warm proxy tunnel; the health has the failure.
        if (upstream.route !== 'proxy') {
          upstream.socket.destroy();
          this.failed('the proxy failed, the connection went direct');
          return;
        }
        this.hold(upstream);
      },
      (err: unknown) => {
        done();
        // Aborted by a reload (or close): no failure of the proxy's, and the new router fills.
        if (this.closed || by !== this.router) this.fill();
        else this.failed((err as Error).message ?? String(err));
      },
    );
  }

  /** Keeps a tunnel warm: reads what the server says first, closes it at its maximum age. */
  private hold(upstream: Upstream): void {
    const socket = upstream.socket;
    const maxHeld = this.options.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES;
    const opened = performance.now();
    const onData = (chunk: Buffer) => {
      warm.held.push(chunk);
      warm.heldBytes += chunk.length;
      if (warm.heldBytes >= maxHeld) socket.pause();
    };
    // The server (or the proxy) gave up on the idle tunnel before any client came.
    const onGone = () => {
      if (!this.drop(warm)) return;
      socket.destroy();
      this.failed(`the server closed a warm tunnel after ${Math.round(performance.now() - opened)} ms`);
    };
    const warm: Warm = {
      upstream,
      held: [],
      heldBytes: 0,
      timer: setTimeout(() => {
        if (!this.drop(warm)) return;
        socket.destroy();
        // The server kept it for its whole age: whatever failed before is over.
        this.failures = 0;
        this.fill();
      }, this.settings.maxAgeMs),
      detach: () => {
        clearTimeout(warm.timer);
        socket.removeListener('data', onData);
        socket.removeListener('end', onGone);
        socket.removeListener('close', onGone);
        socket.removeListener('error', onGone);
      },
    };
    warm.timer.unref();
    socket.on('data', onData);
    socket.on('end', onGone);
    socket.on('close', onGone);
    socket.on('error', onGone);
    this.ready.push(warm);
    socket.resume();
  }

  /** Takes a warm tunnel out of the pool; false when it was no longer there. */
  private drop(warm: Warm): boolean {
    const i = this.ready.indexOf(warm);
    if (i < 0) return false;
    this.ready.splice(i, 1);
    warm.detach();
    return true;
  }

  private failed(reason: string): void {
    const { minMs, maxMs } = this.options.backoff ?? DEFAULT_BACKOFF;
    const ms = Math.min(maxMs, minMs * 2 ** this.failures);
    this.failures += 1;
    if (this.failures === 1) this.options.logger.debug('prewarm paused', { tunnel: this.tunnel.source, reason, retryMs: ms });
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.fill();
    }, ms);
    this.retry.unref();
  }
}

/** Warm tunnels for every mapping (--prewarm), handed to new connections before the router. */
export class Prewarm {
  private pools = new Map<TunnelSpec, Pool>();
  private settings: PrewarmSettings = { count: 0, maxAgeMs: 0 };
  /** Closed for good (the service shut down): a reload still under way must not open pools again. */
  private closed = false;

  constructor(private readonly options: PrewarmOptions) {}

  /** Warm tunnels held or being opened, over all mappings (they count against the limits). */
  get size(): number {
    let n = 0;
    for (const pool of this.pools.values()) n += pool.size;
    return n;
  }

  /** Sets the mappings and settings; pools whose mapping or settings changed start again. */
  configure(tunnels: readonly TunnelSpec[], settings: PrewarmSettings): void {
    if (this.closed) return;
    const same = settings.count === this.settings.count && settings.maxAgeMs === this.settings.maxAgeMs;
    this.settings = settings;
    const next = new Map<TunnelSpec, Pool>();
    for (const tunnel of settings.count > 0 ? tunnels : []) {
      const pool = same ? this.pools.get(tunnel) : undefined;
      next.set(tunnel, pool ?? new Pool(tunnel, settings, this.options));
    }
    for (const [tunnel, pool] of this.pools) if (next.get(tunnel) !== pool) pool.close();
    this.pools = next;
    for (const pool of next.values()) pool.fill();
  }

  /** Warm tunnels held or being opened for one mapping. */
  sizeOf(tunnel: TunnelSpec): number {
    return this.pools.get(tunnel)?.size ?? 0;
  }

  /** A warm tunnel for this mapping, if one is ready. */
  take(tunnel: TunnelSpec): Upstream | undefined {
    return this.pools.get(tunnel)?.take();
  }

  close(): void {
    this.closed = true;
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
  }
}
