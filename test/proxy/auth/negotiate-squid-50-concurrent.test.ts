import { cleanEnv, RunningCli, startCli } from '../../support/cli';
import { NegotiateSquid, negotiateSquidUnavailable, startNegotiateSquid } from '../../support/kdc';
import { startEchoServer, TestServer } from '../../support/servers';
import { echoOnce } from '../../support/transfer';

const unavailable = negotiateSquidUnavailable();
(unavailable ? describe.skip : describe)(`Negotiate through squid + MIT KDC: 50 concurrent tunnels${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let squid: NegotiateSquid;
  let echo: TestServer;

  beforeAll(async () => {
    squid = await startNegotiateSquid({ user: 'ptmany', password: 'Fifty at once' });
    echo = await startEchoServer();
  }, 60_000);
  afterAll(async () => {
    await echo?.close();
    await squid?.stop();
  });

  it.each([
    ['a ticket cache from kinit', async () => ({ KRB5CCNAME: await squid.kinit() })],
    ['a client keytab', async () => ({ KRB5_CLIENT_KTNAME: await squid.clientKeytab(), KRB5CCNAME: `FILE:${squid.kdc.dir}/kt-cache-50` })],
  ])('with %s: 50 tunnels at once, each authenticated', async (_what, creds) => {
    const before = (squid.accessLog().match(/TCP_TUNNEL\/200 /g) ?? []).length;
    let cli: RunningCli | undefined;
    try {
      cli = await startCli(['--proxy', squid.url, '--proxy-auth', 'negotiate', '--mode', 'proxy', `0:127.0.0.1:${echo.port}`], 1, cleanEnv(squid.clientEnv(await creds())), squid.wrap);
      const port = cli.ports[0] as number;
      const lines = Array.from({ length: 50 }, (_, i) => `negotiated ${i}\n`);
      expect(await Promise.all(lines.map((l) => echoOnce(port, l)))).toEqual(lines);
      expect((squid.accessLog().match(/TCP_TUNNEL\/200 .* ptmany@/g) ?? []).length - before).toBe(50);
    } finally {
      cli?.proc.kill('SIGTERM');
      await cli?.exited;
    }
  }, 120_000);
});
