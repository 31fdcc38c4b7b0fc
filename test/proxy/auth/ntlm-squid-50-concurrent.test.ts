import { NtlmSquid, ntlmSquidUnavailable, startNtlmSquid } from '../../support/ntlm-squid';
import { startEchoServer, TestServer } from '../../support/servers';
import { RunningTunnel, startTunnel } from '../../support/tunnel';
import { echoOnce } from '../../support/transfer';

const unavailable = ntlmSquidUnavailable();
(unavailable ? describe.skip : describe)(`NTLMv2 through squid + Samba: 50 concurrent tunnels${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let squid: NtlmSquid;
  let echo: TestServer;
  let tunnel: RunningTunnel;

  beforeAll(async () => {
    squid = await startNtlmSquid({ user: 'ptcarol', password: 'pässwörd 42', warm: true });
    echo = await startEchoServer();
    tunnel = await startTunnel({
      flags: {
        'proxy.url': squid.url,
        'proxy.user': `${squid.user}@${squid.domain}`,
        'proxy.password': squid.password,
        'proxy.auth': 'ntlm',
        mode: 'proxy',
        tunnels: [`0:127.0.0.1:${echo.port}`],
      },
    });
  }, 60_000);

  afterAll(async () => {
    await tunnel?.close();
    await echo?.close();
    await squid?.stop();
  });

  it('carries 50 tunnels at once, each with its own handshake, every one through the proxy', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `tunnel ${i} ${'x'.repeat(i)}\n`);
    const answers = await Promise.all(lines.map((line) => echoOnce(tunnel.port(), line)));
    expect(answers).toEqual(lines);
    const records = await tunnel.ended(50);
    expect(records.filter((r) => r.route === 'proxy' && r.outcome === 'ok')).toHaveLength(50);
    expect(squid.accessLog().match(/TCP_TUNNEL\/200 /g)).toHaveLength(50);
  }, 120_000);
});
