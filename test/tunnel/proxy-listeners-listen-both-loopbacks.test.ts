import { execFile } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { promisify } from 'node:util';
import { freePort } from '../support/ports';
import { startTunnel } from '../support/tunnel';

const run = promisify(execFile);

function hasIpv6(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}

/* --socks PORT and --http-proxy PORT listen like the tunnels: on 127.0.0.1 and ::1 (127.0.0.1 alone without IPv6). */
describe('--socks without ADDR', () => {
  it('serves curl on 127.0.0.1 and on [::1]', async () => {
    const web = http.createServer((req, res) => res.end(`hello ${req.url}\n`));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    const webPort = (web.address() as net.AddressInfo).port;
    const socksPort = await freePort();
    const tunnel = await startTunnel({ flags: { mode: 'direct', 'socks.listen': String(socksPort) } });
    const curl = (proxy: string, path: string) => run('curl', ['-sS', '--max-time', '5', '--socks5', proxy, `http://127.0.0.1:${webPort}${path}`]).then((r) => r.stdout);
    try {
      expect(await curl(`127.0.0.1:${socksPort}`, '/v4')).toBe('hello /v4\n');
      const listen = tunnel.service.snapshot().socks?.addresses.map((a) => a.address);
      if (await hasIpv6()) {
        expect(listen).toEqual(['127.0.0.1', '::1']);
        expect(await curl(`[::1]:${socksPort}`, '/v6')).toBe('hello /v6\n');
      } else {
        expect(listen).toEqual(['127.0.0.1']);
      }
    } finally {
      await tunnel.close();
      await new Promise((r) => web.close(r));
    }
  });

  it('an explicit ADDR keeps its meaning', async () => {
    const socksPort = await freePort();
    const tunnel = await startTunnel({ flags: { mode: 'direct', 'socks.listen': `127.0.0.1:${socksPort}` } });
    try {
      expect(tunnel.service.snapshot().socks?.addresses).toEqual([{ address: '127.0.0.1', port: socksPort }]);
    } finally {
      await tunnel.close();
    }
  });
});

describe('--http-proxy without ADDR', () => {
  it('serves curl -x on 127.0.0.1 and on [::1]', async () => {
    const web = http.createServer((req, res) => res.end(`hello ${req.url}\n`));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    const webPort = (web.address() as net.AddressInfo).port;
    const proxyPort = await freePort();
    const tunnel = await startTunnel({ flags: { mode: 'direct', 'httpProxy.listen': String(proxyPort) } });
    const curl = (proxy: string, path: string) => run('curl', ['-sS', '--max-time', '5', '--noproxy', '', '-x', proxy, `http://127.0.0.1:${webPort}${path}`]).then((r) => r.stdout);
    try {
      expect(await curl(`http://127.0.0.1:${proxyPort}`, '/v4')).toBe('hello /v4\n');
      if (await hasIpv6()) expect(await curl(`http://[::1]:${proxyPort}`, '/v6')).toBe('hello /v6\n');
    } finally {
      await tunnel.close();
      await new Promise((r) => web.close(r));
    }
  });
});
