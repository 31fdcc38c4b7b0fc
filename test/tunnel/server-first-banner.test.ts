import net from 'node:net';
import { readBytes, startBannerServer, TestServer } from '../support/servers';
import { startProxy, TestProxy } from '../support/squid';
import { RunningTunnel, startTunnel } from '../support/tunnel';

const BANNER = '220 smtp.example.test ESMTP ready\r\n';

describe('a server that speaks first (SMTP, SSH)', () => {
  let proxy: TestProxy;
  let server: TestServer;
  let tunnel: RunningTunnel;
  beforeAll(async () => {
    proxy = await startProxy();
    server = await startBannerServer(BANNER);
    tunnel = await startTunnel({ flags: { 'proxy.url': proxy.url, mode: 'proxy', tunnels: [`0:127.0.0.1:${server.port}`] } });
  });
  afterAll(async () => {
    await tunnel?.close();
    await server?.close();
    await proxy?.stop();
  });

  it('delivers the banner through the real proxy before the client sends anything', async () => {
    const client = net.connect(tunnel.port(), '127.0.0.1');
    // Nothing has been written yet: the banner must come on its own.
    const banner = await readBytes(client, BANNER.length);
    expect(client.bytesWritten).toBe(0);
    expect(banner.toString()).toBe(BANNER);
    client.resume();
    client.write('QUIT\r\n');
    expect((await readBytes(client, 6)).toString()).toBe('QUIT\r\n');
    client.destroy();
    const [record] = await tunnel.ended(1);
    expect(record?.route).toBe('proxy');
  });
});
