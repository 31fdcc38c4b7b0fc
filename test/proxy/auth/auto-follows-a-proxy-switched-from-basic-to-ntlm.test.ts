import { NtlmSquid, ntlmSquidUnavailable, startNtlmSquid } from '../../support/ntlm-squid';
import { freePort } from '../../support/ports';
import { startProxy, TestProxy } from '../../support/squid';
import { startEchoServer, TestServer } from '../../support/servers';
import { RunningTunnel, startTunnel } from '../../support/tunnel';
import { echoOnce } from '../../support/transfer';
import { logged } from '../../support/mail-servers';

/** 407s in squid's access log: the probe rounds and NTLM's challenges. */
const denied = (log: string) => (log.match(/TCP_DENIED\/407 /g) ?? []).length;

/*
 * The proxy at one address changes while ptunnel runs: a Basic squid, then (same port) an NTLM
 * one, as when an admin switches Basic off. auto has remembered Basic for that address; the
 * NTLM squid's 407 no longer offers it, and the next connection must still get through.
 */
const unavailable = ntlmSquidUnavailable();
(unavailable ? describe.skip : describe)(`--proxy-auth auto when the proxy is switched from Basic to NTLM${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let basic: TestProxy | undefined;
  let ntlm: NtlmSquid | undefined;
  let echo: TestServer;
  let tunnel: RunningTunnel | undefined;

  afterAll(async () => {
    await tunnel?.close();
    await echo?.close();
    await basic?.stop();
    await ntlm?.stop();
  });

  it('the first connection after the switch gets through with NTLM, and later ones start with NTLM', async () => {
    const port = await freePort();
    echo = await startEchoServer();
    basic = await startProxy({ port, requireAuth: true });
    const user = 'ptswitch';
    const password = 'switch-Over 1';
    const domain = 'PTUNNELTEST';
    tunnel = await startTunnel({
      flags: { 'proxy.url': basic.url, 'proxy.user': `${domain}\\${user}`, 'proxy.password': password, mode: 'proxy', tunnels: [`0:127.0.0.1:${echo.port}`] },
    });
    expect(await echoOnce(tunnel.port(), 'basic 1\n')).toBe('basic 1\n');
    expect(await echoOnce(tunnel.port(), 'basic 2\n')).toBe('basic 2\n');
    // The probe's 407 once, then Basic from the first CONNECT on: auto remembered it. (squid
    // logs a tunnel once it has closed: wait for both lines.)
    await tunnel.ended(2);
    expect((await logged(basic.accessLog, /(TCP_TUNNEL\/200 .* \S*ptswitch [^]*){2}/i)).match(/TCP_TUNNEL\/200 .* \S*ptswitch /gi)).toHaveLength(2);
    expect(denied(basic.accessLog())).toBe(1);

    await basic.stop();
    basic = undefined;
    ntlm = await startNtlmSquid({ user, password, domain, port });
    expect(await echoOnce(tunnel.port(), 'ntlm 1\n')).toBe('ntlm 1\n');
    // Basic refused (407 offering NTLM only), then NTLM's challenge: two 407s.
    expect(denied(ntlm.accessLog())).toBe(2);
    for (let i = 2; i <= 3; i++) expect(await echoOnce(tunnel.port(), `ntlm ${i}\n`)).toBe(`ntlm ${i}\n`);
    // Later connections start with NTLM's type 1: the challenge's 407 only.
    expect(denied(ntlm.accessLog())).toBe(2 + 2);
    const records = await tunnel.ended(5);
    expect((await logged(ntlm.accessLog, /(TCP_TUNNEL\/200 .* \S*ptswitch [^]*){3}/i)).match(/TCP_TUNNEL\/200 .* \S*ptswitch /gi)).toHaveLength(3);
    expect(records.map((r) => `${r.route} ${r.outcome}`)).toEqual(Array(5).fill('proxy ok'));
    expect(tunnel.logs.join('')).not.toContain(password);
  }, 90_000);
});
