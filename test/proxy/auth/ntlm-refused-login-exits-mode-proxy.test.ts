import { cleanEnv, RunningCli, startCli } from '../../support/cli';
import { NtlmSquid, ntlmSquidUnavailable, startNtlmSquid } from '../../support/ntlm-squid';
import { connect, readAll, startEchoServer, TestServer } from '../../support/servers';
import { echoOnce } from '../../support/transfer';

const unavailable = ntlmSquidUnavailable();
(unavailable ? describe.skip : describe)(`ptunnel --mode proxy with NTLM credentials squid + Samba refuses${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let squid: NtlmSquid;
  let echo: TestServer;
  let good: RunningCli;

  beforeAll(async () => {
    squid = await startNtlmSquid({ user: 'ptfrank', password: 'the right one' });
    echo = await startEchoServer();
    good = await startCli(['--proxy', squid.url, '--user', `${squid.domain}\\${squid.user}`, '--mode', 'proxy', `0:127.0.0.1:${echo.port}`], 1, cleanEnv({ PTUNNEL_PROXY_PASSWORD: squid.password }));
  }, 60_000);
  afterAll(async () => {
    good?.proc.kill('SIGTERM');
    await good?.exited;
    await echo?.close();
    await squid?.stop();
  });

  it.each([
    ['a wrong password', 'ptfrank', 'not the right one'],
    ['an unknown user', 'nosuchuser', 'the right one'],
  ])('%s: one line naming NTLM and the user, exit 1, and the other ptunnel unharmed', async (_what, user, password) => {
    const bad = await startCli(['--proxy', squid.url, '--user', `${squid.domain}\\${user}`, '--proxy-auth', 'ntlm', '--mode', 'proxy', `0:127.0.0.1:${echo.port}`], 1, cleanEnv({ PTUNNEL_PROXY_PASSWORD: password }));
    const client = await connect(bad.ports[0] as number);
    expect((await readAll(client)).length).toBe(0);
    expect(await bad.exited).toBe(1);
    const last = bad.stderr().trimEnd().split('\n').pop() ?? '';
    expect(last).toMatch(new RegExp(`rejected the credentials for user "${squid.domain}\\\\${user}" \\(407\\) to NTLM authentication; .*ptunnel stops`));
    expect(bad.stderr()).not.toContain(password);
    expect(bad.stderr()).not.toMatch(/^\s+at /m);
    expect(await echoOnce(good.ports[0] as number, 'unharmed\n')).toBe('unharmed\n');
  }, 60_000);
});
