import { roundTrip } from '../support/client';
import { NtlmSquid, ntlmSquidUnavailable, startNtlmSquid } from '../support/ntlm-squid';
import { startEchoServer, TestServer } from '../support/servers';
import { RunningService, startService } from '../support/service';

function value(metrics: string, line: string): number {
  const escaped = line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(metrics);
  return m ? Number(m[1]) : 0;
}

const unavailable = ntlmSquidUnavailable();
(unavailable ? describe.skip : describe)(`ptunnel_proxy_auth_total${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let squid: NtlmSquid;
  let server: TestServer;
  let svc: RunningService;
  beforeAll(async () => {
    squid = await startNtlmSquid({ user: 'ptmetric', password: 'Count me' });
    server = await startEchoServer();
    svc = await startService({
      flags: { 'proxy.url': squid.url, 'proxy.user': `${squid.domain}\\${squid.user}`, 'proxy.password': squid.password, mode: 'auto', tunnels: [`0:127.0.0.1:${server.port}`] },
    });
  }, 60_000);
  afterAll(async () => {
    svc?.signals.emit('SIGTERM');
    await svc?.exited;
    await server?.close();
    await squid?.stop();
  });

  it('counts each authentication by scheme and outcome', async () => {
    for (let i = 0; i < 3; i++) expect((await roundTrip(svc.port(), 'x'.repeat(100))).length).toBe(100);
    await svc.waitForLog(/"id":3,/);
    const m = (await svc.get('/metrics')).body;
    expect(m).toMatch(/# HELP ptunnel_proxy_auth_total /);
    expect(value(m, 'ptunnel_proxy_auth_total{scheme="NTLM",outcome="ok"}')).toBe(3);
    expect(value(m, 'ptunnel_proxy_auth_total{scheme="NTLM",outcome="rejected"}')).toBe(0);
  }, 60_000);
});
