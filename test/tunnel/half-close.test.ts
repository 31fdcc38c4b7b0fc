import net from 'node:net';
import { FaultProxy, spliceTo, startFaultProxy } from '../support/fault-proxy';
import { readAll, serve, TestServer } from '../support/servers';
import { startTunnel } from '../support/tunnel';

/**
 * The client ends its side (shutdown(SHUT_WR)) and still receives the reply. Squid tears a
 * tunnel down at the first FIN, so this runs direct and through a splicing proxy in test code
 * that keeps half-closed connections, as the CONNECT method allows.
 */
describe('half-close', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  beforeAll(async () => {
    // Replies only after the client has finished: the reply must travel after the client's FIN.
    server = await serve((socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => setTimeout(() => socket.end(Buffer.concat(chunks).toString().toUpperCase()), 50));
    });
    proxy = await startFaultProxy((socket, head) => spliceTo(socket, head));
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });

  it.each(['direct', 'proxy'])('%s: the client ends its side and still gets the whole reply', async (mode) => {
    const tunnel = await startTunnel({
      flags: { mode, ...(mode === 'proxy' ? { 'proxy.url': proxy.url } : {}), tunnels: [`0:127.0.0.1:${server.port}`] },
    });
    const client = net.connect({ port: tunnel.port(), host: '127.0.0.1', allowHalfOpen: true });
    const reply = readAll(client);
    client.end('please shout this');
    expect((await reply).toString()).toBe('PLEASE SHOUT THIS');
    client.end();
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    expect(record).toMatchObject({ outcome: 'ok', bytesUp: 17, bytesDown: 17 });
  });

  it.each(['direct', 'proxy'])('%s: the server ends its side first and still gets what the client sends after', async (mode) => {
    let heard!: (text: string) => void;
    const serverHeard = new Promise<string>((r) => (heard = r));
    const first = await serve((socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => heard(Buffer.concat(chunks).toString()));
      socket.end('hello, say bye and go');
    });
    const tunnel = await startTunnel({
      flags: { mode, ...(mode === 'proxy' ? { 'proxy.url': proxy.url } : {}), tunnels: [`0:127.0.0.1:${first.port}`] },
    });
    const client = net.connect({ port: tunnel.port(), host: '127.0.0.1', allowHalfOpen: true });
    expect((await readAll(client)).toString()).toBe('hello, say bye and go');
    client.end('bye');
    expect(await serverHeard).toBe('bye');
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    await first.close();
    // The server hung up first: told apart from a plain "ok" (issue 16).
    expect(record).toMatchObject({ outcome: 'upstream-closed-first', bytesUp: 3, bytesDown: 21 });
  });

  it('lets the other direction run past the half-close timeout while it keeps moving', async () => {
    const trickle = await serve((socket) => {
      socket.resume();
      socket.on('end', () => {
        let n = 0;
        const timer = setInterval(() => {
          socket.write(`chunk${n}\n`);
          if (++n === 8) {
            clearInterval(timer);
            socket.end();
          }
        }, 60);
      });
    });
    const tunnel = await startTunnel({ flags: { mode: 'direct', halfCloseTimeout: '200ms', tunnels: [`0:127.0.0.1:${trickle.port}`] } });
    const client = net.connect({ port: tunnel.port(), host: '127.0.0.1', allowHalfOpen: true });
    const reply = readAll(client);
    client.end('go');
    const text = (await reply).toString();
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    await trickle.close();
    expect(text.split('\n').filter(Boolean)).toHaveLength(8);
    expect(record?.outcome).toBe('ok');
    expect(record?.durationMs).toBeGreaterThan(400);
  });

  it('resets the client when the other direction outlives the half-close timeout', async () => {
    const silent = await serve((socket) => socket.resume()); // never ends its side
    const tunnel = await startTunnel({ flags: { mode: 'direct', halfCloseTimeout: '200ms', tunnels: [`0:127.0.0.1:${silent.port}`] } });
    const client = net.connect({ port: tunnel.port(), host: '127.0.0.1', allowHalfOpen: true });
    // A stream cut short by the timeout must not look complete: a reset, not an end of stream.
    const clientEnding = new Promise<string>((resolve) => {
      client.on('end', () => resolve('end'));
      client.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    client.resume();
    client.end('bye');
    expect(await clientEnding).toBe('ECONNRESET');
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    await silent.close();
    expect(record?.outcome).toBe('half-close-timeout');
    expect(record?.durationMs).toBeGreaterThanOrEqual(190);
  });
});
