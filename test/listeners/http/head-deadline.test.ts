import http from 'node:http';
import net from 'node:net';
import { HttpProxyServer } from '../../../src/listeners/http/server';

/** A client that never finishes its request head is answered 408 and let go at the deadline. */
describe('HTTP proxy request-head deadline', () => {
  let listener: net.Server;
  let port: number;
  const refused: string[] = [];
  let routed = 0;
  let origin: http.Server;
  let originPort: number;

  beforeAll(async () => {
    origin = http.createServer((_req, res) => res.end('first\n'));
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    originPort = (origin.address() as net.AddressInfo).port;
    const proxy = new HttpProxyServer({
      headersTimeoutMs: 300,
      denied: () => undefined,
      forwarder: {
        route: async () => {
          routed += 1;
          return { route: 'direct', open: async () => net.connect(originPort, '127.0.0.1') };
        },
        idleTimeoutMs: () => 0,
      },
    });
    listener = net.createServer((socket) =>
      proxy.accept(socket, { connect: () => undefined, forwarding: () => undefined, forwarded: () => undefined, refused: (_kind, reason) => refused.push(reason) }),
    );
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    port = (listener.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => listener.close(r));
    await new Promise((r) => origin.close(r));
  });

  const slowClient = (bytes: string) =>
    new Promise<{ text: string; ms: number }>((resolve) => {
      const started = Date.now();
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('close', () => resolve({ text, ms: Date.now() - started }));
      socket.write(bytes);
    });

  it.each([
    ['nothing at all', ''],
    ['half a request line', 'GET http://example.com/ HT'],
    ['a head without its end', 'GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n'],
  ])('%s: 408 with Connection: close at the deadline, nothing routed', async (_name, bytes) => {
    const { text, ms } = await slowClient(bytes);
    expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*Connection: close\r\n\r\nrequest head not received in time\n$/);
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(2000);
    expect(routed).toBe(0);
  });

  it('the deadline starts again for the next request on a kept-alive connection', async () => {
    const { text, ms } = await slowClient('GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\nGET http://example.com/ HT');
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*first\n[\s\S]*HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(routed).toBe(1);
    expect(refused).toContain('request head not received in time');
  });
});
