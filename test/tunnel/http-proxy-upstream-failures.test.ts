import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort } from '../support/ports';
import { serve, TestServer } from '../support/servers';
import { RunningTunnel, startTunnel } from '../support/tunnel';

const run = promisify(execFile);

/** curl's body and status through the listener; curl's own failure when the connection is cut. */
async function fetchVia(listenPort: number, url: string): Promise<{ body: string; status: string } | { failed: string }> {
  try {
    const { stdout } = await run('curl', ['-sS', '--max-time', '10', '-x', `http://127.0.0.1:${listenPort}`, '-w', '\n%{http_code}', url]);
    const i = stdout.lastIndexOf('\n');
    return { body: stdout.slice(0, i).replace(/\n$/, ''), status: stdout.slice(i + 1) };
  } catch (err) {
    return { failed: (err as { stderr: string }).stderr };
  }
}

/** An upstream that fails answers the client 502 or 504 with one line naming the problem; nothing crashes. */
describe('HTTP proxy listener, upstream failures', () => {
  let tunnel: RunningTunnel;
  let listenPort: number;
  let silent: TestServer;
  let hangUp: TestServer;
  let cut: TestServer;

  beforeAll(async () => {
    silent = await serve(() => undefined);
    hangUp = await serve((s) => s.once('data', () => s.destroy()));
    cut = await serve((s) =>
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\npartial');
        setTimeout(() => s.resetAndDestroy(), 50);
      }),
    );
    listenPort = await freePort();
    tunnel = await startTunnel({
      flags: { mode: 'direct', 'httpProxy.listen': `127.0.0.1:${listenPort}`, idleTimeout: '1s' },
      lookup: async (host) => {
        if (host === 'known.test') return [{ address: '127.0.0.1', family: 4 }];
        throw Object.assign(new Error(`${host}: NXDOMAIN`), { code: 'ENOTFOUND' });
      },
    });
  });
  afterAll(async () => {
    await tunnel?.close();
    await Promise.all([silent, hangUp, cut].map((s) => s?.close()));
  });

  it('a closed port: 502 naming the refused connection', async () => {
    const closed = await freePort();
    const r = await fetchVia(listenPort, `http://127.0.0.1:${closed}/`);
    expect(r).toEqual({ body: `direct connection to 127.0.0.1:${closed} failed: ECONNREFUSED`, status: '502' });
  });

  it('a name nobody knows: 502', async () => {
    const r = await fetchVia(listenPort, 'http://nowhere.test/');
    expect(r).toMatchObject({ status: '502' });
    expect((r as { body: string }).body).toMatch(/nowhere\.test/);
  });

  it('a server that never answers: 504 at the idle timeout', async () => {
    const r = await fetchVia(listenPort, `http://known.test:${silent.port}/`);
    expect(r).toEqual({ body: `known.test:${silent.port} sent no answer within 1s`, status: '504' });
  });

  it('a server that hangs up without an answer: 502', async () => {
    const r = await fetchVia(listenPort, `http://127.0.0.1:${hangUp.port}/`);
    expect(r).toMatchObject({ status: '502' });
    expect((r as { body: string }).body).not.toMatch(/\n/);
  });

  it('a server reset in the middle of the body cuts the client too, and the listener serves on', async () => {
    const r = await fetchVia(listenPort, `http://127.0.0.1:${cut.port}/`);
    expect(r).toHaveProperty('failed');
    const again = await fetchVia(listenPort, `http://127.0.0.1:${await freePort()}/`);
    expect(again).toMatchObject({ status: '502' });
  });
});

describe('HTTP proxy listener, the proxy down', () => {
  it('502 naming the proxy without its password, and the proxy marked down', async () => {
    const listenPort = await freePort();
    const proxyPort = await freePort();
    const tunnel = await startTunnel({
      flags: { mode: 'proxy', 'proxy.url': `http://alice:s3cret@127.0.0.1:${proxyPort}`, 'httpProxy.listen': `127.0.0.1:${listenPort}` },
      proxyBackoff: { minMs: 60_000, maxMs: 60_000 },
    });
    try {
      const r = await fetchVia(listenPort, 'http://example.test/');
      expect(r).toMatchObject({ status: '502' });
      expect((r as { body: string }).body).toMatch(new RegExp(`cannot connect to proxy http://alice:\\*\\*\\*@127\\.0\\.0\\.1:${proxyPort}: ECONNREFUSED`));
      expect(JSON.stringify(r)).not.toContain('s3cret');
      expect(tunnel.logs.join('')).not.toContain('s3cret');
      expect(tunnel.service.snapshot().proxy?.state).not.toBe('up');
    } finally {
      await tunnel.close();
    }
  });
});
