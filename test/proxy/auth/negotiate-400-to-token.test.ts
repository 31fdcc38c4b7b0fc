import { cleanEnv, startCli } from '../../support/cli';
import { NegotiateSquid, negotiateSquidUnavailable, startNegotiateSquid } from '../../support/kdc';
import { connect, readAll } from '../../support/servers';
import { answer407, ScriptedProxy, startScriptedProxy } from './scripted-proxy';

const unavailable = negotiateSquidUnavailable();
(unavailable ? describe.skip : describe)(`a proxy answering 400 to a Negotiate token${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  // Only the KDC and the service principal are used: the proxy here is test code.
  let squid: NegotiateSquid;
  let proxy: ScriptedProxy;

  beforeAll(async () => {
    squid = await startNegotiateSquid({ user: 'pt400', password: 'Bad Request' });
    proxy = await startScriptedProxy((req) =>
      req.authorization === undefined ? { reply: answer407(['Negotiate']) } : { reply: 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n', close: true },
    );
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await squid?.stop();
  });

  it('is a one-line ERR_PROXY_AUTH naming Negotiate, exit 1, and the token stays out of the logs', async () => {
    const env = cleanEnv(squid.clientEnv({ KRB5CCNAME: await squid.kinit() }));
    // By IP address with --proxy-spn: the service name need not be the address ptunnel dials.
    const cli = await startCli(['-vv', '--proxy', proxy.url, '--proxy-spn', `HTTP@${squid.host}`, '--mode', 'proxy', '0:127.0.0.1:9'], 1, env);
    const client = await connect(cli.ports[0] as number);
    expect((await readAll(client)).length).toBe(0);
    expect(await cli.exited).toBe(1);
    const token = proxy.connections.flat().find((r) => r.authorization)?.authorization ?? '';
    expect(token).toMatch(/^Negotiate [A-Za-z0-9+/]{100,}=*$/);
    const last = cli.stderr().trimEnd().split('\n').pop() ?? '';
    expect(last).toMatch(/answered the Negotiate authentication of the Kerberos login of this process with HTTP\/1\.1 400 Bad Request/);
    expect(cli.stderr()).not.toContain(token.slice(10, 60));
  }, 60_000);
});
