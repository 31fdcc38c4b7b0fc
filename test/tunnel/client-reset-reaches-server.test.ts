import net from 'node:net';
import { FaultProxy, spliceTo, startFaultProxy } from '../support/fault-proxy';
import { serve, TestServer } from '../support/servers';
import { startTunnel } from '../support/tunnel';

/**
 * A client that resets its connection reaches the server as a reset, not as a clean end of
 * stream, so that the server does not take a cut request for a complete one.
 */
describe('a client reset', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  let ending: Promise<string>;
  let heard: Promise<void>;
  beforeAll(async () => {
    proxy = await startFaultProxy((socket, head) => spliceTo(socket, head));
  });
  afterAll(async () => {
    await proxy?.close();
  });
  beforeEach(async () => {
    let seen!: (how: string) => void;
    let heardSome!: () => void;
    ending = new Promise((r) => (seen = r));
    heard = new Promise((r) => (heardSome = r));
    server = await serve((socket) => {
      // The reset comes once the pump runs (the request reached the server), not while connecting.
      socket.once('data', () => heardSome());
      socket.resume();
      socket.on('end', () => seen('end'));
      socket.on('error', (err: NodeJS.ErrnoException) => seen(err.code ?? 'error'));
    });
  });
  afterEach(async () => {
    await server.close();
  });

  it('direct: reaches the server as ECONNRESET, logged as client-reset', async () => {
    const tunnel = await startTunnel({ flags: { mode: 'direct', tunnels: [`0:127.0.0.1:${server.port}`] } });
    const client = net.connect({ port: tunnel.port(), host: '127.0.0.1', allowHalfOpen: true });
    client.on('error', () => undefined);
    client.write('half a request');
    await heard;
    client.resetAndDestroy();
    expect(await ending).toBe('ECONNRESET');
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    expect(record).toMatchObject({ route: 'direct', outcome: 'client-reset', bytesUp: 14 });
  });

  it('proxy: resets the connection to the proxy rather than ending it', async () => {
    // The splicing proxy ends its own side towards the server on a FIN and destroys it on a reset.
    const tunnel = await startTunnel({ flags: { mode: 'proxy', 'proxy.url': proxy.url, tunnels: [`0:127.0.0.1:${server.port}`] } });
    const client = net.connect({ port: tunnel.port(), host: '127.0.0.1', allowHalfOpen: true });
    client.on('error', () => undefined);
    client.write('half a request');
    await heard;
    client.resetAndDestroy();
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    expect(record).toMatchObject({ route: 'proxy', outcome: 'client-reset' });
    expect(await Promise.race([ending, new Promise((r) => setTimeout(() => r('nothing'), 500))])).not.toBe('end');
  });
});
