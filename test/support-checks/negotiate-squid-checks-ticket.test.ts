import { NegotiateSquid, negotiateSquidUnavailable, startNegotiateSquid } from '../support/kdc';
import { connectHead, curlThrough, startTarget } from './curl';

/**
 * The Negotiate squid the proxy-auth tests use must really check Kerberos tickets against its
 * keytab: curl gets through with a ticket from the KDC (cache or client keytab) and only then.
 */
const unavailable = negotiateSquidUnavailable();
(unavailable ? describe.skip : describe)(`squid + MIT KDC checks Negotiate tickets${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let squid: NegotiateSquid;
  let target: Awaited<ReturnType<typeof startTarget>>;

  beforeAll(async () => {
    target = await startTarget();
    squid = await startNegotiateSquid({ user: 'ptalice', password: 'Corr3ct horse!' });
  }, 60_000);

  afterAll(async () => {
    await squid?.stop();
    await target?.close();
  });

  const negotiate = (env: NodeJS.ProcessEnv) =>
    curlThrough(['--proxy-negotiate', '-U', ':', '-x', squid.url], target.url, squid.clientEnv(env), squid.wrap);

  it('lets a ticket from a kinit cache through', async () => {
    const result = await negotiate({ KRB5CCNAME: await squid.kinit() });
    expect(result).toEqual({ connect: 200, status: 200, body: 'through the proxy\n' });
    expect(squid.accessLog()).toMatch(new RegExp(`TCP_TUNNEL/200 .* CONNECT 127\\.0\\.0\\.1:\\d+ ${squid.user}@${squid.realm.replace(/\./g, '\\.')} `));
  });

  it('lets a client keytab through (KRB5_CLIENT_KTNAME, empty cache)', async () => {
    const keytab = await squid.clientKeytab();
    const result = await negotiate({ KRB5_CLIENT_KTNAME: keytab, KRB5CCNAME: `FILE:${squid.kdc.dir}/keytab-cache` });
    expect(result).toMatchObject({ connect: 200, status: 200 });
  });

  it('answers a request without credentials with 407 offering Negotiate only', async () => {
    const head = await connectHead(squid.port, new URL(target.url).host);
    expect(head).toMatch(/^HTTP\/1\.1 407 /);
    expect(head.match(/^Proxy-Authenticate: .*$/gim)).toEqual(['Proxy-Authenticate: Negotiate']);
  });

  it('answers a client without a ticket with 407', async () => {
    expect(await negotiate({ KRB5CCNAME: `FILE:${squid.kdc.dir}/no-such-cache` })).toMatchObject({ connect: 407, status: 0 });
  });

  it('does not issue a ticket for a wrong password', async () => {
    await expect(squid.kdc.kinit(squid.user, 'wrong')).rejects.toThrow(/kinit/);
  });

  // Last: it changes the service key for the rest of the file.
  it('answers a ticket its keytab cannot decrypt with 407', async () => {
    await squid.kdc.rotateKeys(`HTTP/${squid.host}`);
    expect(await negotiate({ KRB5CCNAME: await squid.kinit() })).toMatchObject({ connect: 407, status: 0 });
  });
});
