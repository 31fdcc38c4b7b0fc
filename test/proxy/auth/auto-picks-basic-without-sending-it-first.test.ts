import { connectViaProxy } from '../../../src/proxy/connector';
import { startEchoServer, TestServer } from '../../support/servers';
import { aliceSettings, answer407, ScriptedProxy, startScriptedProxy } from './scripted-proxy';

describe('--proxy-auth auto against a Basic proxy', () => {
  let target: TestServer;
  let proxy: ScriptedProxy;
  const basic = `Basic ${Buffer.from('CORP\\alice:pw').toString('base64')}`;

  beforeAll(async () => {
    target = await startEchoServer();
    proxy = await startScriptedProxy((req) => (req.authorization === basic ? 'tunnel' : { reply: answer407(['Basic realm="corp"']) }));
  });
  afterAll(async () => {
    await proxy?.close();
    await target?.close();
  });

  it('sends no password before the proxy asks for Basic, then remembers Basic: one 407 in all', async () => {
    const settings = aliceSettings(proxy.port, 'auto');
    for (let i = 0; i < 3; i++) {
      const t = await connectViaProxy({ proxy: settings, host: '127.0.0.1', port: target.port, timeoutMs: 5000 });
      t.socket.destroy();
    }
    const rounds = proxy.connections.map((c) => c.map((r) => r.authorization ?? 'none'));
    expect(rounds).toEqual([['none', basic], [basic], [basic]]);
  });
});
