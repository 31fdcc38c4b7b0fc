import { NtlmSquid, ntlmSquidUnavailable, startNtlmSquid } from '../support/ntlm-squid';
import { curlThrough, startTarget } from './curl';

/**
 * Two jest workers may each start an NTLM squid at the same time. winbindd's client socket dir
 * is compiled in, so without private namespaces the second winbindd would answer for the first
 * one's users (or not start): each squid must accept its own user only.
 */
const unavailable = ntlmSquidUnavailable();
(unavailable ? describe.skip : describe)(`NTLM squids started at once are independent${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let a: NtlmSquid;
  let b: NtlmSquid;
  let target: Awaited<ReturnType<typeof startTarget>>;

  beforeAll(async () => {
    target = await startTarget();
    [a, b] = await Promise.all([
      startNtlmSquid({ user: 'ptanna', password: 'pw-of-anna', domain: 'PTUNNELA' }),
      startNtlmSquid({ user: 'ptbert', password: 'pw-of-bert', domain: 'PTUNNELB' }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await target?.close();
  });

  const login = (squid: NtlmSquid, who: NtlmSquid) =>
    curlThrough(['--proxy-ntlm', '-U', `${who.domain}\\${who.user}:${who.password}`, '-x', squid.url], target.url).then((r) => r.connect);

  it('each accepts its own user and refuses the other one', async () => {
    expect(await Promise.all([login(a, a), login(b, b), login(a, b), login(b, a)])).toEqual([200, 200, 407, 407]);
  });
});
