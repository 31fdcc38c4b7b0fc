import { PtunnelError } from '../../../src/errors';
import { connectViaProxy } from '../../../src/proxy/connector';
import { aliceSettings, answer407, ScriptedProxy, startScriptedProxy } from './scripted-proxy';

describe('a proxy offering only schemes ptunnel cannot do', () => {
  let proxy: ScriptedProxy;
  beforeAll(async () => {
    proxy = await startScriptedProxy(() => ({ reply: answer407(['Digest realm="corp", nonce="abc", qop="auth"', 'Bearer realm="x"']) }));
  });
  afterAll(async () => proxy.close());

  const attempt = (auth: 'auto' | 'ntlm' | 'basic') =>
    connectViaProxy({ proxy: aliceSettings(proxy.port, auth), host: '127.0.0.1', port: 9, timeoutMs: 5000 }).then(
      () => {
        throw new Error('the proxy let us in');
      },
      (e: unknown) => e as PtunnelError,
    );

  it('auto: one line naming what the proxy offers and that ptunnel does not speak it', async () => {
    const err = await attempt('auto');
    expect(err.code).toBe('ERR_PROXY_AUTH');
    expect(err.message).toMatch(/asks for Digest, Bearer, which ptunnel cannot use here: ptunnel does not speak Digest, Bearer \(it speaks Basic, NTLM and Negotiate\)/);
    expect(err.message).not.toContain('\n');
  });

  it.each([
    ['ntlm', 'NTLM'],
    ['basic', 'Basic'],
  ] as const)('--proxy-auth %s: "does not offer %s", with what it does offer', async (auth, name) => {
    const err = await attempt(auth);
    expect(err.code).toBe('ERR_PROXY_AUTH');
    expect(err.message).toContain(`does not offer ${name} authentication (it offers Digest, Bearer); set --proxy-auth to auto or to one of those`);
  });
});
