import { serve, TestServer } from '../support/servers';
import { startProxy, TestProxy } from '../support/squid';
import { RunningTunnel, startTunnel } from '../support/tunnel';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('--prewarm-max-age', () => {
  let proxy: TestProxy;
  let server: TestServer;
  let tunnel: RunningTunnel;
  const lifetimes: number[] = [];
  let open = 0;
  let mostOpen = 0;
  beforeAll(async () => {
    proxy = await startProxy();
    server = await serve((socket) => {
      const at = performance.now();
      open += 1;
      mostOpen = Math.max(mostOpen, open);
      // squid passes the warm tunnel's close on as a FIN.
      socket.on('end', () => {
        open -= 1;
        lifetimes.push(performance.now() - at);
        socket.end();
      });
      socket.resume();
    });
    tunnel = await startTunnel({
      flags: { 'proxy.url': proxy.url, mode: 'proxy', prewarm: 1, prewarmMaxAge: '300ms', tunnels: [`0:127.0.0.1:${server.port}`] },
    });
  });
  afterAll(async () => {
    await tunnel?.close();
    await server?.close();
    await proxy?.stop();
  });

  it('closes a warm tunnel no client took at its maximum age and opens its replacement', async () => {
    await sleep(2000);
    // About one every 300 ms plus the CONNECT; without the age limit there would be one, open.
    expect(lifetimes.length).toBeGreaterThanOrEqual(3);
    for (const ms of lifetimes) expect(ms).toBeLessThan(300 + 700);
    // One warm tunnel at a time (the old one's close may reach the server just after the new one).
    expect(mostOpen).toBeLessThanOrEqual(2);
  });
});
