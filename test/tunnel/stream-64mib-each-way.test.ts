import { startHashServer, TestServer } from '../support/servers';
import { transfer } from '../support/transfer';
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
    const r = await transfer(tunnel.port(), { server, result: serverResult });
    expect(r.receivedBytes).toBe(SIZE);
    expect(r.receivedSha256).toBe(r.atServer.sentSha256);
    expect(r.atServer.bytes).toBe(SIZE);
    expect(r.atServer.sha256).toBe(r.sentSha256);

    const [record] = await tunnel.ended(1);
    expect(record).toMatchObject({ route: 'proxy', outcome: 'ok', bytesUp: SIZE, bytesDown: SIZE });
    if (proxy.kind === 'squid') expect(proxy.accessLog()).toMatch(new RegExp(`CONNECT 127\\.0\\.0\\.1:${server.port}`));
  });
});
