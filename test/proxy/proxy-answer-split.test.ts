import net from 'node:net';
import { FaultProxy, spliceTo, startFaultProxy } from '../support/fault-proxy';
import { readBytes, startBannerServer, TestServer } from '../support/servers';
import { startTunnel } from '../support/tunnel';

const ANSWER = 'HTTP/1.1 200 Connection established\r\nProxy-Agent: test\r\n\r\n';

/** Writes `text` one byte per tick, so every byte is its own TCP segment. */
async function dribble(socket: net.Socket, text: string): Promise<void> {
  for (const ch of text) {
    socket.write(ch);
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe('the proxy answer arriving in odd pieces', () => {
  let server: TestServer;
  const proxies: FaultProxy[] = [];
  beforeAll(async () => {
    server = await startBannerServer('SSH-2.0-test-server\r\n');
  });
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await server?.close();
  });

  async function throughProxy(behave: (socket: net.Socket, head: string) => void): Promise<string> {
    const proxy = await startFaultProxy(behave);
    proxies.push(proxy);
    const tunnel = await startTunnel({ flags: { 'proxy.url': proxy.url, mode: 'proxy', tunnels: [`0:127.0.0.1:${server.port}`] } });
    const client = net.connect(tunnel.port(), '127.0.0.1');
    const banner = (await readBytes(client, 'SSH-2.0-test-server\r\n'.length)).toString();
    client.resume();
    client.write('SSH-2.0-client\r\n');
    const echoed = (await readBytes(client, 'SSH-2.0-client\r\n'.length)).toString();
    client.end();
    await tunnel.ended(1);
    await tunnel.close();
    return banner + echoed;
  }

  it('works when the answer comes byte by byte', async () => {
    const got = await throughProxy((socket, head) => {
      const m = /^CONNECT (\S+):(\d+)/.exec(head) as RegExpExecArray;
      const upstream = net.connect(Number(m[2]), m[1]);
      upstream.once('connect', async () => {
        await dribble(socket, ANSWER);
        socket.pipe(upstream);
        upstream.pipe(socket);
      });
    });
    expect(got).toBe('SSH-2.0-test-server\r\nSSH-2.0-client\r\n');
  });

  it('gives the client the server bytes that came in the same packet as the 200', async () => {
    const got = await throughProxy((socket, head) => {
      const m = /^CONNECT (\S+):(\d+)/.exec(head) as RegExpExecArray;
      const upstream = net.connect(Number(m[2]), m[1]);
      // Read the banner first, then send answer + banner in one write.
      upstream.once('data', (banner: Buffer) => {
        socket.write(Buffer.concat([Buffer.from(ANSWER), banner]));
        socket.pipe(upstream);
        upstream.pipe(socket);
      });
    });
    expect(got).toBe('SSH-2.0-test-server\r\nSSH-2.0-client\r\n');
  });

  it('is unaffected by a plain splicing proxy (control)', async () => {
    expect(await throughProxy((socket, head) => spliceTo(socket, head))).toBe('SSH-2.0-test-server\r\nSSH-2.0-client\r\n');
  });
});
