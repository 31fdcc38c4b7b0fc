import { exchange } from '../support/client';
import { FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { startBannerServer, TestServer } from '../support/servers';
import { startTunnel } from '../support/tunnel';

describe('a proxy answering 502', () => {
  let proxy: FaultProxy;
  let server: TestServer;
  beforeAll(async () => {
    server = await startBannerServer('220 direct\r\n');
    proxy = await startFaultProxy((socket) => socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 5\r\n\r\nOOPS!'));
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });

  it('auto mode goes direct, and the early client bytes reach the server, not the proxy', async () => {
    const tunnel = await startTunnel({ flags: { 'proxy.url': proxy.url, mode: 'auto', tunnels: [`0:127.0.0.1:${server.port}`] } });
    const requestsBefore = proxy.requests.length;
    const result = await new Promise<string>((resolve) => {
      import('node:net').then(({ default: net }) => {
        const s = net.connect(tunnel.port(), '127.0.0.1');
        s.write('EHLO me\r\n');
        let got = '';
        s.on('data', (c) => {
          got += c.toString();
          if (got.includes('EHLO me')) s.end();
        });
        s.on('close', () => resolve(got));
      });
    });
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    expect(result).toBe('220 direct\r\nEHLO me\r\n');
    expect(result).not.toContain('OOPS');
    expect(record).toMatchObject({ route: 'direct', outcome: 'ok' });
    expect(record?.reason).toMatch(/fallback: .*502 Bad Gateway/);
    expect(proxy.requests.length).toBe(requestsBefore + 1);
    // The proxy saw the CONNECT head only: the client's bytes were held back.
    expect(proxy.requests.at(-1)).not.toContain('EHLO');
  });

  it('proxy mode reports the status line and closes the client', async () => {
    const tunnel = await startTunnel({ flags: { 'proxy.url': proxy.url, mode: 'proxy', tunnels: [`0:127.0.0.1:${server.port}`] } });
    const accepted = server.accepted();
    const result = await exchange(tunnel.port(), 'x');
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    expect(result.received.length).toBe(0);
    expect(record?.outcome).toBe('ERR_PROXY_REFUSED');
    expect(record?.error?.message).toContain('HTTP/1.1 502 Bad Gateway');
    expect(server.accepted()).toBe(accepted);
  });
});
