import { heapAfterChurn, pongServer } from '../support/heap-after-churn';
import type { TestServer } from '../support/servers';

// A stream of short connections makes V8 grow its young generation towards 16 MiB per
// semi-space, RSS that is never given back; ptunnel keeps it at its starting size unless node's
// own flags say otherwise (src/util/heap.ts). Measured from outside: the size of the new space
// after a few thousand connections.

const CONNECTIONS = 3000;
const MiB = 1024 * 1024;

describe("ptunnel's young generation", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await pongServer();
  });
  afterAll(() => server?.close());

  it(`stays at its starting size through ${CONNECTIONS} short connections`, async () => {
    expect((await heapAfterChurn(server.port, { connections: CONNECTIONS })).newSpaceBytes).toBeLessThanOrEqual(2 * MiB);
  }, 60_000);

  it("grows as V8's default would when node's own flags choose (NODE_OPTIONS)", async () => {
    expect((await heapAfterChurn(server.port, { connections: CONNECTIONS, nodeOptions: '--max-semi-space-size=16' })).newSpaceBytes).toBeGreaterThan(8 * MiB);
  }, 60_000);
});
