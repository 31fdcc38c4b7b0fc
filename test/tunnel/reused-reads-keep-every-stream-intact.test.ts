import net from 'node:net';
import { TestServer } from '../support/servers';
import { prng, readStream, sha256Of, startMixedServer } from '../support/mixed-stream';
import { startProxy, TestProxy } from '../support/squid';
import { RunningTunnel, startTunnel } from '../support/tunnel';

// ptunnel reads the upstream side of every tunnel into buffers it reuses: one shared by all
// sockets while they move little, one of their own while they move bulk data, lent to a write
// that could not complete at once. A mistake there shows as one connection's bytes in another's
// stream, or a chunk overwritten before it was sent. So: many connections at once, servers that
// write in every size (reads come full and partial, and sockets move between the shared buffer
// and their own), and clients that stall (ptunnel's writes to them stop completing at once).
// Every byte is hashed.

const CONNECTIONS = 12;
const PER_CONNECTION = 16 * 1024 * 1024;
const STALL_EVERY = 4 * 1024 * 1024;

function fetchStream(port: number, seed: number): Promise<{ bytes: number; sha256: string }> {
  const rand = prng(seed ^ 0x9e3779b9);
  let nextStall = STALL_EVERY;
  const socket = net.connect(port, '127.0.0.1');
  return readStream(socket, seed, (_chunk, bytes) => {
    // Long stalls fill the kernel's buffers, short ones at random vary the timing.
    if (bytes >= nextStall) {
      nextStall += STALL_EVERY;
      socket.pause();
      setTimeout(() => socket.resume(), 150);
    } else if (rand() < 0.05) {
      socket.pause();
      setTimeout(() => socket.resume(), 1 + Math.floor(rand() * 8));
    }
  });
}

describe.each(['direct', 'proxy'] as const)('reused read buffers, %s route', (mode) => {
  let server: TestServer;
  let proxy: TestProxy | undefined;
  let tunnel: RunningTunnel;

  beforeAll(async () => {
    server = await startMixedServer(PER_CONNECTION);
    if (mode === 'proxy') proxy = await startProxy();
    tunnel = await startTunnel({
      flags: { mode, ...(proxy ? { 'proxy.url': proxy.url } : {}), tunnels: [`0:127.0.0.1:${server.port}`] },
    });
  });

  afterAll(async () => {
    await tunnel?.close();
    await server?.close();
    await proxy?.stop();
  });

  it(`keeps each of ${CONNECTIONS} concurrent streams intact and in its own connection`, async () => {
    const seeds = Array.from({ length: CONNECTIONS }, (_, i) => 1000 + i * 7919);
    const results = await Promise.all(seeds.map((seed) => fetchStream(tunnel.port(), seed)));
    results.forEach((r, i) => {
      const seed = seeds[i] as number;
      expect({ seed, bytes: r.bytes, sha256: r.sha256 }).toEqual({ seed, bytes: PER_CONNECTION, sha256: sha256Of(seed, PER_CONNECTION) });
    });
    const records = await tunnel.ended(CONNECTIONS);
    expect(records.filter((r) => r.route === mode)).toHaveLength(CONNECTIONS);
  }, 120_000);
});
