import { exchange } from '../support/client';
import { FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { startEchoServer, TestServer } from '../support/servers';
import { startTunnel } from '../support/tunnel';

describe('a proxy answering 403', () => {
  let proxy: FaultProxy;
  let server: TestServer;
  beforeAll(async () => {
    server = await startEchoServer();
    proxy = await startFaultProxy((socket) => socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nforbidden'));
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });

  it('says the proxy refuses the destination, names the port, and does not go direct', async () => {
    const tunnel = await startTunnel({ flags: { 'proxy.url': proxy.url, tunnels: [`0:127.0.0.1:${server.port}`] } });
    const result = await exchange(tunnel.port(), 'hello');
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    expect(result.received.length).toBe(0);
    expect(record?.outcome).toBe('ERR_PROXY_FORBIDDEN');
    expect(record?.error?.message).toContain(`refuses CONNECT to 127.0.0.1:${server.port} (HTTP/1.1 403 Forbidden)`);
    expect(record?.error?.message).toContain(`allow port ${server.port}`);
    expect(server.accepted()).toBe(0);
  });
});
