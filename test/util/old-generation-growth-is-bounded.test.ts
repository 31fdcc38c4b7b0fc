import { heapAfterChurn, pongServer } from '../support/heap-after-churn';
import type { TestServer } from '../support/servers';

// Connection state that outlives a scavenge is garbage soon after, in the old generation. V8's own
// growth factor (1.1 to 4 by how fast it collects) lets the old space grow to about 25 MiB over a
// few thousand short connections here before a full collection; ptunnel caps the growth at 30 %
// over what survived the last one (src/util/heap.ts), unless node's command line sets it.
// `--heap-growing-percent=0` is V8's default: its own factor.

const CONNECTIONS = 4000;
const MiB = 1024 * 1024;

describe("ptunnel's old generation", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await pongServer();
  });
  afterAll(() => server?.close());

  it(`stays well below V8's default size through ${CONNECTIONS} short connections; node's own flag wins`, async () => {
    const bounded = await heapAfterChurn(server.port, { connections: CONNECTIONS });
    const v8Default = await heapAfterChurn(server.port, { connections: CONNECTIONS, nodeArgs: ['--heap-growing-percent=0'] });
    process.stdout.write(`old space after ${CONNECTIONS} connections: ${(bounded.oldSpaceBytes / MiB).toFixed(1)} MiB, V8's default ${(v8Default.oldSpaceBytes / MiB).toFixed(1)} MiB\n`);
    expect(bounded.oldSpaceBytes).toBeLessThan(18 * MiB);
    expect(v8Default.oldSpaceBytes).toBeGreaterThan(bounded.oldSpaceBytes + 2 * MiB);
  }, 120_000);
});
