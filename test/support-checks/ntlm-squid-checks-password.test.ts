import { NtlmSquid, ntlmSquidUnavailable, startNtlmSquid } from '../support/ntlm-squid';
import { logged } from '../support/mail-servers';
import { connectHead, curlThrough, startTarget } from './curl';

/**
 * The NTLM squid the proxy-auth tests use must really check the NTLMv2 response against Samba,
 * or those tests prove nothing: curl gets through with the right password only.
 */
const unavailable = ntlmSquidUnavailable();
(unavailable ? describe.skip : describe)(`squid + Samba ntlm_auth checks NTLM credentials${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let squid: NtlmSquid;
  let target: Awaited<ReturnType<typeof startTarget>>;

  beforeAll(async () => {
    target = await startTarget();
    squid = await startNtlmSquid({ user: 'ptalice', password: 'Corr3ct horse!' });
  }, 60_000);

  afterAll(async () => {
    await squid?.stop();
    await target?.close();
  });

  const ntlm = (userpass: string) => curlThrough(['--proxy-ntlm', '-U', userpass, '-x', squid.url], target.url);

  it('lets the right password through', async () => {
    const result = await ntlm(`${squid.domain}\\${squid.user}:${squid.password}`);
    expect(result).toEqual({ connect: 200, status: 200, body: 'through the proxy\n' });
    // squid writes a tunnel's line when the tunnel has closed, a moment after curl is done.
    const line = new RegExp(`TCP_TUNNEL/200 .* CONNECT 127\\.0\\.0\\.1:\\d+ ${squid.domain}\\\\+${squid.user} `);
    expect(await logged(squid.accessLog, line)).toMatch(line);
  });

  it('answers a wrong password with 407', async () => {
    expect(await ntlm(`${squid.domain}\\${squid.user}:wrong`)).toMatchObject({ connect: 407, status: 0 });
  });

  it('answers an unknown user with 407', async () => {
    expect(await ntlm(`${squid.domain}\\ptmallory:${squid.password}`)).toMatchObject({ connect: 407, status: 0 });
  });

  it('answers a request without credentials with 407 offering NTLM only', async () => {
    const head = await connectHead(squid.port, new URL(target.url).host);
    expect(head).toMatch(/^HTTP\/1\.1 407 /);
    expect(head.match(/^Proxy-Authenticate: .*$/gim)).toEqual(['Proxy-Authenticate: NTLM']);
  });
});
