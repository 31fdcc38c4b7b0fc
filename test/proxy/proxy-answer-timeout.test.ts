import { exchange } from '../support/client';
import { FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { startBannerServer, TestServer } from '../support/servers';
import { startTunnel } from '../support/tunnel';

describe('a proxy that never answers', () => {
  let proxy: FaultProxy;
  let server: TestServer;
  beforeAll(async () => {
    proxy = await startFaultProxy(() => undefined);
    server = await startBannerServer('220 direct\r\n');
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });

  it('proxy mode: the connect timeout fires and the client is closed', async () => {
    const tunnel = await startTunnel({
      flags: { 'proxy.url': proxy.url, mode: 'proxy', connectTimeout: '300ms', tunnels: [`0:127.0.0.1:${server.port}`] },
    });
    const started = Date.now();
    const result = await exchange(tunnel.port());
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(result.received.length).toBe(0);
    expect(record?.outcome).toBe('ERR_PROXY_TIMEOUT');
    expect(record?.error?.message).toMatch(/did not answer CONNECT within 300ms/);
  });

  it('auto mode: after the timeout it goes direct, and remembers the proxy is down', async () => {
    const tunnel = await startTunnel({
      flags: { 'proxy.url': proxy.url, mode: 'auto', connectTimeout: '300ms', tunnels: [`0:127.0.0.1:${server.port}`] },
      proxyBackoff: { minMs: 60_000, maxMs: 60_000 },
    });
    const first = await exchange(tunnel.port(), 'QUIT\r\n', { end: true });
    expect(first.received.toString()).toContain('220 direct');
    const requests = proxy.requests.length;
    const started = Date.now();
    const second = await exchange(tunnel.port(), 'QUIT\r\n', { end: true });
    const elapsed = Date.now() - started;
    const [r1, r2] = await tunnel.ended(2);
    await tunnel.close();
    expect(second.received.toString()).toContain('220 direct');
    expect(r1?.reason).toMatch(/fallback: .*did not answer CONNECT/);
    expect(r2?.reason).toBe('proxy backoff');
    expect(proxy.requests.length).toBe(requests); // the second connection did not try the proxy
    expect(elapsed).toBeLessThan(250);
  });
});
