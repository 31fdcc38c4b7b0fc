import { startEchoServer, TestServer } from '../support/servers';
import { RunningService, startService } from '../support/service';

describe('the admin endpoints', () => {
  let server: TestServer;
  let svc: RunningService;
  beforeAll(async () => {
    server = await startEchoServer();
    // The proxy does not exist: probes must not care (fallback keeps the tunnel useful).
    svc = await startService({ flags: { 'proxy.url': '127.0.0.1:1', tunnels: [`0:127.0.0.1:${server.port}`] } });
  });
  afterAll(async () => {
    svc.signals.emit('SIGTERM');
    await svc.exited;
    await server?.close();
  });

  it('GET /startup, /livez and /readyz answer 200 once bound, without dialling the proxy', async () => {
    expect(await svc.get('/startup')).toEqual({ status: 200, body: 'ok\n' });
    expect(await svc.get('/livez')).toEqual({ status: 200, body: 'ok\n' });
    expect(await svc.get('/readyz')).toEqual({ status: 200, body: 'ok\n' });
    expect(svc.logs.join('')).not.toMatch(/cannot connect to proxy/);
  });

  it('GET /status is a JSON summary', async () => {
    const res = await svc.get('/status');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      started: true,
      draining: false,
      activeConnections: 0,
      mode: 'auto',
      proxy: { url: 'http://127.0.0.1:1', state: 'up' },
      proxies: [{ url: 'http://127.0.0.1:1', state: 'up' }],
      tunnels: [{ tunnel: `0:127.0.0.1:${server.port}`, target: `127.0.0.1:${server.port}`, route: 'proxy', active: 0 }],
    });
  });

  it('GET /metrics is Prometheus text with the documented families', async () => {
    const res = await svc.get('/metrics');
    expect(res.status).toBe(200);
    for (const name of [
      'ptunnel_connections_total',
      'ptunnel_active_connections',
      'ptunnel_bytes_total',
      'ptunnel_connect_duration_seconds',
      'ptunnel_connections_rejected_total',
      'ptunnel_proxy_failures_total',
      'ptunnel_proxy_state',
      'ptunnel_dns_queries_total',
      'ptunnel_dns_cache_hits_total',
      'ptunnel_build_info',
    ]) {
      expect(res.body).toContain(`# TYPE ${name} `);
    }
    expect(res.body).toMatch(/ptunnel_build_info\{version="test",node="v\d+/);
    expect(res.body).toContain('ptunnel_proxy_state{proxy="http://127.0.0.1:1",state="up"} 1');
  });

  it('refuses /quitquitquit from a web page (a browser sends Origin)', async () => {
    const res = await fetch(`${svc.adminUrl}/quitquitquit`, { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    expect((await svc.get('/readyz')).status).toBe(200);
  });

  it('refuses unknown paths and wrong methods', async () => {
    expect((await svc.get('/nope')).status).toBe(404);
    expect((await svc.get('/quitquitquit')).status).toBe(405);
    expect((await svc.post('/readyz')).status).toBe(405);
  });
});
