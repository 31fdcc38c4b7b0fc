import { cleanEnv, RunningCli, startCli } from '../../support/cli';
import { NegotiateSquid, negotiateSquidUnavailable, startNegotiateSquid } from '../../support/kdc';
import { HashTarget, SIZE_64MIB, startHashTarget, transfer } from '../../support/transfer';

const unavailable = negotiateSquidUnavailable();
(unavailable ? describe.skip : describe)(`Negotiate through squid + MIT KDC: 64 MiB each way${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let squid: NegotiateSquid;

  beforeAll(async () => {
    squid = await startNegotiateSquid({ user: 'ptneg', password: 'K3rb-64' });
  }, 60_000);
  afterAll(async () => squid?.stop());

  it.each([
    ['a ticket cache from kinit', async () => ({ KRB5CCNAME: await squid.kinit() })],
    ['a client keytab', async () => ({ KRB5_CLIENT_KTNAME: await squid.clientKeytab(), KRB5CCNAME: `FILE:${squid.kdc.dir}/kt-cache-64` })],
  ])('with %s: arrives intact both ways, and squid logged the principal', async (_what, creds) => {
    const target: HashTarget = await startHashTarget();
    let cli: RunningCli | undefined;
    try {
      cli = await startCli(['--proxy', squid.url, '--proxy-auth', 'negotiate', '--mode', 'proxy', `0:127.0.0.1:${target.server.port}`], 1, cleanEnv(squid.clientEnv(await creds())), squid.wrap);
      const r = await transfer(cli.ports[0] as number, target);
      expect(r.receivedBytes).toBe(SIZE_64MIB);
      expect(r.receivedSha256).toBe(r.atServer.sentSha256);
      expect(r.atServer.bytes).toBe(SIZE_64MIB);
      expect(r.atServer.sha256).toBe(r.sentSha256);
      expect(squid.accessLog()).toMatch(new RegExp(`TCP_TUNNEL/200 .* CONNECT 127\\.0\\.0\\.1:${target.server.port} ${squid.user}@`));
    } finally {
      cli?.proc.kill('SIGTERM');
      await cli?.exited;
      await target.server.close();
    }
  }, 120_000);
});
