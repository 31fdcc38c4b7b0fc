import { PtunnelError } from '../../../src/errors';
import { connectViaProxy } from '../../../src/proxy/connector';
import type { ConnectRequest } from '../../../src/proxy/connect-request';
import { startEchoServer, TestServer } from '../../support/servers';
import { ntlmChallenge } from './ntlm-challenge';
import { aliceSettings, Answer, answer407, ScriptedProxy, startScriptedProxy } from './scripted-proxy';

/**
 * auto remembers the scheme it chose per proxy address. The proxy at that address may be
 * reconfigured while ptunnel runs (Basic switched off, NTLM only): the memory must give way to
 * what the proxy offers now, not turn every later 407 into "rejected the credentials".
 */
describe('--proxy-auth auto when the proxy stops offering the remembered scheme', () => {
  let target: TestServer;
  let proxy: ScriptedProxy | undefined;
  const basic = `Basic ${Buffer.from('CORP\\alice:pw').toString('base64')}`;
  /** What a CONNECT carried, in short: none, Basic, NTLM1 (negotiate), NTLM3 (authenticate). */
  const step = (req: ConnectRequest) => {
    const auth = req.authorization;
    if (auth === undefined) return 'none';
    if (auth === basic) return 'Basic';
    // The message type sits after the 8-byte "NTLMSSP\0" signature.
    if (auth.startsWith('NTLM ')) return `NTLM${Buffer.from(auth.slice(5), 'base64').readUInt32LE(8)}`;
    return auth;
  };
  const rounds = () => proxy!.connections.map((c) => c.map(step));

  beforeAll(async () => {
    target = await startEchoServer();
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });
  afterAll(async () => target?.close());

  /** A proxy that takes Basic until `offers` says otherwise; then NTLM (or whatever it names). */
  async function switchingProxy(state: { offers: 'basic' | 'ntlm' | 'digest'; closeAfterRefusal?: boolean }) {
    proxy = await startScriptedProxy((req): Answer => {
      const s = step(req);
      if (state.offers === 'basic') return s === 'Basic' ? 'tunnel' : { reply: answer407(['Basic realm="corp"']) };
      if (state.offers === 'digest') return { reply: answer407(['Digest realm="corp", nonce="abc"']) };
      if (s === 'NTLM1') return { reply: answer407([ntlmChallenge()]) };
      if (s === 'NTLM3') return 'tunnel';
      return state.closeAfterRefusal ? { reply: answer407(['NTLM'], 'Connection: close\r\n'), close: true } : { reply: answer407(['NTLM']) };
    });
    return aliceSettings(proxy.port, 'auto');
  }

  const open = async (settings: ReturnType<typeof aliceSettings>) => {
    const t = await connectViaProxy({ proxy: settings, host: '127.0.0.1', port: target.port, timeoutMs: 5000 });
    t.socket.destroy();
  };

  it('switches to NTLM on the same connection, then starts with NTLM', async () => {
    const state: { offers: 'basic' | 'ntlm' } = { offers: 'basic' };
    const settings = await switchingProxy(state);
    await open(settings);
    await open(settings);
    state.offers = 'ntlm';
    await open(settings);
    await open(settings);
    expect(rounds()).toEqual([['none', 'Basic'], ['Basic'], ['Basic', 'NTLM1', 'NTLM3'], ['NTLM1', 'NTLM3']]);
  });

  it('a proxy that closes after refusing Basic gets the NTLM handshake on one new connection', async () => {
    const state: { offers: 'basic' | 'ntlm'; closeAfterRefusal: boolean } = { offers: 'basic', closeAfterRefusal: true };
    const settings = await switchingProxy(state);
    await open(settings);
    state.offers = 'ntlm';
    await open(settings);
    expect(rounds()).toEqual([['none', 'Basic'], ['Basic'], ['NTLM1', 'NTLM3']]);
  });

  it('a proxy that now offers only what ptunnel cannot speak: one line naming it, and the next attempt probes afresh', async () => {
    const state: { offers: 'basic' | 'digest' } = { offers: 'basic' };
    const settings = await switchingProxy(state);
    await open(settings);
    state.offers = 'digest';
    const err = await open(settings).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PtunnelError);
    expect((err as PtunnelError).code).toBe('ERR_PROXY_AUTH');
    expect((err as PtunnelError).message).toMatch(/asks for Digest, which ptunnel cannot use here: ptunnel does not speak Digest/);
    expect((err as PtunnelError).message).not.toMatch(/rejected the credentials/);
    state.offers = 'basic';
    await open(settings);
    // The refused attempt forgot Basic, so the one after it sends no password before the proxy asks.
    expect(rounds()).toEqual([['none', 'Basic'], ['Basic'], ['none', 'Basic']]);
  });
});
