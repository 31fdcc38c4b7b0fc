import { exchange } from '../support/client';
import { freePort } from '../support/ports';
import { startBannerServer, TestServer } from '../support/servers';
import { startTunnel } from '../support/tunnel';

describe('the "proxy unreachable" log line says what happens to new connections in each mode', () => {
  let server: TestServer;
  beforeAll(async () => (server = await startBannerServer('220 hello\r\n')));
  afterAll(() => server.close());

  it.each([
    ['proxy', /proxy http:\/\/127\.0\.0\.1:\d+ unreachable; new connections fail until it is back, next probe in \d+s/],
    ['auto', /proxy http:\/\/127\.0\.0\.1:\d+ unreachable; new connections go direct, next probe in \d+s/],
  ])('mode %s', async (mode, said) => {
    const port = await freePort();
    const tunnel = await startTunnel({
      flags: { 'proxy.url': `127.0.0.1:${port}`, mode, tunnels: [`0:127.0.0.1:${server.port}`] },
      proxyBackoff: { minMs: 200, maxMs: 400 },
    });
    await exchange(tunnel.port(), 'QUIT\r\n', { end: true });
    await tunnel.ended(1);
    await tunnel.close();
    const logs = tunnel.logs.join('');
    expect(logs).toMatch(said);
    if (mode === 'proxy') expect(logs).not.toMatch(/go direct/);
  });
});
