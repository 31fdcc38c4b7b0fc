import { loadConfig } from '../../src/config/load';
import { TEST_ENV } from '../support/cli';
import { exchange, roundTrip } from '../support/client';
import { answer, FakeDns, startFakeDns } from '../support/fake-dns';
import { freePort } from '../support/ports';
import { serve, startEchoServer, TestServer } from '../support/servers';
import { startTunnel } from '../support/tunnel';

/*
 * A reload keeps what ptunnel learnt about the way out when the settings it was learnt under
 * did not change: the proxy's health (same proxy, same connect timeout) and the DNS cache (same
 * DNS settings). Anything else in the file may change around them.
 */
describe('a reload and what ptunnel knows of its upstreams', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startEchoServer();
  });
  afterAll(() => server.close());

  it('keeps the proxy health for the same proxy and connect timeout, and starts afresh when they change', async () => {
    const closedPort = await freePort();
    const flags = (extra: Record<string, unknown> = {}) => ({
      'proxy.url': `127.0.0.1:${closedPort}`,
      mode: 'auto',
      tunnels: [`0:127.0.0.1:${server.port}`],
      ...extra,
    });
    // No probe within the test: the state stays where the traffic put it.
    const tunnel = await startTunnel({ flags: flags(), proxyBackoff: { minMs: 600_000, maxMs: 600_000 } });
    try {
      expect((await roundTrip(tunnel.port(), 'x')).toString()).toBe('x');
      expect(tunnel.service.snapshot().proxy?.state).toBe('backoff');

      const other = await freePort();
      const kept = await tunnel.service.reload(
        loadConfig({ env: { ...TEST_ENV }, flags: flags({ noProxy: 'other.example', tunnels: [`0:127.0.0.1:${server.port}`, `${other}:127.0.0.1:${server.port}`] }) }),
      );
      expect(kept).toEqual({ kept: 1, added: 1, removed: 0, failed: [] });
      expect(tunnel.service.snapshot().proxy?.state).toBe('backoff');
      expect(tunnel.service.snapshot().tunnels.map((t) => t.route)).toEqual(['direct', 'direct']);

      await tunnel.service.reload(loadConfig({ env: { ...TEST_ENV }, flags: flags({ connectTimeout: '7s' }) }));
      expect(tunnel.service.snapshot().proxy?.state).toBe('up');
      expect(tunnel.service.snapshot().tunnels.map((t) => t.route)).toEqual(['proxy']);
    } finally {
      await tunnel.close();
    }
  });

  describe('the DNS cache', () => {
    let dns: FakeDns;
    let real: TestServer;
    beforeAll(async () => {
      dns = await startFakeDns((q) => answer(q, q.type === 'A' ? [{ type: 'A', name: q.name, data: '127.0.0.2', ttl: 600 }] : []));
      real = await serve((s) => s.end('* OK\r\n'), '127.0.0.2');
    });
    afterAll(async () => {
      await dns?.close();
      await real?.close();
    });

    it('is kept when the DNS settings stay, and starts empty when they change', async () => {
      const asked = () => dns.queries.filter((q) => q.name === 'imap.test' && q.type === 'A').length;
      const flags = (extra: Record<string, unknown> = {}) => ({
        mode: 'direct',
        'dns.servers': dns.spec,
        'dns.allow': '127.0.0.2',
        tunnels: [`0:imap.test:${real.port}`],
        ...extra,
      });
      const tunnel = await startTunnel({ flags: flags() });
      const greet = async () => (await exchange(tunnel.port(), '', { end: true })).received.toString();
      try {
        expect(await greet()).toBe('* OK\r\n');
        expect(asked()).toBe(1);

        await tunnel.service.reload(loadConfig({ env: { ...TEST_ENV }, flags: flags({ idleTimeout: '1h' }) }));
        expect(await greet()).toBe('* OK\r\n');
        expect(asked()).toBe(1);

        await tunnel.service.reload(loadConfig({ env: { ...TEST_ENV }, flags: flags({ 'dns.timeout': '3s' }) }));
        expect(await greet()).toBe('* OK\r\n');
        expect(asked()).toBe(2);
      } finally {
        await tunnel.close();
      }
    });
  });
});
