import net from 'node:net';
import { FaultProxy, spliceTo, startFaultProxy } from '../support/fault-proxy';
import { serve, TestServer } from '../support/servers';
import { RunningTunnel, startTunnel } from '../support/tunnel';
import { until } from '../support/wait';


/*
 * Auto mode: warm tunnels through a proxy that then stops answering (the VPN went away; its
 * open sockets got no FIN). Once a connection has found the proxy down, the router sends new
 * connections direct; a warm tunnel through that proxy must not be handed out instead.
 */
describe('--prewarm in auto mode when the proxy goes down', () => {
  let proxy: FaultProxy;
  let one: TestServer;
  let two: TestServer;
  let tunnel: RunningTunnel;
  beforeAll(async () => {
    proxy = await startFaultProxy(spliceTo);
    one = await serve((socket) => socket.pipe(socket));
    two = await serve((socket) => socket.pipe(socket));
    tunnel = await startTunnel({
      flags: { 'proxy.url': proxy.url, mode: 'auto', prewarm: 1, prewarmMaxAge: '60s', tunnels: [`0:127.0.0.1:${one.port}`, `0:127.0.0.1:${two.port}`] },
      prewarmBackoff: { minMs: 60_000, maxMs: 60_000 },
      proxyBackoff: { minMs: 60_000, maxMs: 60_000 },
    });
  });
  afterAll(async () => {
    await tunnel?.close();
    await proxy?.close();
    await one?.close();
    await two?.close();
  });

  it('the next client goes direct, and the warm tunnel is closed', async () => {
    // One warm tunnel per mapping, through the proxy.
    expect(await until(() => proxy.requests.length === 2 && one.accepted() === 1 && two.accepted() === 1)).toBe(true);
    proxy.stopAccepting();
    // A client of the second mapping takes its warm tunnel; the refill finds the proxy refusing.
    const first = net.connect(tunnel.port(1), '127.0.0.1');
    first.resume();
    expect(await until(() => tunnel.service.snapshot().proxy?.state === 'backoff')).toBe(true);
    // The first mapping's warm tunnel still stands, but new connections go direct now.
    const second = net.connect(tunnel.port(0), '127.0.0.1');
    second.end('hello\n');
    second.resume();
    first.destroy();
    const records = await tunnel.ended(2);
    const byTunnel = Object.fromEntries(records.map((r) => [r.tunnel, r.route]));
    expect(byTunnel[`0:127.0.0.1:${two.port}`]).toBe('proxy');
    expect(byTunnel[`0:127.0.0.1:${one.port}`]).toBe('direct');
    // The first mapping's server: its warm tunnel (closed now) and the direct client.
    expect(one.accepted()).toBe(2);
  }, 30_000);
});
