import net from 'node:net';
import { EXIT_USAGE } from '../../src/cli/exit-codes';
import { cleanEnv, runCli, startCli } from '../support/cli';
import { freePort } from '../support/ports';
import { startTunnel } from '../support/tunnel';

describe('HTTP proxy listener safe defaults', () => {
  it('binding 0.0.0.0 without --allow-clients: a one-line start-up error about an open proxy, non-zero exit', async () => {
    const port = await freePort();
    const r = runCli(['--mode', 'direct', '--http-proxy', `0.0.0.0:${port}`]);
    expect(r.status).toBe(EXIT_USAGE);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/httpProxy\.listen \(--http-proxy, PTUNNEL_HTTP_PROXY\) 0\.0\.0\.0:\d+ is not loopback: .*open proxy.*--allow-clients/);
  });

  it('the same from PTUNNEL_HTTP_PROXY', () => {
    const r = runCli(['--mode', 'direct'], cleanEnv({ PTUNNEL_HTTP_PROXY: '0.0.0.0:3128' }));
    expect(r.status).toBe(EXIT_USAGE);
    expect(r.stderr).toMatch(/open proxy/);
  });

  it('--http-proxy alone (no tunnels) is enough to run, on 127.0.0.1 by default', async () => {
    const port = await freePort();
    const cli = await startCli(['--mode', 'direct', '--http-proxy', String(port)], 0);
    try {
      await new Promise<void>((resolve, reject) => {
        const check = () => (cli.stderr().includes(`HTTP proxy listening on 127.0.0.1:${port}`) ? resolve() : undefined);
        cli.proc.stderr?.on('data', check);
        check();
        void cli.exited.then((code) => reject(new Error(`exited with ${code}: ${cli.stderr()}`)));
      });
    } finally {
      cli.proc.kill('SIGTERM');
      await cli.exited;
    }
  });

  it('a client outside --allow-clients is closed before any byte', async () => {
    const port = await freePort();
    const t = await startTunnel({ flags: { mode: 'direct', 'httpProxy.listen': `127.0.0.1:${port}`, allowClients: '10.0.0.0/8' } });
    const got = await new Promise<{ bytes: number; closed: boolean }>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let bytes = 0;
      socket.on('error', () => undefined);
      socket.on('data', (d: Buffer) => (bytes += d.length));
      socket.on('close', () => resolve({ bytes, closed: true }));
      socket.write('GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n');
    });
    await t.close();
    expect(got).toEqual({ bytes: 0, closed: true });
    expect(t.logs.some((l) => /HTTP proxy client 127\.0\.0\.1 refused: not in 10\.0\.0\.0\/8/.test(l))).toBe(true);
  });
});
