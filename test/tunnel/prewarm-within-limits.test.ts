import net from 'node:net';
import { serve, TestServer } from '../support/servers';
import { startProxy, TestProxy } from '../support/squid';
import { RunningTunnel, startTunnel } from '../support/tunnel';
import { sleep, until } from '../support/wait';


describe('--prewarm within the connection limits', () => {
  let proxy: TestProxy;
  let server: TestServer;
  let tunnel: RunningTunnel | undefined;
  let open = 0;
  const clients: net.Socket[] = [];
  beforeAll(async () => {
    proxy = await startProxy();
    server = await serve((socket) => {
      open += 1;
      socket.on('close', () => (open -= 1));
      socket.resume();
      socket.on('end', () => socket.end());
    });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await tunnel?.close();
    tunnel = undefined;
    await until(() => open === 0);
  });
  afterAll(async () => {
    await server?.close();
    await proxy?.stop();
  });

  const start = (limits: Record<string, unknown>, prewarm: number) =>
    startTunnel({ flags: { 'proxy.url': proxy.url, mode: 'proxy', prewarm, prewarmMaxAge: '30s', ...limits, tunnels: [`0:127.0.0.1:${server.port}`] } });

  it('warms no more tunnels than --max-connections leaves room for', async () => {
    tunnel = await start({ maxConnections: 3 }, 5);
    await sleep(1500);
    expect(open).toBe(3);
  });

  it('a client that takes a warm tunnel counts at once: the refill stays within --max-connections', async () => {
    tunnel = await start({ maxConnections: 3 }, 3);
    expect(await until(() => open === 3)).toBe(true);
    clients.push(net.connect(tunnel.port(), '127.0.0.1'));
    // One client on a warm tunnel and two warm ones: three upstream connections, not four.
    await sleep(800);
    expect(tunnel.service.snapshot().activeConnections).toBe(1);
    expect(open).toBe(3);
  });

  it('warms no more tunnels than --max-connections-per-tunnel leaves room for', async () => {
    tunnel = await start({ maxConnectionsPerTunnel: 2 }, 4);
    await sleep(1500);
    expect(open).toBe(2);
    clients.push(net.connect(tunnel.port(), '127.0.0.1'));
    await sleep(800);
    expect(open).toBe(2);
  });
});
