import net from 'node:net';
import { exchange } from '../support/client';
import { FaultProxy, spliceTo, startFaultProxy } from '../support/fault-proxy';
import { readBytes, startBannerServer, TestServer } from '../support/servers';
import { startTunnel } from '../support/tunnel';

const BANNER = '220 smtp.test ESMTP\r\n';

describe('a proxy that sends 1xx before its answer to CONNECT', () => {
  let server: TestServer;
  const proxies: FaultProxy[] = [];
  beforeAll(async () => {
    server = await startBannerServer(BANNER);
  });
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await server?.close();
  });

  async function proxyDoing(behave: (socket: net.Socket, head: string) => void): Promise<FaultProxy> {
    const proxy = await startFaultProxy(behave);
    proxies.push(proxy);
    return proxy;
  }

  it('100, a 200 ms pause, then 200 and the server banner in one packet: the banner reaches the client first', async () => {
    const proxy = await proxyDoing((socket, head) => {
      const m = /^CONNECT (\S+):(\d+)/.exec(head) as RegExpExecArray;
      socket.write('HTTP/1.1 100 Continue\r\n\r\n');
      const upstream = net.connect(Number(m[2]), m[1]);
      upstream.once('data', (banner: Buffer) => {
        setTimeout(() => {
          socket.write(Buffer.concat([Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n'), banner]));
          socket.pipe(upstream);
          upstream.pipe(socket);
        }, 200);
      });
    });
    const tunnel = await startTunnel({ flags: { 'proxy.url': proxy.url, mode: 'proxy', tunnels: [`0:127.0.0.1:${server.port}`] } });
    const client = net.connect(tunnel.port(), '127.0.0.1');
    const first = (await readBytes(client, BANNER.length)).toString();
    client.end();
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    expect(first).toBe(BANNER);
    expect(record).toMatchObject({ route: 'proxy', outcome: 'ok' });
  });

  it('100, 102 and 103 in one write with the 200: the tunnel opens', async () => {
    const interim = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n';
    const proxy = await proxyDoing((socket, head) => spliceTo(socket, head, `${interim}HTTP/1.1 200 OK\r\n\r\n`));
    const tunnel = await startTunnel({ flags: { 'proxy.url': proxy.url, mode: 'proxy', tunnels: [`0:127.0.0.1:${server.port}`] } });
    const client = net.connect(tunnel.port(), '127.0.0.1');
    const first = (await readBytes(client, BANNER.length)).toString();
    client.end();
    await tunnel.ended(1);
    await tunnel.close();
    expect(first).toBe(BANNER);
  });

  it('endless 100 Continue: ERR_PROXY_PROTOCOL at the 16 KiB bound, not a timeout', async () => {
    const proxy = await proxyDoing((socket) => {
      const one = 'HTTP/1.1 100 Continue\r\n\r\n';
      const flood = () => {
        if (socket.destroyed) return;
        socket.write(one.repeat(64));
        setImmediate(flood);
      };
      flood();
    });
    const tunnel = await startTunnel({
      flags: { 'proxy.url': proxy.url, mode: 'auto', connectTimeout: '5s', tunnels: [`0:127.0.0.1:${server.port}`] },
    });
    const started = Date.now();
    const result = await exchange(tunnel.port(), 'EHLO me\r\n');
    const [record] = await tunnel.ended(1);
    const state = tunnel.service.snapshot().proxy?.state;
    await tunnel.close();
    expect(result.received.length).toBe(0);
    expect(record?.outcome).toBe('ERR_PROXY_PROTOCOL');
    expect(record?.error?.message).toMatch(/exceed 16384 bytes .*interim 1xx/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(state).toBe('up');
  });

  it('101 Switching Protocols is refused as a protocol error, and nothing after it reaches the client', async () => {
    const proxy = await proxyDoing((socket) => socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\nPRI * HTTP/2.0'));
    const tunnel = await startTunnel({ flags: { 'proxy.url': proxy.url, mode: 'proxy', tunnels: [`0:127.0.0.1:${server.port}`] } });
    const result = await exchange(tunnel.port(), 'x');
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    expect(result.received.length).toBe(0);
    expect(record?.outcome).toBe('ERR_PROXY_PROTOCOL');
    expect(record?.error?.message).toMatch(/101 Switching Protocols, a protocol switch nobody asked for/);
  });
});
