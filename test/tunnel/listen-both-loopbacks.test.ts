import net from 'node:net';
import { startTunnel } from '../support/tunnel';
import { readBytes, startEchoServer, TestServer } from '../support/servers';

/*
 * Issue 15: by default the tunnels listen on 127.0.0.1 and ::1, since Node 17+ (and many
 * clients) resolve "localhost" to ::1 first. Still one tunnel: one entry in the snapshot and one
 * per-tunnel connection count over both sockets. An explicit --listen keeps its meaning.
 */
const ipv6 = hasIpv6();
function hasIpv6(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}

function dial(port: number, host: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host }, () => resolve(s));
    s.once('error', reject);
  });
}

async function echoes(port: number, host: string): Promise<string> {
  const s = await dial(port, host);
  s.write('ping');
  const got = (await readBytes(s, 4)).toString();
  s.destroy();
  return got;
}

describe('the default listen address', () => {
  let echo: TestServer;
  beforeAll(async () => {
    echo = await startEchoServer();
  });
  afterAll(() => echo.close());

  it('reaches the tunnel from 127.0.0.1, ::1 and "localhost"', async () => {
    if (!(await ipv6)) return console.warn('skipped: this machine has no ::1');
    const tunnel = await startTunnel({ flags: { mode: 'direct', tunnels: [`0:127.0.0.1:${echo.port}`] } });
    try {
      const port = tunnel.port();
      expect(await echoes(port, '127.0.0.1')).toBe('ping');
      expect(await echoes(port, '::1')).toBe('ping');
      expect(await echoes(port, 'localhost')).toBe('ping');
      expect(tunnel.service.snapshot().tunnels).toHaveLength(1);
    } finally {
      await tunnel.close();
    }
  });

  it('counts both sockets against one per-tunnel limit', async () => {
    if (!(await ipv6)) return console.warn('skipped: this machine has no ::1');
    const tunnel = await startTunnel({ flags: { mode: 'direct', maxConnectionsPerTunnel: 1, tunnels: [`0:127.0.0.1:${echo.port}`] } });
    try {
      const first = await dial(tunnel.port(), '127.0.0.1');
      first.write('ping');
      await readBytes(first, 4);
      // Refused with a reset, at connect or just after.
      const second = net.connect({ port: tunnel.port(), host: '::1' });
      const ended = await new Promise<string>((resolve) => {
        second.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
        second.once('close', () => resolve('closed'));
        second.once('data', () => resolve('data'));
        second.write('ping');
      });
      expect(['ECONNRESET', 'closed', 'EPIPE']).toContain(ended);
      expect(tunnel.logs.join('')).toContain('connection limit reached (1 per tunnel)');
      first.destroy();
    } finally {
      await tunnel.close();
    }
  });

  it('keeps an explicit --listen 127.0.0.1 to IPv4 alone', async () => {
    const tunnel = await startTunnel({ flags: { mode: 'direct', listen: '127.0.0.1', tunnels: [`0:127.0.0.1:${echo.port}`] } });
    try {
      expect(await echoes(tunnel.port(), '127.0.0.1')).toBe('ping');
      if (await ipv6) await expect(dial(tunnel.port(), '::1')).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await tunnel.close();
    }
  });
});
