import { EventEmitter } from 'node:events';
import net from 'node:net';
import { runService } from '../../src/commands/run';
import { loadConfig } from '../../src/config/load';
import { createLogger } from '../../src/log/logger';
import { TEST_ENV } from '../support/cli';
import { startFaultProxy } from '../support/fault-proxy';
import { freePort } from '../support/ports';
import { startEchoServer } from '../support/servers';

/** Connects, sends a line, and resolves with what came back before the close. */
function exchange(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('ping\n'));
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString();
      if (got === 'ping\n') s.end();
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve(got));
  });
}

describe('--mode proxy and a refused proxy login', () => {
  const start = async (answers: Array<'ok' | 'refuse'>) => {
    const server = await startEchoServer();
    let n = 0;
    const proxy = await startFaultProxy((socket) => {
      if ((answers[n++] ?? 'refuse') === 'refuse') {
        socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      const upstream = net.connect(server.port, '127.0.0.1', () => {
        socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
        socket.pipe(upstream).pipe(socket);
      });
      upstream.on('error', () => socket.destroy());
    });
    const port = await freePort();
    const config = loadConfig({
      env: { ...TEST_ENV, PTUNNEL_PROXY_USER: 'alice', PTUNNEL_PROXY_PASSWORD: 'pw' },
      flags: { 'proxy.url': proxy.url, 'proxy.auth': 'basic', mode: 'proxy', tunnels: [`${port}:127.0.0.1:${server.port}`] },
    });
    const lines: string[] = [];
    const signals = new EventEmitter();
    const logger = createLogger({ level: 'info', format: 'text', write: (l) => lines.push(l) });
    // Settled as a value at once, so the rejection the first case expects is never unhandled.
    const exited = runService({ config, logger, version: 'test', reloadConfig: () => config, signals }).then(
      (code) => ({ code }),
      (err: unknown) => ({ err }),
    );
    // Give the listener a moment to bind.
    for (let i = 0; i < 50 && !lines.some((l) => /listening on/.test(l)); i++) await new Promise((r) => setTimeout(r, 20));
    return { port, exited, signals, lines, close: async () => Promise.all([proxy.close(), server.close()]) };
  };

  it('stops with the reason when the credentials never worked', async () => {
    const t = await start(['refuse']);
    expect(await exchange(t.port)).toBe('');
    expect(await t.exited).toMatchObject({ err: { code: 'ERR_PROXY_AUTH', userError: true } });
    await t.close();
  });

  it('keeps running once they have worked: a later refusal fails its connection only', async () => {
    const t = await start(['ok', 'refuse', 'ok']);
    expect(await exchange(t.port)).toBe('ping\n');
    expect(await exchange(t.port)).toBe('');
    expect(await exchange(t.port)).toBe('ping\n');
    expect(t.lines.some((l) => /rejected the credentials/.test(l))).toBe(true);
    t.signals.emit('SIGTERM');
    expect(await t.exited).toEqual({ code: 0 });
    await t.close();
  });
});
