import { NtlmSquid, ntlmSquidUnavailable, startNtlmSquid } from '../../support/ntlm-squid';
import { RunningTunnel, startTunnel } from '../../support/tunnel';
import { HashTarget, SIZE_64MIB, startHashTarget, transfer } from '../../support/transfer';

const unavailable = ntlmSquidUnavailable();
(unavailable ? describe.skip : describe)(`NTLMv2 through squid + Samba: 64 MiB each way${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let squid: NtlmSquid;
  let target: HashTarget;
  let tunnel: RunningTunnel;

  beforeAll(async () => {
    squid = await startNtlmSquid({ user: 'ptbob', password: 'Tr0ub4dor&3' });
    target = await startHashTarget();
    tunnel = await startTunnel({
      flags: {
        'proxy.url': squid.url,
        'proxy.user': `${squid.domain}\\${squid.user}`,
        'proxy.password': squid.password,
        'proxy.auth': 'ntlm',
        mode: 'proxy',
        tunnels: [`0:127.0.0.1:${target.server.port}`],
      },
    });
  }, 60_000);

  afterAll(async () => {
    await tunnel?.close();
    await target?.server.close();
    await squid?.stop();
  });

  it('arrives intact in both directions, and squid logged the NTLM user', async () => {
    const r = await transfer(tunnel.port(), target);
    expect(r.receivedBytes).toBe(SIZE_64MIB);
    expect(r.receivedSha256).toBe(r.atServer.sentSha256);
    expect(r.atServer.bytes).toBe(SIZE_64MIB);
    expect(r.atServer.sha256).toBe(r.sentSha256);
    const [record] = await tunnel.ended(1);
    // Either end may hang up first once both directions are done (as in stream-64mib-each-way).
    expect(record).toMatchObject({ route: 'proxy', outcome: expect.stringMatching(/^(ok|upstream-closed-first)$/), bytesUp: SIZE_64MIB, bytesDown: SIZE_64MIB });
    expect(squid.accessLog()).toMatch(new RegExp(`TCP_TUNNEL/200 .* CONNECT 127\\.0\\.0\\.1:${target.server.port} \\S*${squid.user} `, 'i'));
  }, 120_000);
});
