import { serve, TestServer } from '../support/servers';
import { startProxy, TestProxy } from '../support/squid';
import { RunningTunnel, startTunnel } from '../support/tunnel';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('--prewarm within --max-connections', () => {
  let proxy: TestProxy;
  let server: TestServer;
  let tunnel: RunningTunnel;
  beforeAll(async () => {
    proxy = await startProxy();
    server = await serve((socket) => socket.resume());
    tunnel = await startTunnel({
      flags: { 'proxy.url': proxy.url, mode: 'proxy', prewarm: 5, prewarmMaxAge: '30s', maxConnections: 3, tunnels: [`0:127.0.0.1:${server.port}`] },
    });
  });
  afterAll(async () => {
    await tunnel?.close();
    await server?.close();
    await proxy?.stop();
  });

  it('warms no more tunnels than the connection limit leaves room for', async () => {
    await sleep(1500);
    expect(server.accepted()).toBe(3);
  });
});
