import { exchange } from '../support/client';
import { FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { startTunnel } from '../support/tunnel';

describe('a proxy that closes before answering', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy((socket) => socket.end());
  });
  afterAll(() => proxy.close());

  it('closes the client with ERR_PROXY_CLOSED and a log line', async () => {
    const tunnel = await startTunnel({ flags: { 'proxy.url': proxy.url, tunnels: ['0:127.0.0.1:9'] } });
    const result = await exchange(tunnel.port(), 'hello');
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    expect(result.received.length).toBe(0);
    expect(record?.outcome).toBe('ERR_PROXY_CLOSED');
    expect(record?.error?.message).toMatch(/closed the connection before answering CONNECT/);
    expect(tunnel.logs.join('')).toMatch(/"level":"warn","msg":"connection 1 failed: proxy http:\/\/127\.0\.0\.1:\d+ closed/);
  });
});
