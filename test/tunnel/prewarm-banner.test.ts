import net from 'node:net';
import { readBytes, serve, TestServer } from '../support/servers';
import { startProxy, TestProxy } from '../support/squid';
import { RunningTunnel, startTunnel } from '../support/tunnel';

const BANNER = '220 smtp.example.test ESMTP ready\r\n';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('--prewarm: a warm tunnel through squid to a server that speaks first', () => {
  let proxy: TestProxy;
  let server: TestServer;
  let tunnel: RunningTunnel;
  const acceptedAt: number[] = [];
  beforeAll(async () => {
    proxy = await startProxy();
    server = await serve((socket) => {
      acceptedAt.push(performance.now());
      socket.write(BANNER);
      socket.pipe(socket);
    });
    tunnel = await startTunnel({
      flags: { 'proxy.url': proxy.url, mode: 'proxy', prewarm: 2, prewarmMaxAge: '30s', tunnels: [`0:127.0.0.1:${server.port}`] },
    });
  });
  afterAll(async () => {
    await tunnel?.close();
    await server?.close();
    await proxy?.stop();
  });

  it('hands the client a tunnel opened before it connected, banner first, then carries its bytes', async () => {
    const deadline = Date.now() + 10_000;
    while (server.accepted() < 2 && Date.now() < deadline) await sleep(20);
    expect(server.accepted()).toBe(2);
    // Let the banner reach ptunnel's warm tunnel and wait there.
    await sleep(200);
    const connectedAt = performance.now();
    const client = net.connect(tunnel.port(), '127.0.0.1');
    const banner = await readBytes(client, BANNER.length);
    const bannerMs = performance.now() - connectedAt;
    expect(banner.toString()).toBe(BANNER);
    expect(client.bytesWritten).toBe(0);
    // The server accepted this tunnel before the client connected: the CONNECT was done.
    expect(acceptedAt[0]).toBeLessThan(connectedAt);
    // One loopback round trip to ptunnel, none to the proxy or the server.
    expect(bannerMs).toBeLessThan(1000);
    client.resume();
    client.write('QUIT\r\n');
    expect((await readBytes(client, 6)).toString()).toBe('QUIT\r\n');
    client.destroy();
    const [record] = await tunnel.ended(1);
    expect(record?.route).toBe('proxy');
    expect(record?.bytesDown).toBe(BANNER.length + 6);
    // The pool refills the one taken, in the background.
    while (server.accepted() < 3 && Date.now() < deadline) await sleep(20);
    expect(server.accepted()).toBe(3);
  });
});
