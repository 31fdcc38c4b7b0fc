import { exchange, roundTrip } from '../support/client';
import { startEchoServer, TestServer } from '../support/servers';
import { startProxy, TestProxy } from '../support/squid';
import { RunningService, startService } from '../support/service';

function value(metrics: string, line: string): number {
  const escaped = line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(metrics);
  return m ? Number(m[1]) : 0;
}

describe('metrics follow the traffic', () => {
  let proxy: TestProxy;
  let server: TestServer;
  let svc: RunningService;
  beforeAll(async () => {
    proxy = await startProxy();
    server = await startEchoServer();
    svc = await startService({ flags: { 'proxy.url': proxy.url, mode: 'auto', tunnels: [`0:127.0.0.1:${server.port}`] } });
  });
  afterAll(async () => {
    svc.signals.emit('SIGTERM');
    await svc.exited;
    await server?.close();
    await proxy?.stop();
  });

  it('counts connections, bytes and connect times by route, then proxy failures and state when it goes away', async () => {
    const tunnel = `0:127.0.0.1:${server.port}`;
    for (let i = 0; i < 3; i++) expect((await roundTrip(svc.port(), 'x'.repeat(1000))).length).toBe(1000);
    await svc.waitForLog(/"id":3,/);
    let m = (await svc.get('/metrics')).body;
    expect(value(m, `ptunnel_connections_total{tunnel="${tunnel}",route="proxy",outcome="ok"}`)).toBe(3);
    expect(value(m, `ptunnel_bytes_total{tunnel="${tunnel}",direction="up"}`)).toBe(3000);
    expect(value(m, `ptunnel_bytes_total{tunnel="${tunnel}",direction="down"}`)).toBe(3000);
    expect(value(m, 'ptunnel_connect_duration_seconds_count{route="proxy"}')).toBe(3);
    expect(value(m, `ptunnel_active_connections{tunnel="${tunnel}"}`)).toBe(0);

    await proxy.kill();
    await exchange(svc.port(), 'y', { end: true });
    await svc.waitForLog(/"id":4,/);
    m = (await svc.get('/metrics')).body;
    expect(value(m, 'ptunnel_proxy_failures_total{reason="ERR_PROXY_CONNECT"}')).toBe(1);
    expect(value(m, `ptunnel_proxy_state{proxy="${proxy.url}",state="up"}`)).toBe(0);
    expect(value(m, `ptunnel_connections_total{tunnel="${tunnel}",route="direct",outcome="ok"}`)).toBe(1);
    expect(value(m, 'ptunnel_connect_duration_seconds_count{route="direct"}')).toBe(1);
  });
});
