import { serve, TestServer } from '../support/servers';
import { startProxy, TestProxy } from '../support/squid';
import { RunningTunnel, startTunnel } from '../support/tunnel';
import { sleep } from '../support/wait';


/*
 * A server that takes each connection and closes it at once (an SMTP server's "421 too many
 * connections"): every CONNECT through squid succeeds, every warm tunnel dies. The pool must back
 * off, doubling, not reopen once per minimum pause against the very limit the server enforces.
 */
describe('--prewarm against a server that closes every warm tunnel', () => {
  let proxy: TestProxy;
  let server: TestServer;
  let tunnel: RunningTunnel;
  beforeAll(async () => {
    proxy = await startProxy();
    server = await serve((socket) => socket.end('421 too many connections\r\n'));
    tunnel = await startTunnel({
      flags: { 'proxy.url': proxy.url, mode: 'proxy', prewarm: 1, prewarmMaxAge: '30s', tunnels: [`0:127.0.0.1:${server.port}`] },
      prewarmBackoff: { minMs: 100, maxMs: 10_000 },
    });
  });
  afterAll(async () => {
    await tunnel?.close();
    await server?.close();
    await proxy?.stop();
  });

  it('doubles its pause per close in a row', async () => {
    await sleep(3000);
    // Opened at 0, then after 100, 200, 400, 800 and 1600 ms of pause (plus each round trip):
    // six at most; a pause that never grew would be one per ~100 ms, twenty or more.
    expect(server.accepted()).toBeGreaterThanOrEqual(3);
    expect(server.accepted()).toBeLessThanOrEqual(7);
  });
});
