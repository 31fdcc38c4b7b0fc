import { exchange } from '../support/client';
import { Dnsmasq, startDnsmasq } from '../support/dnsmasq';
import { startTunnel } from '../support/tunnel';
import net from 'node:net';

/**
 * Through TunnelService with its own resolver (no lookup override). The real server listens on
 * 127.0.0.2, which the loop guard refuses unless allowed: the tests only reach loopback.
 */
describe('the direct route resolves with ptunnel\'s resolver', () => {
  let dnsmasq: Dnsmasq;
  let server: net.Server;
  let port = 0;
  beforeAll(async () => {
    dnsmasq = await startDnsmasq({ hosts: { 'imap.test': ['127.0.0.2'], 'self.test': ['127.0.0.1'] } });
    server = net.createServer((s) => s.end('* OK real server\r\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.2', () => r()));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await dnsmasq?.stop();
    await new Promise((r) => server.close(r));
  });

  it('reaches the address dnsmasq gives, and logs which resolver answered', async () => {
    const tunnel = await startTunnel({
      flags: { mode: 'direct', 'dns.servers': dnsmasq.spec, 'dns.allow': '127.0.0.2', tunnels: [`0:imap.test:${port}`] },
    });
    try {
      const result = await exchange(tunnel.port(), '', { end: true });
      expect(result.received.toString()).toBe('* OK real server\r\n');
      const [record] = await tunnel.ended(1);
      expect(record?.route).toBe('direct');
      const resolved = tunnel.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'resolved');
      expect(resolved).toMatchObject({ level: 'debug', name: 'imap.test', resolver: dnsmasq.spec, addresses: ['127.0.0.2'] });
    } finally {
      await tunnel.close();
    }
  });

  it('refuses an answer pointing back at ptunnel with the loop-guard message, quickly', async () => {
    const tunnel = await startTunnel({ flags: { mode: 'direct', 'dns.servers': dnsmasq.spec, tunnels: [`0:self.test:${port}`] } });
    try {
      const started = Date.now();
      const result = await exchange(tunnel.port(), '', { end: true });
      expect(result.received.length).toBe(0);
      const [record] = await tunnel.ended(1);
      expect(record?.outcome).toBe('ERR_DNS_LOOP');
      expect(record?.error?.message).toMatch(/^DNS server 127\.0\.0\.1:\d+ answered self\.test with 127\.0\.0\.1, (a loopback address|one of ptunnel's own listening addresses)/);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await tunnel.close();
    }
  });
});
