import { loadConfig } from '../../src/config/load';
import { TEST_ENV } from '../support/cli';
import { serve, TestServer } from '../support/servers';
import { startProxy, TestProxy } from '../support/squid';
import { startTunnel } from '../support/tunnel';
import { sleep } from '../support/wait';


/* A SIGHUP whose reload is still under way when SIGTERM comes must not open warm tunnels again after the shutdown closed them. */
describe('--prewarm and a reload that is still under way at shutdown', () => {
  let proxy: TestProxy;
  let server: TestServer;
  let open = 0;
  beforeAll(async () => {
    proxy = await startProxy();
    server = await serve((socket) => {
      open += 1;
      socket.on('close', () => (open -= 1));
      socket.pipe(socket);
    });
  });
  afterAll(async () => {
    await server?.close();
    await proxy?.stop();
  });

  it('leaves no warm tunnel open once close() has resolved', async () => {
    const flags = (extra: Record<string, unknown>) => ({ 'proxy.url': proxy.url, mode: 'proxy', prewarm: 1, prewarmMaxAge: '60s', ...extra });
    const tunnel = await startTunnel({ flags: flags({ tunnels: [`0:127.0.0.1:${server.port}`] }) });
    const deadline = Date.now() + 10_000;
    while (open < 1 && Date.now() < deadline) await sleep(20);
    expect(open).toBe(1);
    // A reload that binds a new listener awaits; the shutdown starts meanwhile.
    const reloaded = tunnel.service.reload(loadConfig({ env: { ...TEST_ENV }, flags: flags({ tunnels: [`0:127.0.0.1:${server.port}`, `0:127.0.0.1:${server.port}`] }) })).catch(() => undefined);
    await tunnel.close();
    await reloaded;
    await sleep(800);
    expect(open).toBe(0);
    expect(server.accepted()).toBe(1);
  }, 30_000);
});
