import net from 'node:net';
import { loadConfig } from '../../src/config/load';
import { TEST_ENV } from '../support/cli';
import { serve, TestServer } from '../support/servers';
import { startProxy, TestProxy } from '../support/squid';
import { RunningTunnel, startTunnel } from '../support/tunnel';
import { echoOnce } from '../support/transfer';
import { sleep, until } from '../support/wait';

/** squid logs a tunnel when it ends: the CONNECTs to `port` that ended so far. */
const tunnelsTo = (proxy: TestProxy, port: number) => (proxy.accessLog().match(new RegExp(`TCP_TUNNEL/200 \\d+ CONNECT 127\\.0\\.0\\.1:${port} `, 'g')) ?? []).length;

/*
 * A reload keeps a listener whose mapping did not change, and with it the mapping's pool of warm
 * tunnels. Those were opened through the proxy of the old configuration: after a reload to
 * another proxy, or to mode direct, no client may get one.
 */
describe('--prewarm across a reload that changes the way out', () => {
  let a: TestProxy;
  let b: TestProxy;
  let server: TestServer;
  let open = 0;
  let tunnel: RunningTunnel | undefined;
  const flags = (extra: Record<string, unknown>) => ({ prewarm: 1, prewarmMaxAge: '60s', tunnels: [`0:127.0.0.1:${server.port}`], ...extra });

  beforeAll(async () => {
    [a, b] = await Promise.all([startProxy(), startProxy()]);
    server = await serve((socket) => {
      open += 1;
      socket.on('close', () => (open -= 1));
      socket.pipe(socket);
    });
  });
  afterEach(async () => {
    await tunnel?.close();
    tunnel = undefined;
  });
  afterAll(async () => {
    await server?.close();
    await a?.stop();
    await b?.stop();
  });

  it('to another proxy: the old warm tunnel is closed, and the next client goes through the new proxy', async () => {
    tunnel = await startTunnel({ flags: flags({ 'proxy.url': a.url, mode: 'proxy' }) });
    expect(await until(() => open === 1)).toBe(true);
    await tunnel.service.reload(loadConfig({ env: { ...TEST_ENV }, flags: flags({ 'proxy.url': b.url, mode: 'proxy' }) }));
    // The warm tunnel through A ended (A logs it), and the pool filled again through B.
    expect(await until(() => tunnelsTo(a, server.port) === 1)).toBe(true);
    expect(await until(() => open === 1)).toBe(true);
    expect(await echoOnce(tunnel.port(), 'after the reload\n')).toBe('after the reload\n');
    const [record] = await tunnel.ended(1);
    expect(record?.route).toBe('proxy');
    // The client's tunnel went through B: B logged it when it ended; A logged nothing more.
    expect(await until(() => tunnelsTo(b, server.port) === 1)).toBe(true);
    expect(tunnelsTo(a, server.port)).toBe(1);
  }, 30_000);

  it('to mode direct: the warm tunnel is closed and the next client goes direct', async () => {
    tunnel = await startTunnel({ flags: flags({ 'proxy.url': a.url, mode: 'proxy' }) });
    expect(await until(() => open === 1)).toBe(true);
    await tunnel.service.reload(loadConfig({ env: { ...TEST_ENV }, flags: flags({ mode: 'direct' }) }));
    expect(await until(() => open === 0)).toBe(true);
    const client = net.connect(tunnel.port(), '127.0.0.1');
    client.end('direct\n');
    client.resume();
    const [record] = await tunnel.ended(1);
    expect(record?.route).toBe('direct');
    // Direct mappings are never warmed.
    await sleep(300);
    expect(open).toBe(0);
  }, 30_000);
});
