import { PtunnelError } from '../../../src/errors';
import { connectViaProxy } from '../../../src/proxy/connector';
import { ntlmChallenge } from './ntlm-challenge';
import { aliceSettings, answer407, ScriptedProxy, startScriptedProxy } from './scripted-proxy';

describe('a proxy that answers every authentication with another 407', () => {
  let proxy: ScriptedProxy | undefined;
  afterEach(async () => proxy?.close());

  it.each(['ntlm', 'auto'] as const)('--proxy-auth %s: a bounded number of rounds, then one line naming NTLM and the user', async (auth) => {
    proxy = await startScriptedProxy(() => ({ reply: answer407([ntlmChallenge()]) }));
    const err = await connectViaProxy({ proxy: aliceSettings(proxy.port, auth), host: '127.0.0.1', port: 9, timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PtunnelError);
    expect((err as PtunnelError).code).toBe('ERR_PROXY_AUTH');
    expect((err as PtunnelError).message).toMatch(/rejected the credentials for user "CORP\\alice" \(407\) to NTLM authentication/);
    expect(proxy.connections).toHaveLength(1);
    expect(proxy.connections[0]!.length).toBeLessThanOrEqual(5);
  });
});
