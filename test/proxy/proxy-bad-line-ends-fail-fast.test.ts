import net from 'node:net';
import { exchange } from '../support/client';
import { FaultProxy, spliceTo, startFaultProxy } from '../support/fault-proxy';
import { readBytes, startBannerServer, TestServer } from '../support/servers';
import { startTunnel } from '../support/tunnel';

const BANNER = '220 direct\r\n';

describe('a proxy answer with bad line ends', () => {
  let server: TestServer;
  const proxies: FaultProxy[] = [];
  beforeAll(async () => (server = await startBannerServer(BANNER)));
  afterAll(() => Promise.all([server.close(), ...proxies.map((p) => p.close())]));

  // The proxy keeps the connection open after these bytes: only the bytes can end the wait.
  it.each([
    ['a status line ended by CR CR CR', 'HTTP/1.1 200 OK\r\r\r', '"HTTP/1.1 200 OK\\r\\r'],
    ['CR CR LF CR LF', 'HTTP/1.1 200 OK\r\r\n\r\n', '"HTTP/1.1 200 OK\\r\\r'],
    ['a CR inside a header', 'HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n', '"X-A: a\\rb'],
  ])('%s: ERR_PROXY_PROTOCOL within 100 ms showing the bytes; the proxy stays up and nothing goes direct', async (_name, answer, shown) => {
    let answeredAt = 0;
    const proxy = await startFaultProxy((socket) => {
      answeredAt = Date.now();
      socket.write(answer);
    });
    proxies.push(proxy);
    const tunnel = await startTunnel({
      flags: { 'proxy.url': proxy.url, mode: 'auto', connectTimeout: '3s', tunnels: [`0:127.0.0.1:${server.port}`] },
    });
    const accepted = server.accepted();
    const result = await exchange(tunnel.port(), 'EHLO me\r\n');
    const [record] = await tunnel.ended(1);
    // From the proxy's answer to the connection's end: what the bad bytes cost, without warm-up.
    const elapsed = Date.now() - answeredAt;
    const state = tunnel.service.snapshot().proxy?.state;
    await tunnel.close();
    expect(record?.outcome).toBe('ERR_PROXY_PROTOCOL');
    expect(record?.error?.message).toContain(shown);
    expect(record?.error?.message).not.toMatch(/[\r\n]/);
    expect(elapsed).toBeLessThan(100);
    expect(state).toBe('up');
    expect(result.received.length).toBe(0);
    expect(server.accepted()).toBe(accepted);
  }, 10_000);

  it('a bare LF before the blank line (A: b LF CR LF) is a complete answer: the tunnel opens at once', async () => {
    const proxy = await startFaultProxy((socket, head) => spliceTo(socket, head, 'HTTP/1.1 200 OK\r\nA: b\n\r\n'));
    proxies.push(proxy);
    const tunnel = await startTunnel({
      flags: { 'proxy.url': proxy.url, mode: 'auto', connectTimeout: '3s', tunnels: [`0:127.0.0.1:${server.port}`] },
    });
    const started = Date.now();
    const client = net.connect(tunnel.port(), '127.0.0.1');
    const banner = (await readBytes(client, BANNER.length)).toString();
    const elapsed = Date.now() - started;
    client.end();
    const [record] = await tunnel.ended(1);
    const state = tunnel.service.snapshot().proxy?.state;
    await tunnel.close();
    expect(banner).toBe(BANNER);
    expect(record?.route).toBe('proxy');
    expect(elapsed).toBeLessThan(100);
    expect(state).toBe('up');
  });
});

describe('a proxy that stops in the middle of its answer', () => {
  it('times out with the bytes it did send, not "did not answer"', async () => {
    const proxy = await startFaultProxy((socket) => socket.write('HTTP/1.1 200 OK\r\nVia: x\r'));
    const tunnel = await startTunnel({ flags: { 'proxy.url': proxy.url, mode: 'proxy', connectTimeout: '300ms', tunnels: ['0:127.0.0.1:9'] } });
    await exchange(tunnel.port(), 'x');
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    await proxy.close();
    expect(record?.outcome).toBe('ERR_PROXY_TIMEOUT');
    expect(record?.error?.message).toBe(`proxy ${proxy.url} sent an incomplete answer to CONNECT ("HTTP/1.1 200 OK\\r\\nVia: x\\r") and no more within 300ms`);
  });
});
