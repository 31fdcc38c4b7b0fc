import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { FaultProxy, spliceTo, startFaultProxy } from '../support/fault-proxy';
import { serve, startEchoServer, TestServer } from '../support/servers';
import { startTunnel } from '../support/tunnel';
import { FIRST_ANSWER_WAIT_MS } from '../../src/tunnel/pump';

const SIZE = 1024 * 1024;

/**
 * Behaviour: like squid, tear the whole tunnel down at the client's first FIN, dropping whatever
 * the server has not yet sent back.
 */
function killAtFirstFin(socket: net.Socket, head: string): void {
  const m = /^CONNECT (\S+):(\d+) /.exec(head);
  const upstream = net.connect({ host: m?.[1] ?? '127.0.0.1', port: Number(m?.[2]), allowHalfOpen: true });
  upstream.on('error', () => socket.destroy());
  upstream.once('connect', () => {
    socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
    socket.pipe(upstream, { end: false });
    upstream.pipe(socket);
    socket.on('end', () => {
      upstream.destroy();
      socket.destroy();
    });
  });
}

/** Sends `data`, then shutdown(SHUT_WR), then reads to the end: how many bytes came back intact. */
function sendThenHalfClose(port: number, data: Buffer): Promise<{ bytes: number; intact: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => undefined);
    s.on('close', () => {
      const got = Buffer.concat(chunks);
      resolve({ bytes: got.length, intact: got.equals(data) });
    });
    s.on('connect', () => s.end(data));
  });
}

/**
 * On proxy routes the client's FIN waits until the server has been quiet for --half-close-linger
 * (or has ended): through a proxy that kills the tunnel at the first FIN, the reply in flight
 * survives. Direct routes pass the FIN on at once.
 */
