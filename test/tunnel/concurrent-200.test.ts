import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { startEchoServer, TestServer } from '../support/servers';
import { startProxy, TestProxy } from '../support/squid';
import { RunningTunnel, startTunnel } from '../support/tunnel';

const CONNECTIONS = 200;
const BYTES = 256 * 1024;

function echoRoundTrip(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const payload = randomBytes(BYTES);
    const want = createHash('sha256').update(payload).digest('hex');
    const got = createHash('sha256');
    let n = 0;
    const socket = net.connect(port, '127.0.0.1');
    socket.on('data', (c: Buffer) => {
      got.update(c);
      n += c.length;
      if (n === BYTES) socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(n === BYTES && got.digest('hex') === want));
    socket.write(payload);
  });
}

describe('200 concurrent connections through a real proxy', () => {
  let proxy: TestProxy;
  let server: TestServer;
  let tunnel: RunningTunnel;
  beforeAll(async () => {
    proxy = await startProxy();
    server = await startEchoServer();
    tunnel = await startTunnel({ flags: { 'proxy.url': proxy.url, mode: 'proxy', tunnels: [`0:127.0.0.1:${server.port}`] } });
  });
  afterAll(async () => {
    await tunnel?.close();
    await server?.close();
    await proxy?.stop();
  });

  it('carries every one intact', async () => {
    const results = await Promise.all(Array.from({ length: CONNECTIONS }, () => echoRoundTrip(tunnel.port())));
    expect(results.filter((ok) => ok)).toHaveLength(CONNECTIONS);
    const records = await tunnel.ended(CONNECTIONS);
    expect(records.every((r) => r.route === 'proxy' && r.bytesUp === BYTES && r.bytesDown === BYTES)).toBe(true);
    if (proxy.kind === 'squid') expect(proxy.accessLog().match(/TCP_TUNNEL\/200/g)?.length).toBe(CONNECTIONS);
  });
});
