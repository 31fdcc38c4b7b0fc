import net from 'node:net';
import { startEchoServer } from '../support/servers';
import { startProxy } from '../support/squid';
import { startTunnel } from '../support/tunnel';

jest.setTimeout(30_000);

describe('outcome when the upstream goes first', () => {
  it('a session whose proxy died under it (squid killed) is not logged as ok', async () => {
    const echo = await startEchoServer();
    const proxy = await startProxy();
    const tunnel = await startTunnel({ flags: { mode: 'proxy', 'proxy.url': proxy.url, tunnels: [`0:127.0.0.1:${echo.port}`] } });
    const client = net.connect(tunnel.port(), '127.0.0.1');
    client.on('error', () => undefined);
    await new Promise<void>((r) => {
      client.once('data', () => r());
      client.write('SSH-2.0-test\r\n');
    });
    await proxy.kill();
    const [record] = await tunnel.ended(1);
    client.destroy();
    await tunnel.close();
    await proxy.stop();
    await echo.close();
    expect(record?.outcome).toMatch(/^(upstream-closed-first|upstream-reset)$/);
  });
});
