import net from 'node:net';
import { exchange } from '../support/client';
import { FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { readBytes, startBannerServer, TestServer } from '../support/servers';
import { startTunnel } from '../support/tunnel';

const BANNER = '220 direct\r\n';

describe('a proxy answer with bad line ends', () => {
  let server: TestServer;
  const proxies: FaultProxy[] = [];
  beforeAll(async () => {
    server = await startBannerServer(BANNER);
  });
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await server.close();
  });

  // The proxy keeps the connection open after these bytes: only the bytes can end the wait.
  it.each([
    ['a status line ended by CR CR CR', 'HTTP/1.1 200 OK\r\r\r', '"HTTP/1.1 200 OK\\r\\r'],
    ['CR CR LF CR LF', 'HTTP/1.1 200 OK\r\r\n\r\n', '"HTTP/1.1 200 OK\\r\\r'],
    ['a CR inside a header', 'HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n', '"X-A: a\\rb'],
  ])('%s: ERR_PROXY_PROTOCOL within 100 ms showing the bytes; the proxy stays up and nothing goes direct', async (_name, answer, shown) => {
    const proxy = await startFaultProxy((socket) => socket.write(answer));
    proxies.push(proxy);
    const tunnel = await startTunnel({
      flags: { 'proxy.url': proxy.url, mode: 'auto', connectTimeout: '3s', tunnels: [`0:127.0.0.1:${server.port}`] },
    });
    const accepted = server.accepted();
    const started = Date.now();
    const result = await exchange(tunnel.port(), 'EHLO me\r\n');
    const [record] = await tunnel.ended(1);
    const elapsed = Date.now() - started;
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
    const proxy = await startFaultProxy((socket, head) => {
      const m = /^CONNECT (\S+):(\d+)/.exec(head) as RegExpExecArray;
      const upstream = net.connect(Number(m[2]), m[1]);
      upstream.once('connect', () => {
        socket.write('HTTP/1.1 200 OK\r\nA: b\n\r\n');
        socket.pipe(upstream);
        upstream.pipe(socket);
      });
    });
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
