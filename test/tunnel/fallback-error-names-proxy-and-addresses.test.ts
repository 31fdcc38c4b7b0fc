import { FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { exchange } from '../support/client';
import { freePort } from '../support/ports';
import { startBannerServer, TestServer } from '../support/servers';
import { startProxy, TestProxy } from '../support/squid';
import { RunningTunnel, startTunnel } from '../support/tunnel';
import type { ResolvedAddress } from '../../src/dns/lookup';

jest.setTimeout(30_000);

/**
 * In auto mode a proxy that cannot reach the target (503) or is not there sends the connection
 * direct. When that fails too, the one warning must say both what the proxy answered and which
 * addresses were tried; when it works, the line that says it went direct names the proxy's answer.
 */
type Line = Record<string, unknown> & { msg: string; level: string };
const lines = (t: RunningTunnel): Line[] => t.logs.map((l) => JSON.parse(l) as Line);

/** ptunnel's resolver answer for mail.test: both loopbacks, as a dual-stack name has two addresses. */
const both = async (): Promise<ResolvedAddress[]> => [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

describe('a fallback to direct', () => {
  let closedPort: number;
  let server: TestServer;
  beforeAll(async () => {
    closedPort = await freePort();
    server = await startBannerServer('220 direct\r\n');
  });
  afterAll(async () => {
    await server.close();
  });

  describe('after squid answered 503 (it could not reach the target)', () => {
    let squid: TestProxy;
    beforeAll(async () => {
      // squid dials mail.test at 127.0.0.2, where nothing listens: it answers 503.
      squid = await startProxy({ hosts: { 'mail.test': '127.0.0.2' } });
    });
    afterAll(async () => {
      await squid.stop();
    });

    it('that fails too: the warning names the 503 and each address tried', async () => {
      const tunnel = await startTunnel({ lookup: both, flags: { mode: 'auto', 'proxy.url': squid.url, tunnels: [`0:mail.test:${closedPort}`] } });
      await exchange(tunnel.port(), 'EHLO me\r\n');
      await tunnel.ended(1);
      await tunnel.close();
      const warning = lines(tunnel).find((l) => l.level === 'warn' && l.msg.startsWith('connection 1 failed'));
      expect(warning?.msg).toBe(
        `connection 1 failed: proxy ${squid.url} could not open mail.test:${closedPort}: HTTP/1.1 503 Service Unavailable; ` +
          `the fallback failed too: direct connection to mail.test:${closedPort} failed: 127.0.0.1:${closedPort}, [::1]:${closedPort}: ECONNREFUSED`,
      );
      expect(warning?.code).toBe('ERR_DIRECT_CONNECT');
    });

    it('that works: the connection line names the 503', async () => {
      const tunnel = await startTunnel({
        lookup: async () => [{ address: '127.0.0.1', family: 4 }],
        flags: { mode: 'auto', 'proxy.url': squid.url, tunnels: [`0:mail.test:${server.port}`] },
      });
      const result = await exchange(tunnel.port(), 'EHLO me\r\n', { end: true });
      await tunnel.ended(1);
      await tunnel.close();
      expect(result.received.toString()).toContain('220 direct');
      const closed = lines(tunnel).find((l) => l.msg === 'connection closed');
      expect(closed).toMatchObject({ route: 'direct', outcome: 'ok', reason: `fallback: proxy ${squid.url} could not open mail.test:${server.port}: HTTP/1.1 503 Service Unavailable` });
    });
  });

  describe('after a proxy answered 504 (a fault proxy: squid says 503 for what it cannot reach)', () => {
    let proxy: FaultProxy;
    beforeAll(async () => {
      proxy = await startFaultProxy((socket) => socket.end('HTTP/1.1 504 Gateway Timeout\r\nContent-Length: 0\r\n\r\n'));
    });
    afterAll(async () => {
      await proxy.close();
    });

    it('with one address: names it, and the 504', async () => {
      const tunnel = await startTunnel({
        lookup: async () => [{ address: '127.0.0.1', family: 4 }],
        flags: { mode: 'auto', 'proxy.url': proxy.url, tunnels: [`0:mail.test:${closedPort}`] },
      });
      await exchange(tunnel.port(), 'x');
      await tunnel.ended(1);
      await tunnel.close();
      const warning = lines(tunnel).find((l) => l.level === 'warn' && l.msg.startsWith('connection 1 failed'));
      expect(warning?.msg).toBe(
        `connection 1 failed: proxy ${proxy.url} could not open mail.test:${closedPort}: HTTP/1.1 504 Gateway Timeout; ` +
          `the fallback failed too: direct connection to mail.test:${closedPort} failed: 127.0.0.1:${closedPort}: ECONNREFUSED`,
      );
    });
  });

  describe('when the proxy is not there', () => {
    it('the first connection names the proxy error, the next one the proxy still down', async () => {
      const proxyPort = await freePort();
      const tunnel = await startTunnel({
        lookup: both,
        proxyBackoff: { minMs: 60_000, maxMs: 60_000 },
        flags: { mode: 'auto', 'proxy.url': `http://127.0.0.1:${proxyPort}`, tunnels: [`0:mail.test:${closedPort}`] },
      });
      await exchange(tunnel.port(), 'x');
      await tunnel.ended(1);
      await exchange(tunnel.port(), 'x');
      await tunnel.ended(2);
      await tunnel.close();
      const warnings = lines(tunnel).filter((l) => l.level === 'warn' && /^connection \d failed/.test(l.msg)).map((l) => l.msg);
      const direct = `direct connection to mail.test:${closedPort} failed: 127.0.0.1:${closedPort}, [::1]:${closedPort}: ECONNREFUSED`;
      expect(warnings).toEqual([
        `connection 1 failed: cannot connect to proxy http://127.0.0.1:${proxyPort}: ECONNREFUSED; the fallback failed too: ${direct}`,
        `connection 2 failed: proxy http://127.0.0.1:${proxyPort} down (cannot connect to proxy http://127.0.0.1:${proxyPort}: ECONNREFUSED); the fallback failed too: ${direct}`,
      ]);
    });
  });
});