describe('half-close linger', () => {
  let echo: TestServer;
  let killer: FaultProxy;
  beforeAll(async () => {
    echo = await startEchoServer();
    killer = await startFaultProxy(killAtFirstFin);
  });
  afterAll(async () => {
    await killer?.close();
    await echo?.close();
  });

  it('brings 1 MiB back whole through a proxy that kills the tunnel at the first FIN', async () => {
    const tunnel = await startTunnel({ flags: { mode: 'proxy', 'proxy.url': killer.url, tunnels: [`0:127.0.0.1:${echo.port}`] } });
    const data = randomBytes(SIZE);
    const got = await sendThenHalfClose(tunnel.port(), data);
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    expect(got).toEqual({ bytes: SIZE, intact: true });
    expect(record).toMatchObject({ route: 'proxy', bytesUp: SIZE, bytesDown: SIZE });
  });

  it('loses the tail through that proxy with --half-close-linger 0 (the FIN passed on at once)', async () => {
    const tunnel = await startTunnel({
      flags: { mode: 'proxy', 'proxy.url': killer.url, halfCloseLinger: '0', tunnels: [`0:127.0.0.1:${echo.port}`] },
    });
    const got = await sendThenHalfClose(tunnel.port(), randomBytes(SIZE));
    await tunnel.ended(1);
    await tunnel.close();
    expect(got.bytes).toBeLessThan(SIZE);
  });

  // A server that streams until it sees the client's FIN, and tells when that was.
  const streamUntilFin = () => {
    let sawFin!: (ms: number) => void;
    const fin = new Promise<number>((r) => (sawFin = r));
    const server = serve((socket) => {
      const start = Date.now();
      const timer = setInterval(() => socket.write('tick\n'), 20);
      socket.resume();
      socket.on('end', () => {
        clearInterval(timer);
        sawFin(Date.now() - start);
        socket.end();
      });
      socket.on('close', () => clearInterval(timer));
    });
    return { server, fin };
  };

  it('passes the FIN on at once on a direct route, while the server is still sending', async () => {
    const { server, fin } = streamUntilFin();
    const streaming = await server;
    const tunnel = await startTunnel({ flags: { mode: 'direct', tunnels: [`0:127.0.0.1:${streaming.port}`] } });
    const client = net.connect({ port: tunnel.port(), host: '127.0.0.1', allowHalfOpen: true });
    client.resume();
    client.once('data', () => client.end());
    expect(await fin).toBeLessThan(200);
    await tunnel.ended(1);
    await tunnel.close();
    await streaming.close();
  });

  it('holds the FIN on a proxy route while the server is sending, and passes it once the server is quiet', async () => {
    let writes = 0;
    let finAfterLastWrite!: (ms: number) => void;
    const fin = new Promise<number>((r) => (finAfterLastWrite = r));
    let lastWrite = 0;
    // Sends ten chunks 50 ms apart after its first byte in, then goes quiet.
    const bursty = await serve((socket) => {
      socket.once('data', () => {
        const timer = setInterval(() => {
          socket.write('tick\n');
          lastWrite = Date.now();
          if (++writes === 10) clearInterval(timer);
        }, 50);
      });
      socket.on('end', () => {
        finAfterLastWrite(Date.now() - lastWrite);
        socket.end();
      });
    });
    const relay = await startFaultProxy((socket, head) => spliceTo(socket, head));
    const tunnel = await startTunnel({
      flags: { mode: 'proxy', 'proxy.url': relay.url, halfCloseLinger: '150ms', tunnels: [`0:127.0.0.1:${bursty.port}`] },
    });
    const client = net.connect({ port: tunnel.port(), host: '127.0.0.1', allowHalfOpen: true });
    let received = '';
    client.on('data', (c: Buffer) => (received += c.toString()));
    client.end('go');
    const quietMs = await fin;
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    await relay.close();
    await bursty.close();
    expect(writes).toBe(10);
    expect(received).toBe('tick\n'.repeat(10));
    expect(quietMs).toBeGreaterThanOrEqual(140);
    expect(quietMs).toBeLessThan(1000);
    expect(record?.outcome).toBe('ok');
  });

  it('waits for a first answer slower than the linger before it passes the FIN', async () => {
    // An echo that answers 600 ms late (a busy proxy, a slow link): with the linger alone (150 ms)
    // the FIN would go first and a proxy like squid would drop the answer.
    const slow = await serve((socket) => {
      socket.on('data', (d: Buffer) => setTimeout(() => socket.write(d), 600));
      socket.on('end', () => setTimeout(() => socket.end(), 700));
      socket.on('error', () => undefined);
    });
    const tunnel = await startTunnel({
      flags: { mode: 'proxy', 'proxy.url': killer.url, halfCloseLinger: '150ms', tunnels: [`0:127.0.0.1:${slow.port}`] },
    });
    const got = await sendThenHalfClose(tunnel.port(), Buffer.from('late answer\n'));
    await tunnel.ended(1);
    await tunnel.close();
    await slow.close();
    expect(got).toEqual({ bytes: 12, intact: true });
  });

  it('passes the FIN to a server that waits for it before answering, once the wait for an answer is over', async () => {
    let answered!: (ms: number) => void;
    const finSeen = new Promise<number>((r) => (answered = r));
    const started = Date.now();
    const waitsForFin = await serve((socket) => {
      let body = '';
      socket.on('data', (d: Buffer) => (body += d.toString()));
      socket.on('end', () => {
        answered(Date.now() - started);
        socket.end(body.toUpperCase());
      });
      socket.on('error', () => undefined);
    });
    const relay = await startFaultProxy((socket, head) => spliceTo(socket, head));
    const tunnel = await startTunnel({
      flags: { mode: 'proxy', 'proxy.url': relay.url, halfCloseLinger: '150ms', tunnels: [`0:127.0.0.1:${waitsForFin.port}`] },
    });
    const got = await sendThenHalfClose(tunnel.port(), Buffer.from('sort me'));
    const ms = await finSeen;
    await tunnel.ended(1);
    await tunnel.close();
    await relay.close();
    await waitsForFin.close();
    expect(got.bytes).toBe(7);
    expect(ms).toBeGreaterThanOrEqual(FIRST_ANSWER_WAIT_MS - 50);
    expect(ms).toBeLessThan(FIRST_ANSWER_WAIT_MS + 2000);
  });
});
