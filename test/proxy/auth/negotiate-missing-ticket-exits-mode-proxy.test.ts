import { cleanEnv, RunningCli, startCli } from '../../support/cli';
import { NegotiateSquid, negotiateSquidUnavailable, startNegotiateSquid } from '../../support/kdc';
import { connect, readAll, startEchoServer, TestServer } from '../../support/servers';
import { echoOnce } from '../../support/transfer';

const unavailable = negotiateSquidUnavailable();
(unavailable ? describe.skip : describe)(`ptunnel --mode proxy --proxy-auth negotiate without a ticket${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let squid: NegotiateSquid;
  let echo: TestServer;
  let good: RunningCli;

  beforeAll(async () => {
    squid = await startNegotiateSquid({ user: 'ptnoticket', password: 'Has one' });
    echo = await startEchoServer();
    good = await startCli(['--proxy', squid.url, '--mode', 'proxy', `0:127.0.0.1:${echo.port}`], 1, cleanEnv(squid.clientEnv({ KRB5CCNAME: await squid.kinit() })), squid.wrap);
  }, 60_000);
  afterAll(async () => {
    good?.proc.kill('SIGTERM');
    await good?.exited;
    await echo?.close();
    await squid?.stop();
  });

  it('one line saying there is no ticket and how to get one, exit 1, the other ptunnel unharmed', async () => {
    const env = cleanEnv(squid.clientEnv({ KRB5CCNAME: `FILE:${squid.kdc.dir}/no-such-cache` }));
    const bad = await startCli(['--proxy', squid.url, '--proxy-auth', 'negotiate', '--mode', 'proxy', `0:127.0.0.1:${echo.port}`], 1, env, squid.wrap);
    const client = await connect(bad.ports[0] as number);
    expect((await readAll(client)).length).toBe(0);
    expect(await bad.exited).toBe(1);
    const last = bad.stderr().trimEnd().split('\n').pop() ?? '';
    expect(last).toMatch(/Negotiate \(Kerberos, service HTTP@proxy\.test\.example\) failed: .*; run kinit \(or log in to the domain\), or set KRB5_CLIENT_KTNAME/);
    expect(bad.stderr()).not.toMatch(/^\s+at /m);
    expect(await echoOnce(good.ports[0] as number, 'unharmed\n')).toBe('unharmed\n');
  }, 60_000);
});
