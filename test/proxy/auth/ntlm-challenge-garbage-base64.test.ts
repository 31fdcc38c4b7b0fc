import { PtunnelError } from '../../../src/errors';
import { connectViaProxy } from '../../../src/proxy/connector';
import { aliceSettings, answer407, ScriptedProxy, startScriptedProxy } from './scripted-proxy';

describe('an NTLM challenge that is not what it should be', () => {
  let proxy: ScriptedProxy | undefined;
  afterEach(async () => proxy?.close());

  it.each([
    ['garbage base64', 'NTLM !!not*base64!!\u0007'],
    ['base64 of garbage', `NTLM ${Buffer.from('hello, this is no NTLMSSP message').toString('base64')}`],
    ['a truncated message', `NTLM ${Buffer.from('NTLMSSP\0\x02\0\0\0', 'latin1').toString('base64')}`],
  ])('%s: one line naming the malformed challenge, ERR_PROXY_AUTH (never a reason to go direct)', async (_what, challenge) => {
    proxy = await startScriptedProxy(() => ({ reply: answer407([challenge]) }));
    const err = await connectViaProxy({ proxy: aliceSettings(proxy.port), host: '127.0.0.1', port: 9, timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PtunnelError);
    const e = err as PtunnelError;
    expect(e.code).toBe('ERR_PROXY_AUTH');
    // Garbage base64 is not even an NTLM offer (the header parser drops it): the proxy then offers nothing usable.
    expect(e.message).toMatch(/NTLM challenge is malformed|does not offer NTLM|NTLM could not answer/);
    // eslint-disable-next-line no-control-regex -- what must not be printed raw
    expect(e.message).not.toMatch(/[\u0000-\u001f]/);
    expect(proxy.connections.flat()).toHaveLength(1);
  });
});
