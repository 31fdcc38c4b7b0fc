import { PtunnelError } from '../../../src/errors';
import { connectViaProxy } from '../../../src/proxy/connector';
import { aliceSettings, answer407, ScriptedProxy, startScriptedProxy } from './scripted-proxy';

/*
 * A proxy that offers NTLM to the probe and then answers the NTLM type 1 with a 407 offering only
 * Basic. auto cannot go on (the handshake is half done); the message must not tell the user to
 * set --proxy-auth to auto, which is what they have.
 */
describe('--proxy-auth auto, and a proxy that changes its offer in the middle of a handshake', () => {
  let proxy: ScriptedProxy | undefined;
  afterEach(async () => proxy?.close());

  it('one line naming the scheme it dropped and what it offers now, without pointing back to auto', async () => {
    proxy = await startScriptedProxy((req) => ({ reply: answer407([req.authorization === undefined ? 'NTLM' : 'Basic realm="corp"']) }));
    const err = await connectViaProxy({ proxy: aliceSettings(proxy.port, 'auto'), host: '127.0.0.1', port: 9, timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PtunnelError);
    expect((err as PtunnelError).code).toBe('ERR_PROXY_AUTH');
    expect((err as PtunnelError).message).toMatch(/does not offer NTLM authentication \(it offers Basic\); set --proxy-auth to one of those$/);
    expect(proxy.connections.map((c) => c.map((r) => r.authorization?.split(' ')[0] ?? 'none'))).toEqual([['none', 'NTLM']]);
  });
});
