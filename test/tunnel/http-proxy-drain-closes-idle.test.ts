import http from 'node:http';
import net from 'node:net';
import { freePort } from '../support/ports';
import { startTunnel } from '../support/tunnel';

/** A drain does not wait on clients that merely keep an idle connection open between requests. */
describe('HTTP proxy listener, drain', () => {
  it('closes idle kept-alive client connections at once; the drain cuts none', async () => {
    const web = http.createServer((_req, res) => res.end('ok\n'));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    const webPort = (web.address() as net.AddressInfo).port;
    const listenPort = await freePort();
    const tunnel = await startTunnel({ flags: { mode: 'direct', 'httpProxy.listen': `127.0.0.1:${listenPort}` } });
    const socket = net.connect(listenPort, '127.0.0.1');
    socket.on('error', () => undefined);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    let got = '';
    await new Promise<void>((resolve) => {
      socket.on('data', (d: Buffer) => {
        got += d.toString();
        if (got.endsWith('ok\n')) resolve();
      });
      socket.write(`GET http://127.0.0.1:${webPort}/ HTTP/1.1\r\nHost: x\r\n\r\n`);
    });
    expect(got).toMatch(/Connection: keep-alive/i);
    const started = Date.now();
    const cut = await tunnel.service.drain(10_000);
    const ms = Date.now() - started;
    await closed;
    await new Promise((r) => web.close(r));
    expect(cut).toBe(0);
    expect(ms).toBeLessThan(1000);
  });
});
