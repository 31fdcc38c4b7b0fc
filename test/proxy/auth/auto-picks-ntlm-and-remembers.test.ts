import { NtlmSquid, ntlmSquidUnavailable, startNtlmSquid } from '../../support/ntlm-squid';
import { startEchoServer, TestServer } from '../../support/servers';
import { RunningTunnel, startTunnel } from '../../support/tunnel';
import { echoOnce } from '../../support/transfer';

/** 407s without an NTLM challenge in them: the probe rounds that auto's memory saves. */
const denied = (log: string) => (log.match(/TCP_DENIED\/407 /g) ?? []).length;

const unavailable = ntlmSquidUnavailable();
(unavailable ? describe.skip : describe)(`--proxy-auth auto against an NTLM squid${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let squid: NtlmSquid;
  let echo: TestServer;
  let tunnel: RunningTunnel;

  beforeAll(async () => {
    squid = await startNtlmSquid({ user: 'ptdave', password: 'auto-Pick 1' });
    echo = await startEchoServer();
    tunnel = await startTunnel({
      // No proxy.auth: auto is the default. The password must never travel as Basic here.
      flags: { 'proxy.url': squid.url, 'proxy.user': `${squid.domain}\\${squid.user}`, 'proxy.password': squid.password, mode: 'proxy', tunnels: [`0:127.0.0.1:${echo.port}`] },
    });
  }, 60_000);

  afterAll(async () => {
    await tunnel?.close();
    await echo?.close();
    await squid?.stop();
  });

  it('picks NTLM from the 407, then skips the probe on later connections', async () => {
    expect(await echoOnce(tunnel.port(), 'first\n')).toBe('first\n');
    // First connection: the probe's 407 and the NTLM challenge's 407.
    expect(denied(squid.accessLog())).toBe(2);
    for (let i = 0; i < 3; i++) expect(await echoOnce(tunnel.port(), `again ${i}\n`)).toBe(`again ${i}\n`);
    // Later ones: the challenge only (NTLM's type 2 is a 407 by design), no probe.
    expect(denied(squid.accessLog())).toBe(2 + 3);
    expect(squid.accessLog().match(/TCP_TUNNEL\/200 .* \S*ptdave /gi)).toHaveLength(4);
    const records = await tunnel.ended(4);
    expect(records.every((r) => r.route === 'proxy' && r.outcome === 'ok')).toBe(true);
    expect(tunnel.logs.join('')).not.toContain(squid.password);
    expect(tunnel.logs.join('')).not.toContain(Buffer.from(`${squid.domain}\\${squid.user}:${squid.password}`).toString('base64'));
  }, 60_000);
});
