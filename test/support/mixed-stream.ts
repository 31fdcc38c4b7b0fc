import { createCipheriv, createHash } from 'node:crypto';
import net from 'node:net';
import { serve, TestServer } from './servers';

/**
 * A server whose streams make a tunnel's reads come in every size: writes from 1 byte to several
 * 64 KiB reads' worth, with pauses between some of them, of bytes that differ per connection and
 * per position (a chunk in the wrong stream or at the wrong place changes the hash). The client
 * names a seed on its first line; the same seed gives the same stream and write sizes.
 */

/** A small deterministic generator, so that a failure can be replayed from its seed. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/** The size of the next write: mostly small, sometimes several 64 KiB reads' worth. */
function nextSize(rand: () => number): number {
  const r = rand();
  if (r < 0.4) return 1 + Math.floor(rand() * 100);
  if (r < 0.7) return 100 + Math.floor(rand() * 4000);
  if (r < 0.9) return 4096 + Math.floor(rand() * 60_000);
  return 65_536 + Math.floor(rand() * 200_000);
}

/** An AES-CTR key stream keyed by the seed: made by native code (a byte loop in the test's VM context costs seconds). */
export function streamOf(seed: number, size: number): Buffer {
  const key = createHash('sha256').update(String(seed)).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

export function sha256Of(seed: number, size: number): string {
  return createHash('sha256').update(streamOf(seed, size)).digest('hex');
}

/** Serves `size` bytes per connection, as described above, then ends. */
export function startMixedServer(size: number): Promise<TestServer> {
  return serve((socket) => {
    let line = '';
    socket.on('data', (d: Buffer) => {
      if (line.includes('\n')) return;
      line += d.toString('latin1');
      if (!line.includes('\n')) return;
      const seed = Number(line.trim());
      // Small writes must go out as they are made, not wait for Nagle and a delayed ACK.
      socket.setNoDelay(true);
      const stream = streamOf(seed, size);
      const sizes = prng(seed);
      const gaps = prng(seed + 1);
      let sent = 0;
      const send = () => {
        while (sent < size) {
          const n = Math.min(size - sent, nextSize(sizes));
          const flowing = socket.write(stream.subarray(sent, sent + n));
          sent += n;
          if (!flowing) return void socket.once('drain', send);
          // Now and then let the bytes go out on their own, so that the tunnel's reads come partial.
          if (gaps() < 0.3) return void setImmediate(send);
        }
        socket.end();
      };
      send();
    });
  });
}

/** Asks for the stream of `seed` on a connected socket and hashes what arrives until the end. */
export function readStream(
  socket: net.Socket,
  seed: number,
  onData?: (chunk: Buffer, bytes: number) => void,
): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    socket.write(`${seed}\n`);
    socket.on('data', (d: Buffer) => {
      hash.update(d);
      bytes += d.length;
      onData?.(d, bytes);
    });
    socket.on('end', () => {
      socket.end();
      resolve({ bytes, sha256: hash.digest('hex') });
    });
    socket.on('error', reject);
  });
}
