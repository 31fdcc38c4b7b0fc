import { exchange } from '../support/client';
import { FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { startTunnel } from '../support/tunnel';

describe('a proxy answering garbage', () => {
  const proxies: FaultProxy[] = [];
  afterAll(async () => Promise.all(proxies.map((p) => p.close())));

  it.each([
    ['a status line that is not HTTP (kept open)', (s: import('node:net').Socket) => s.write('SSH-2.0-OpenSSH_9.6\r\n'), /not HTTP/],
    ['an invalid status line', (s: import('node:net').Socket) => s.write('HTTP/1.1 twohundred\r\n\r\nsecret'), /invalid status line/],
    [
      'headers over the 16 KiB bound (kept open)',
      (s: import('node:net').Socket) => s.write(`HTTP/1.1 200 OK\r\nX-Pad: ${'a'.repeat(20_000)}`),
      /exceed 16384 bytes/,
    ],
  ])('%s: a clear protocol error, nothing reaches the client', async (_name, behave, message) => {
    const proxy = await startFaultProxy((socket) => behave(socket));
    proxies.push(proxy);
    const tunnel = await startTunnel({ flags: { 'proxy.url': proxy.url, mode: 'auto', tunnels: ['0:127.0.0.1:9'] } });
    const started = Date.now();
    const result = await exchange(tunnel.port(), 'client bytes');
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    expect(result.received.length).toBe(0);
    expect(record?.outcome).toBe('ERR_PROXY_PROTOCOL');
    expect(record?.error?.message).toMatch(message);
    // Fails on the bytes, not on the 10 s connect timeout.
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
