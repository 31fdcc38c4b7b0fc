import { NtlmSquid, ntlmSquidUnavailable, startNtlmSquid } from '../../support/ntlm-squid';
import { connect, readAll, startEchoServer, TestServer } from '../../support/servers';
import { RunningTunnel, startTunnel } from '../../support/tunnel';
import { echoOnce } from '../../support/transfer';

const unavailable = ntlmSquidUnavailable();
(unavailable ? describe.skip : describe)(`NTLM credentials squid + Samba refuses${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let squid: NtlmSquid;
  let echo: TestServer;
  let good: RunningTunnel;

  beforeAll(async () => {
    squid = await startNtlmSquid({ user: 'pterin', password: 'right one' });
    echo = await startEchoServer();
    good = await startTunnel({
      flags: { 'proxy.url': squid.url, 'proxy.user': `${squid.domain}\\${squid.user}`, 'proxy.password': squid.password, mode: 'proxy', tunnels: [`0:127.0.0.1:${echo.port}`] },
    });
  }, 60_000);

  afterAll(async () => {
    await good?.close();
    await echo?.close();
    await squid?.stop();
  });

  it.each([
    ['a wrong password', 'pterin', 'wrong one'],
    ['an unknown user', 'nobody-here', 'right one'],
  ])('%s: a one-line error naming NTLM and the user, no direct fallback, the other tunnel unharmed', async (_what, user, password) => {
    const bad = await startTunnel({
      flags: { 'proxy.url': squid.url, 'proxy.user': `${squid.domain}\\${user}`, 'proxy.password': password, 'proxy.auth': 'auto', mode: 'auto', tunnels: [`0:127.0.0.1:${echo.port}`] },
    });
    try {
      const before = echo.accepted();
      const [answer, ok] = await Promise.all([connect(bad.port()).then(readAll), echoOnce(good.port(), 'still here\n')]);
      expect(answer.length).toBe(0);
      expect(ok).toBe('still here\n');
      const [record] = await bad.ended(1);
      expect(record?.outcome).toBe('ERR_PROXY_AUTH');
      const message = record?.error?.message ?? '';
      expect(message).toMatch(new RegExp(`rejected the credentials for user "${squid.domain}\\\\${user}" \\(407\\) to NTLM authentication`));
      expect(message).not.toContain('\n');
      expect(message).not.toContain(password);
      // Auto mode, yet nothing went direct: a refusal is not an outage.
      expect(echo.accepted()).toBe(before + 1);
    } finally {
      await bad.close();
    }
  }, 60_000);
});
