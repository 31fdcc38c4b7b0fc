import { exchange } from '../support/client';
import { freePort } from '../support/ports';
import { startBannerServer, TestServer } from '../support/servers';
import { startProxy, TestProxy } from '../support/squid';
import { startTunnel } from '../support/tunnel';

const waitFor = async (what: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('a proxy whose port is closed', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startBannerServer('220 hello\r\n');
  });
  afterAll(() => server.close());

  it('proxy mode fails with a clear error and does not go direct', async () => {
    const port = await freePort();
    const tunnel = await startTunnel({ flags: { 'proxy.url': `127.0.0.1:${port}`, mode: 'proxy', tunnels: [`0:127.0.0.1:${server.port}`] } });
    const accepted = server.accepted();
    const result = await exchange(tunnel.port(), 'QUIT\r\n', { end: true });
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    expect(result.received.length).toBe(0);
    expect(record?.outcome).toBe('ERR_PROXY_CONNECT');
    expect(record?.error?.message).toBe(`cannot connect to proxy http://127.0.0.1:${port}: ECONNREFUSED`);
    expect(server.accepted()).toBe(accepted);
  });

  it('auto mode goes direct at once, keeps doing so while it is down, and returns to it when it is back', async () => {
    const proxy: TestProxy = await startProxy();
    try {
      const tunnel = await startTunnel({
        flags: { 'proxy.url': proxy.url, mode: 'auto', tunnels: [`0:127.0.0.1:${server.port}`] },
        proxyBackoff: { minMs: 200, maxMs: 400 },
      });
      // Up: through the proxy.
      expect((await exchange(tunnel.port(), 'QUIT\r\n', { end: true })).received.toString()).toMatch(/^220 hello/);
      await proxy.kill();
      expect(tunnel.service.snapshot().proxy?.state).toBe('up');

      // Down: the first connection finds out and goes direct, the next does not try the proxy.
      const first = await exchange(tunnel.port(), 'QUIT\r\n', { end: true });
      expect(first.received.toString()).toMatch(/^220 hello/);
      expect(tunnel.service.snapshot().proxy?.state).not.toBe('up');
      const second = await exchange(tunnel.port(), 'QUIT\r\n', { end: true });
      expect(second.received.toString()).toMatch(/^220 hello/);

      // Back: a background probe finds it and new connections use it again.
      await proxy.restart();
      await waitFor(() => tunnel.service.snapshot().proxy?.state === 'up');
      const third = await exchange(tunnel.port(), 'QUIT\r\n', { end: true });
      expect(third.received.toString()).toMatch(/^220 hello/);

      const records = await tunnel.ended(4);
      await tunnel.close();
      expect(records.map((r) => r.route)).toEqual(['proxy', 'direct', 'direct', 'proxy']);
      expect(records[1]?.reason).toMatch(/^fallback: cannot connect to proxy .*ECONNREFUSED/);
      expect(records[2]?.reason).toMatch(/^proxy (backoff|probing)$/);
      expect(tunnel.logs.join('')).toMatch(/unreachable; new connections go direct/);
      expect(tunnel.logs.join('')).toMatch(/reachable again; new connections use it/);
    } finally {
      await proxy.stop();
    }
  });
});
