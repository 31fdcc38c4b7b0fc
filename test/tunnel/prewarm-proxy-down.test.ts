import { serve, TestServer } from '../support/servers';
import { RunningTunnel, startTunnel } from '../support/tunnel';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('--prewarm with a failing proxy', () => {
  let proxy: TestServer;
  let tunnel: RunningTunnel;
  beforeAll(async () => {
    // Accepts and cuts every connection: each warm-up fails.
    proxy = await serve((socket) => socket.destroy());
    tunnel = await startTunnel({
      flags: { 'proxy.url': `127.0.0.1:${proxy.port}`, mode: 'proxy', prewarm: 4, tunnels: ['0:127.0.0.1:9'] },
      prewarmBackoff: { minMs: 100, maxMs: 400 },
      proxyBackoff: { minMs: 100, maxMs: 400 },
    });
  });
  afterAll(async () => {
    await tunnel?.close();
    await proxy?.close();
  });

  it('stops refilling and retries with a back-off, not in a loop', async () => {
    await sleep(1500);
    // First fill (4) plus retries at 100, 200, 400, 400 ms: about a dozen; a refill loop would be thousands.
    const seen = proxy.accepted();
    expect(seen).toBeGreaterThanOrEqual(4);
    expect(seen).toBeLessThan(30);
  });
});
