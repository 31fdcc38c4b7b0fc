import net from 'node:net';

/**
 * Reads an outgoing socket into reused buffers (net.Socket's `onread`) instead of a new 64 KiB
 * buffer per read, which V8 frees only when external memory pressure triggers a collection and
 * which the allocator then keeps: a 1 GiB download used to leave a Node tunnel 30-40 MiB larger
 * than it started.
 *
 * Two kinds of buffer, so that idle connections hold none of their own:
 * - one buffer shared by every socket, read into while a socket is not moving bulk data. Its bytes
 *   are valid only during the read callback (the next socket's read overwrites them), so they are
 *   copied before anyone sees them: as a read without `onread` would have cost.
 * - a buffer of the socket's own once a read fills the shared one (a bulk transfer), taken from a
 *   small free list. Its bytes go to the sink without a copy. A sink that could not write them at
 *   once keeps them (the socket's pending write refers to the memory): the buffer is then lent to
 *   that write, the next read gets another, and the lent one goes back to the free list once the
 *   sink says its writes are done.
 * Memory is then bounded by the connections actively moving data, not by the open ones.
 *
 * Before a sink is attached (the proxy's answer, a warm tunnel's banner) and while bytes wait in
 * the socket's readable buffer, reads are copied and pushed into that buffer, exactly as a socket
 * without `onread` does: 'data' listeners, pause() and readableLength work as they always did.
 * Accepted sockets cannot have `onread` in Node 20 (net.Server ignores it), so only the sockets
 * ptunnel opens itself read this way: the download direction of a tunnel.
 */

/** The size of a read into a buffer of a socket's own: what libuv asks for on a stream socket. */
export const READ_SIZE = 64 * 1024;
/**
 * The shared buffer is small: what is read into it is copied, and a copy of up to 4 KiB comes
 * from Node's pooled slab rather than a malloc of its own. A read that fills it is taken as the
 * start of a bulk transfer.
 */
export const SHARED_SIZE = 4 * 1024;
/** Own buffers kept for reuse once their connection has no bulk data to move. */
const FREE_MAX = 16;

const shared = Buffer.allocUnsafeSlow(SHARED_SIZE);
const free: Buffer[] = [];
const readers = new WeakMap<net.Socket, ReusedReads>();

/** The first `n` bytes of a read buffer in memory of their own (from Node's pool when small). */
function copyOf(buf: Buffer, n: number): Buffer {
  const copy = Buffer.allocUnsafe(n);
  buf.copy(copy, 0, 0, n);
  return copy;
}

export class ReusedReads {
  /** For net.connect's `onread` option. */
  private readonly onread: net.OnReadOpts;
  private socket: net.Socket | undefined;
  private sink: net.Socket | undefined;
  private own: Buffer | undefined;
  private lent: Buffer[] | undefined;
  private bulk = false;

  private constructor() {
    // Every buffer handed to Node here is a Buffer, so the one it hands back is too.
    this.onread = { buffer: () => this.next(), callback: (n, buf) => this.read(n, buf as Buffer) };
  }

  /** The reader of a socket opened with it, if any. */
  static of(socket: net.Socket): ReusedReads | undefined {
    return readers.get(socket);
  }

  /** Ties the reader to the socket that net.connect made with `onread`; before any read can come. */
  private bind(socket: net.Socket): net.Socket {
    this.socket = socket;
    readers.set(socket, this);
    return socket;
  }

  /** net.connect, with the socket read into reused buffers; `ReusedReads.of` finds its reader. */
  static connect(options: net.TcpNetConnectOpts): net.Socket {
    const reads = new ReusedReads();
    return reads.bind(net.connect({ ...options, onread: reads.onread }));
  }

  /**
   * From here on reads are written to `sink` (after anything already waiting in the readable
   * buffer, which still comes as 'data'), and a write it cannot take at once pauses the reading,
   * as a pump's 'data' listener would. A write still holds its chunk while `sink.writableLength`
   * is above 0.
   */
  attach(sink: net.Socket): void {
    this.sink = sink;
  }

  /** A chunk to the sink; true when a write still holds it afterwards. */
  private write(sink: net.Socket, chunk: Buffer): boolean {
    if (!sink.write(chunk)) (this.socket as net.Socket).pause();
    return sink.writableLength > 0;
  }

  /** The socket has closed: its own buffer (never one a write still holds) is free again. */
  release(): void {
    if (this.own !== undefined && free.length < FREE_MAX) free.push(this.own);
    this.own = undefined;
    this.sink = undefined;
  }

  private read(n: number, buf: Buffer): boolean {
    const socket = this.socket as net.Socket;
    // A read the shared buffer could not have held: more is coming, read it into a buffer of its own.
    this.bulk = n >= SHARED_SIZE;
    const sink = this.sink;
    if (sink === undefined || socket.readableLength > 0) return socket.push(copyOf(buf, n));
    if (buf === shared) {
      this.write(sink, copyOf(buf, n));
      return true;
    }
    if (this.write(sink, n === buf.length ? buf : buf.subarray(0, n))) {
      (this.lent ??= []).push(buf);
      if (this.own === buf) this.own = undefined;
    }
    return true;
  }

  /** The buffer for the next read; called by Node after each one. */
  private next(): Buffer {
    const lent = this.lent;
    if (lent !== undefined && lent.length > 0 && (this.sink === undefined || this.sink.writableLength === 0)) {
      for (const buf of lent) if (free.length < FREE_MAX) free.push(buf);
      lent.length = 0;
    }
    if (this.bulk && this.sink !== undefined) {
      this.own ??= free.pop() ?? Buffer.allocUnsafeSlow(READ_SIZE);
      return this.own;
    }
    if (this.own !== undefined) {
      if (free.length < FREE_MAX) free.push(this.own);
      this.own = undefined;
    }
    return shared;
  }
}
