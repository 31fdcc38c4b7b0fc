import { exchange } from '../support/client';
import { FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { startEchoServer, TestServer } from '../support/servers';
import { startTunnel } from '../support/tunnel';
import { answer407, ScriptedProxy, startScriptedProxy } from './auth/scripted-proxy';

describe('a list of proxies with --proxy-auth auto: the first down, the second asks for Basic', () => {
  let target: TestServer;
  let dead: FaultProxy;
  let basicProxy: ScriptedProxy;
  const basic = `Basic ${Buffer.from('CORP\\alice:pw').toString('base64')}`;

  beforeAll(async () => {
    target = await startEchoServer();
    // Started and closed: its port refuses, as a proxy that is down does.
    dead = await startFaultProxy((socket) => socket.destroy());
    await dead.close();
    basicProxy = await startScriptedProxy((req) => (req.authorization === basic ? 'tunnel' : { reply: answer407(['Basic realm="corp"']) }));
  });
  afterAll(async () => {
    await basicProxy?.close();
    await target?.close();
  });

  it('fails over to the second proxy and logs in there with Basic, after its 407, then remembers Basic', async () => {
    const tunnel = await startTunnel({
      flags: {
        'proxy.url': `${dead.url},${basicProxy.url}`,
        'proxy.user': 'CORP\\alice',
        'proxy.password': 'pw',
        'proxy.auth': 'auto',
        // Never direct: the bytes can only have come through the second proxy.
        mode: 'proxy',
        tunnels: [`0:127.0.0.1:${target.port}`],
      },
    });
    try {
      const first = await exchange(tunnel.port(), 'one', { end: true });
      const second = await exchange(tunnel.port(), 'two', { end: true });
      const records = await tunnel.ended(2);
      expect(first.received.toString()).toBe('one');
      expect(second.received.toString()).toBe('two');
      expect(records.map((r) => [r.route, r.outcome])).toEqual([
        ['proxy', 'ok'],
        ['proxy', 'ok'],
      ]);
      expect(dead.requests).toEqual([]);
      // No password before the proxy asked; the second connection starts with Basic.
      const rounds = basicProxy.connections.map((c) => c.map((r) => r.authorization ?? 'none'));
      expect(rounds).toEqual([['none', basic], [basic]]);
      const states = tunnel.service.snapshot().proxies?.map((p) => [p.url, p.state]);
      expect(states).toEqual([
        [dead.url, 'backoff'],
        [basicProxy.url, 'up'],
      ]);
    } finally {
      await tunnel.close();
    }
  });
});
