import { loadConfig } from '../../src/config/load';
import { createLogger } from '../../src/log/logger';
import { TunnelService } from '../../src/tunnel/service';
import { exchange } from '../support/client';
import { TEST_ENV } from '../support/cli';
import { startFaultProxy } from '../support/fault-proxy';
import { startEchoServer } from '../support/servers';

// eslint-disable-next-line no-control-regex -- what the test looks for
const RAW_CONTROL = /[\x00-\x1f\x7f-\x9f]/;

describe('a newline in PTUNNEL_PROXY_USER', () => {
  it('is refused at load with one line that shows it escaped', () => {
    const forged = 'alice\nWARN  proxy accepted everything \x1b[8m';
    expect(() => loadConfig({ env: { ...TEST_ENV, PTUNNEL_PROXY_USER: forged, PTUNNEL_PROXY_PASSWORD: 'pw' }, flags: { 'proxy.url': 'http://127.0.0.1:1' } })).toThrow(
      /^proxy user must not contain control characters \(found \\n at position 6\)[^\n]*$/,
    );
  });
});

describe('control characters in a hostile proxy\'s 407', () => {
  it.each(['text', 'json'] as const)('cannot forge a %s log line through the 407 message', async (format) => {
    const server = await startEchoServer();
    const proxy = await startFaultProxy((socket) => {
      socket.end('HTTP/1.1 407 Go\x1b[8m away\x85\r\nProxy-Authenticate: Basic realm="corp\x1b]0;owned\x07"\r\nContent-Length: 0\r\n\r\n');
    });
    const config = loadConfig({
      env: { ...TEST_ENV, PTUNNEL_PROXY_USER: 'alice', PTUNNEL_PROXY_PASSWORD: 'pw' },
      flags: { 'proxy.url': proxy.url, mode: 'proxy', tunnels: [`0:127.0.0.1:${server.port}`] },
    });
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', format, write: (l) => lines.push(l) });
    let ended: () => void = () => undefined;
    const done = new Promise<void>((r) => (ended = r));
    const service = new TunnelService({ config, logger, onConnectionEnd: () => ended() });
    await service.start();
    await exchange(service.snapshot().tunnels[0]?.port ?? 0, 'hello');
    await done;
    await service.close(true);
    await proxy.close();
    await server.close();

    const auth = lines.filter((l) => l.includes('407'));
    expect(auth.length).toBeGreaterThan(0);
    for (const line of lines) {
      // One write is one line: the only newline is the one that ends it.
      expect(line.slice(0, -1)).not.toMatch(RAW_CONTROL);
      expect(line.endsWith('\n')).toBe(true);
    }
  });
});
