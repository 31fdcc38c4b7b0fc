import { createHash } from 'node:crypto';
import { connect, deterministicStream, startHashServer, TestServer } from '../support/servers';
import { startProxy, TestProxy } from '../support/squid';
import { RunningTunnel, startTunnel } from '../support/tunnel';

const SIZE = 64 * 1024 * 1024;

describe('a 64 MiB stream each way through a real proxy', () => {
  let proxy: TestProxy;
  let server: TestServer;
  let tunnel: RunningTunnel;
  let serverResult: Promise<{ sha256: string; bytes: number; sentSha256: string }>;

  beforeAll(async () => {
    proxy = await startProxy();
    let report!: (r: { sha256: string; bytes: number; sentSha256: string }) => void;
    serverResult = new Promise((resolve) => (report = resolve));
    server = await startHashServer(SIZE, SIZE, (r) => report(r));
    tunnel = await startTunnel({ flags: { 'proxy.url': proxy.url, mode: 'proxy', tunnels: [`0:127.0.0.1:${server.port}`] } });
  });

  afterAll(async () => {
    await tunnel?.close();
    await server?.close();
    await proxy?.stop();
  });

  it('arrives intact in both directions, and the proxy carried it', async () => {
    const socket = await connect(tunnel.port());
    const received = createHash('sha256');
    let receivedBytes = 0;
    const up = deterministicStream(SIZE);
    let sent = false;
    // End only when both directions are complete (see startHashServer).
    const maybeEnd = () => sent && receivedBytes >= SIZE && socket.end();
    const downDone = new Promise<void>((resolve) => {
      socket.on('data', (c: Buffer) => {
        received.update(c);
        receivedBytes += c.length;
        maybeEnd();
      });
      socket.on('end', resolve);
    });
    up.pipeTo(socket, () => {
      sent = true;
      maybeEnd();
    });
    await downDone;
    const atServer = await serverResult;

    expect(receivedBytes).toBe(SIZE);
    expect(received.digest('hex')).toBe(atServer.sentSha256);
    expect(atServer.bytes).toBe(SIZE);
    expect(atServer.sha256).toBe(up.sha256());

    const [record] = await tunnel.ended(1);
    // Either end may hang up first once both directions are done.
    expect(record).toMatchObject({ route: 'proxy', outcome: expect.stringMatching(/^(ok|upstream-closed-first)$/), bytesUp: SIZE, bytesDown: SIZE });
    if (proxy.kind === 'squid') expect(proxy.accessLog()).toMatch(new RegExp(`CONNECT 127\\.0\\.0\\.1:${server.port}`));
  });
});
