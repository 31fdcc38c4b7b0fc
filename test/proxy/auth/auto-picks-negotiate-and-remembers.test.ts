import { cleanEnv, RunningCli, startCli } from '../../support/cli';
import { NegotiateSquid, negotiateSquidUnavailable, startNegotiateSquid } from '../../support/kdc';
import { startEchoServer, TestServer } from '../../support/servers';
import { echoOnce } from '../../support/transfer';

const denied = (log: string) => (log.match(/TCP_DENIED\/407 /g) ?? []).length;

const unavailable = negotiateSquidUnavailable();
(unavailable ? describe.skip : describe)(`--proxy-auth auto against a Negotiate squid${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let squid: NegotiateSquid;
  let echo: TestServer;
  let cli: RunningCli;

  beforeAll(async () => {
    squid = await startNegotiateSquid({ user: 'ptauto', password: 'Auto Neg 1' });
    echo = await startEchoServer();
    // A user and password are set too: auto must still prefer Kerberos, and never send Basic.
    cli = await startCli(['--proxy', squid.url, '--user', 'ptauto', '--mode', 'proxy', `0:127.0.0.1:${echo.port}`],
      1,
      cleanEnv(squid.clientEnv({ KRB5CCNAME: await squid.kinit(), PTUNNEL_PROXY_PASSWORD: 'Auto Neg 1' })),
      squid.wrap,
    );
  }, 60_000);
  afterAll(async () => {
    cli?.proc.kill('SIGTERM');
    await cli?.exited;
    await echo?.close();
    await squid?.stop();
  });

  it('picks Negotiate on the first connection (one 407) and sends it straight away after (none)', async () => {
    const port = cli.ports[0] as number;
    expect(await echoOnce(port, 'probe\n')).toBe('probe\n');
    expect(denied(squid.accessLog())).toBe(1);
    for (let i = 0; i < 3; i++) expect(await echoOnce(port, `later ${i}\n`)).toBe(`later ${i}\n`);
    expect(denied(squid.accessLog())).toBe(1);
    expect(squid.accessLog().match(/TCP_TUNNEL\/200 .* ptauto@/g)).toHaveLength(4);
  }, 60_000);
});
