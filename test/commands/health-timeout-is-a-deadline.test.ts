import net from 'node:net';
import { dispatch } from '../../src/cli/main';
import { captureIo } from '../support/cli';

describe('ptunnel health --timeout', () => {
  it('bounds the whole request: a server that trickles its answer does not keep it waiting', async () => {
    // Headers at once, then one body byte every 100 ms, forever: never idle, never done.
    const timers = new Set<NodeJS.Timeout>();
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n');
      const t = setInterval(() => socket.write('1\r\nk\r\n'), 100);
      timers.add(t);
      socket.on('close', () => clearInterval(t));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    const { io, out } = captureIo();
    const started = Date.now();
    const code = await Promise.race([
      dispatch(['health', '--admin', `127.0.0.1:${port}`, '--timeout', '1s'], io),
      new Promise<string>((r) => setTimeout(() => r('still waiting after 5 s'), 5000).unref()),
    ]);
    const took = Date.now() - started;
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
    expect(code).toBe(1);
    expect(took).toBeLessThan(1500);
    expect(out.stderr).toMatch(/\/readyz: no answer within 1s$/m);
  });
});
