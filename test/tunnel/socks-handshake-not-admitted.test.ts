import net from 'node:net';
import { freePort } from '../support/ports';
import { startEchoServer, TestServer } from '../support/servers';
import { Command, encodeGreeting, encodeRequest, Method } from '../../src/listeners/socks/codec';
import { readReply, socks5Connect } from '../support/socks-client';
import { RunningTunnel, startTunnel } from '../support/tunnel';

function silent(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    s.once('connect', () => resolve(s)).once('error', reject);
  });
}

/** Resolves with whether the server closed (or reset) the socket within `ms`. */
function closedWithin(socket: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

describe.each([
  ['--max-connections', { maxConnections: 2 }],
  ['--max-connections-per-tunnel', { maxConnectionsPerTunnel: 2 }],
])('SOCKS clients still in their handshake do not count against %s', (_flag, limits) => {
  let echo: TestServer;
  let tunnel: RunningTunnel;
  let socksPort: number;
  const sockets: net.Socket[] = [];

  beforeAll(async () => {
    echo = await startEchoServer();
    socksPort = await freePort();
    tunnel = await startTunnel({ flags: { mode: 'direct', 'socks.listen': `127.0.0.1:${socksPort}`, ...limits } });
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await tunnel?.close();
    await echo?.close();
  });

  it('N silent clients (limit N) leave room for a real request, and are not counted as open', async () => {
    sockets.push(await silent(socksPort), await silent(socksPort));
    await new Promise((r) => setTimeout(r, 100));
    const real = await socks5Connect(socksPort, '127.0.0.1', echo.port);
    sockets.push(real);
    const echoed = new Promise<string>((r) => real.once('data', (d: Buffer) => r(d.toString())));
    real.write('through');
    expect(await echoed).toBe('through');
    expect(tunnel.service.snapshot().activeConnections).toBe(1);
    expect(tunnel.service.snapshot().socks?.active).toBe(1);
  });

  it('the handshakes in progress have a bound of their own: past 64, a new client is closed at once', async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const waiting = await Promise.all(Array.from({ length: 64 }, () => silent(socksPort)));
    sockets.push(...waiting);
    await new Promise((r) => setTimeout(r, 100));
    const over = net.connect(socksPort, '127.0.0.1');
    over.on('error', () => undefined);
    sockets.push(over);
    expect(await closedWithin(over, 2000)).toBe(true);
    expect(await closedWithin(waiting[0] as net.Socket, 200)).toBe(false);
    expect(tunnel.logs.some((l) => /SOCKS handshakes in progress \(64\)/.test(l))).toBe(true);
  });
});

describe('a SOCKS client over the connection limit once its request is read', () => {
  let echo: TestServer;
  let tunnel: RunningTunnel;
  let socksPort: number;
  afterAll(async () => {
    await tunnel?.close();
    await echo?.close();
  });

  it('gets the SOCKS5 reply "general failure" (1), not a reset, and the live connection runs on', async () => {
    echo = await startEchoServer();
    socksPort = await freePort();
    tunnel = await startTunnel({ flags: { mode: 'direct', 'socks.listen': `127.0.0.1:${socksPort}`, maxConnections: 1 } });
    const live = await socks5Connect(socksPort, '127.0.0.1', echo.port);
    const refused = net.connect(socksPort, '127.0.0.1');
    await new Promise<void>((resolve, reject) => refused.once('connect', resolve).once('error', reject));
    refused.write(encodeGreeting([Method.none]));
    expect((await readReply(refused, 2)).bytes).toEqual(Buffer.from([5, Method.none]));
    refused.write(encodeRequest(Command.connect, { host: '127.0.0.1', port: echo.port }));
    const reply = await readReply(refused, 10);
    expect(reply.bytes.subarray(0, 2)).toEqual(Buffer.from([5, 1]));
    expect(await closedWithin(refused, 2000)).toBe(true);
    const echoed = new Promise<string>((r) => live.once('data', (d: Buffer) => r(d.toString())));
    live.write('still here');
    expect(await echoed).toBe('still here');
    live.destroy();
    expect(tunnel.logs.some((l) => /connection limit reached/.test(l))).toBe(true);
  });
});
