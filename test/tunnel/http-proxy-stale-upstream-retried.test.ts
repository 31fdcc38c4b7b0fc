import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort } from '../support/ports';
import { serve, TestServer } from '../support/servers';
import { RunningTunnel, startTunnel } from '../support/tunnel';

const run = promisify(execFile);

/**
 * A server that answers the first request of each connection and resets at the second: what a
 * kept-alive upstream connection closed while idle looks like when the next request is sent.
 */
describe('HTTP proxy listener, a kept-alive upstream connection gone stale', () => {
  let server: TestServer;
  let tunnel: RunningTunnel;
  let listenPort: number;
  let answered = 0;

  beforeAll(async () => {
    server = await serve((s) => {
      let requests = 0;
      s.on('data', (d: Buffer) => {
        if (!d.toString().includes('\r\n\r\n')) return;
        requests += 1;
        if (requests > 1) return void s.resetAndDestroy();
        answered += 1;
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nok\n');
      });
    });
    listenPort = await freePort();
    tunnel = await startTunnel({ flags: { mode: 'direct', 'httpProxy.listen': `127.0.0.1:${listenPort}` } });
  });
  afterAll(async () => {
    await tunnel?.close();
    await server?.close();
  });

  it('the request is sent again on a new connection instead of failing with 502', async () => {
    const url = `http://127.0.0.1:${server.port}/`;
    const { stdout } = await run('curl', ['-sS', '--max-time', '10', '-x', `http://127.0.0.1:${listenPort}`, '-w', '%{http_code}\n', url, url]);
    expect(stdout).toBe('ok\n200\nok\n200\n');
    // The second answer came on a connection of its own.
    expect(answered).toBeGreaterThanOrEqual(2);
    expect(server.accepted()).toBeGreaterThanOrEqual(2);
  });

  it('a POST is not sent twice: the client gets the 502', async () => {
    const url = `http://127.0.0.1:${server.port}/`;
    const { stdout } = await run('curl', ['-sS', '--max-time', '10', '-x', `http://127.0.0.1:${listenPort}`, '-w', '%{http_code}\n', url, '--next', '-x', `http://127.0.0.1:${listenPort}`, '-d', 'once', '-w', '%{http_code}\n', url]);
    expect(stdout).toMatch(/^ok\n200\n.*ECONNRESET\n502\n$/);
  });
});
