import { parseAuthenticate } from '../../../src/proxy/auth/ntlm/messages';
import { connectViaProxy } from '../../../src/proxy/connector';
import { startEchoServer, TestServer } from '../../support/servers';
import { ntlmChallenge } from './ntlm-challenge';
import { aliceSettings, answer407, ScriptedProxy, startScriptedProxy } from './scripted-proxy';

describe('an NTLM challenge without target info', () => {
  let target: TestServer;
  let proxy: ScriptedProxy;

  beforeAll(async () => {
    target = await startEchoServer();
    proxy = await startScriptedProxy((_req, { round }) =>
      round === 1 ? { reply: answer407([ntlmChallenge({ targetInfo: false, targetName: 'OTHERREALM' })]) } : 'tunnel',
    );
  });
  afterAll(async () => {
    await proxy?.close();
    await target?.close();
  });

  it("is answered with an NTLMv2 type 3 in the user's domain, not the challenge's target name", async () => {
    const t = await connectViaProxy({ proxy: aliceSettings(proxy.port), host: '127.0.0.1', port: target.port, timeoutMs: 5000 });
    t.socket.destroy();
    const type3 = proxy.connections[0]?.[1]?.authorization ?? '';
    expect(type3).toMatch(/^NTLM [A-Za-z0-9+/]+=*$/);
    const fields = parseAuthenticate(type3.slice(5));
    expect(fields).toMatchObject({ user: 'alice', domain: 'CORP' });
    // NTLMv2: a 16-byte proof plus the client blob; an NTLMv1 response would be exactly 24 bytes.
    expect(fields.ntResponse.length).toBeGreaterThan(24);
    expect(fields.lmResponse.equals(Buffer.alloc(24)) || fields.lmResponse.length === 24).toBe(true);
  });
});
