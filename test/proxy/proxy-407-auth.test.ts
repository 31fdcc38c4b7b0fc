import { exchange } from '../support/client';
import { FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { startEchoServer, TestServer } from '../support/servers';
import { startTunnel } from '../support/tunnel';

describe('a proxy answering 407', () => {
  let proxy: FaultProxy;
  let server: TestServer;
  beforeAll(async () => {
    server = await startEchoServer();
    proxy = await startFaultProxy((socket) => {
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 12\r\n\r\nACCESS DENY!');
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });

  it.each([
    ['without credentials', {}, /requires authentication \(407\).*--user/],
    ['with rejected credentials', { 'proxy.user': 'alice', 'proxy.password': 'wrong-pw' }, /rejected the credentials for user "alice" \(407\)/],
  ])('%s: closes the client, says why, never falls back, never leaks the body', async (_name, creds, message) => {
    const tunnel = await startTunnel({
      flags: { 'proxy.url': proxy.url, mode: 'auto', tunnels: [`0:127.0.0.1:${server.port}`], ...creds },
    });
    const before = server.accepted();
    const result = await exchange(tunnel.port(), 'client hello');
    const [record] = await tunnel.ended(1);
    await tunnel.close();

    expect(result.received.length).toBe(0);
    expect(record?.outcome).toBe('ERR_PROXY_AUTH');
    expect(record?.error?.message).toMatch(message);
    expect(server.accepted()).toBe(before); // no direct fallback: a 407 is not an outage
    const logs = tunnel.logs.join('');
    expect(logs).toMatch(/ERR_PROXY_AUTH/);
    expect(logs).not.toContain('wrong-pw');
    expect(logs).not.toContain(Buffer.from('alice:wrong-pw').toString('base64'));
  });

  it('sends Basic credentials in Proxy-Authorization', async () => {
    const tunnel = await startTunnel({
      flags: { 'proxy.url': proxy.url, tunnels: [`0:127.0.0.1:${server.port}`], 'proxy.user': 'alice', 'proxy.password': 'pw' },
    });
    await exchange(tunnel.port());
    await tunnel.ended(1);
    await tunnel.close();
    expect(proxy.requests.at(-1)).toContain(`Proxy-Authorization: Basic ${Buffer.from('alice:pw').toString('base64')}`);
  });
});
