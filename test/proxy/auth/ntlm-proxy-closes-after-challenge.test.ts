import { connectViaProxy } from '../../../src/proxy/connector';
import { PtunnelError } from '../../../src/errors';
import { startBannerServer, TestServer, readBytes } from '../../support/servers';
import { ntlmChallenge } from './ntlm-challenge';
import { aliceSettings as settings, answer407, ScriptedProxy, startScriptedProxy } from './scripted-proxy';

describe('an NTLM proxy that closes the connection after its challenge', () => {
  let target: TestServer;
  let proxy: ScriptedProxy | undefined;

  beforeAll(async () => {
    target = await startBannerServer('SSH-2.0-target\r\n');
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });
  afterAll(async () => target.close());

  it('gets one retry on a new connection, which succeeds when the proxy keeps that one open', async () => {
    proxy = await startScriptedProxy((_req, { connection, round }) => {
      if (round === 2) return 'tunnel';
      return { reply: answer407([ntlmChallenge()]), close: connection === 0 };
    });
    const t = await connectViaProxy({ proxy: settings(proxy.port), host: '127.0.0.1', port: target.port, timeoutMs: 5000 });
    t.socket.resume();
    const banner = t.head.length > 0 ? t.head : await readBytes(t.socket, 16);
    expect(banner.toString()).toContain('SSH-2.0-target');
    t.socket.destroy();
    // The 407 did not say it closes, so the type 3 went out on the first connection before the FIN came.
    expect(proxy.connections.map((c) => c.length)).toEqual([2, 2]);
    expect(proxy.connections[1]?.[1]?.authorization).toMatch(/^NTLM /);
  });

  it('ends with one line after the retry is cut short too, and tries no third time', async () => {
    proxy = await startScriptedProxy(() => ({ reply: answer407([ntlmChallenge()]), close: true }));
    const err = await connectViaProxy({ proxy: settings(proxy.port), host: '127.0.0.1', port: target.port, timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PtunnelError);
    expect((err as PtunnelError).code).toBe('ERR_PROXY_AUTH');
    expect((err as PtunnelError).message).toMatch(/next round of the NTLM handshake, and again on a new connection; the proxy must keep the connection open/);
    expect((err as PtunnelError).message).not.toContain('\n');
    expect(proxy.connections).toHaveLength(2);
  });
});
