import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';

export interface TestServer {
  port: number;
  server: net.Server;
  /** Number of connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

/** A TCP server on loopback running `handler` per connection; close() also cuts live sockets. */
export function serve(handler: (socket: net.Socket) => void, host = '127.0.0.1'): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    handler(socket);
  });
  return new Promise((resolve) => {
    server.listen(0, host, () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        server,
        accepted: () => accepted,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Echoes everything; ends its side when the client ends (half-close aware). */
export function startEchoServer(host?: string): Promise<TestServer> {
  return serve((socket) => socket.pipe(socket), host);
}

/** Sends a banner at once (as SMTP and SSH servers do), then echoes. */
export function startBannerServer(banner: string): Promise<TestServer> {
  return serve((socket) => {
    socket.write(banner);
    socket.pipe(socket);
  });
}

/**
 * Streams `size` pseudo-random bytes to each client while hashing what the client sends, and
 * ends only once it has both sent `size` bytes and received `expect` bytes: squid, like many
 * proxies, tears a tunnel down at the first FIN, so neither side may end early.
 */
export function startHashServer(
  size: number,
  expect: number,
  onReceived: (result: { sha256: string; bytes: number; sentSha256: string }) => void,
): Promise<TestServer> {
  return serve((socket) => {
    const inHash = createHash('sha256');
    let inBytes = 0;
    let sent = false;
    const source = deterministicStream(size);
    const maybeEnd = () => {
      if (!sent || inBytes < expect) return;
      onReceived({ sha256: inHash.digest('hex'), bytes: inBytes, sentSha256: source.sha256() });
      socket.end();
    };
    socket.on('data', (chunk: Buffer) => {
      inHash.update(chunk);
      inBytes += chunk.length;
      maybeEnd();
    });
    source.pipeTo(socket, () => {
      sent = true;
      maybeEnd();
    });
  });
}

/** A byte source with a known hash, written with backpressure. */
export function deterministicStream(size: number, chunkSize = 64 * 1024) {
  const hash = createHash('sha256');
  const block = randomBytes(chunkSize);
  let digest: string | undefined;
  return {
    sha256: () => digest ?? '',
    /** Writes everything, then ends the socket, or calls `whenSent` instead if given. */
    pipeTo(socket: net.Socket, whenSent?: () => void) {
      let sent = 0;
      let n = 0;
      const writeMore = () => {
        while (sent < size) {
          // Vary each chunk so that reordering or duplication would change the hash.
          block.writeUInt32BE(n++, 0);
          const len = Math.min(chunkSize, size - sent);
          const chunk = Buffer.from(block.subarray(0, len));
          hash.update(chunk);
          sent += len;
          if (!socket.write(chunk)) {
            socket.once('drain', writeMore);
            return;
          }
        }
        digest = hash.digest('hex');
        if (whenSent) whenSent();
        else socket.end();
      };
      writeMore();
    },
  };
}

/** Collects everything a socket sends until it ends; resolves with the bytes. */
export function readAll(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
}

/** Resolves with the first `n` bytes the socket sends (or fewer if it ends). */
export function readBytes(socket: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= n) done();
    };
    const done = () => {
      socket.removeListener('data', onData);
      socket.removeListener('end', done);
      socket.pause();
      resolve(Buffer.concat(chunks));
    };
    socket.on('data', onData);
    socket.on('end', done);
    socket.once('error', reject);
  });
}

export function connect(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host, allowHalfOpen: true });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves when the socket is closed by the other side (or errors). */
export function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
    socket.resume();
  });
}
