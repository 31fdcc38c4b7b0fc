import net from 'node:net';
import { ReusedReads } from '../../src/net/reused-reads';
import { pump, PumpResult } from '../../src/tunnel/pump';
import { prng, readStream, sha256Of, startMixedServer } from '../support/mixed-stream';
import { serve, TestServer } from '../support/servers';

// A write to the client that does not complete at once keeps referring to the chunk it was
// given; when that chunk is a read buffer ptunnel reuses, the next read must go elsewhere until
// the write is done. Over real TCP such writes are rare on loopback (the kernel's buffers take
// whole chunks or nothing), so the client's side is corked now and then: its writes then wait in
// the socket with the chunk, exactly as a write the kernel took only part of.

const SIZE = 8 * 1024 * 1024;

async function clientPair(): Promise<{ user: net.Socket; accepted: net.Socket; server: TestServer }> {
  let resolveAccepted!: (s: net.Socket) => void;
  const acceptedP = new Promise<net.Socket>((resolve) => (resolveAccepted = resolve));
  const server = await serve((s) => resolveAccepted(s));
  const user = net.connect(server.port, '127.0.0.1');
  return { user, accepted: await acceptedP, server };
}

describe('the pump and reused read buffers', () => {
  it.each([1, 2, 3])('delivers every byte when the client side holds chunks in pending writes (seed %i)', async (seed) => {
    const target = await startMixedServer(SIZE);
    const client = await clientPair();
    const upstream = ReusedReads.connect({ host: '127.0.0.1', port: target.port, allowHalfOpen: true });
    await new Promise<void>((resolve) => upstream.once('connect', () => resolve()));

    const done = new Promise<PumpResult>((resolve) =>
      pump(client.accepted, upstream, { halfCloseTimeoutMs: 5000, idleTimeoutMs: 0 }, resolve),
    );
    const rand = prng(seed);
    const corker = setInterval(() => {
      if (client.accepted.writableCorked > 0) client.accepted.uncork();
      else if (rand() < 0.5) client.accepted.cork();
    }, 1);

    try {
      const got = await readStream(client.user, seed);
      expect(got).toEqual({ bytes: SIZE, sha256: sha256Of(seed, SIZE) });
      expect((await done).outcome).toBe('ok');
    } finally {
      clearInterval(corker);
      client.user.destroy();
      await client.server.close();
      await target.close();
    }
  }, 60_000);
});
