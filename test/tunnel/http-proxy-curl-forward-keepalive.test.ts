import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import { logged } from '../support/mail-servers';
import { HttpProxyRig, startHttpProxyRig } from '../support/http-proxy';
import type { TestProxy } from '../support/squid';
import type { RunningTunnel } from '../support/tunnel';

const run = promisify(execFile);

const SERVER = '127.0.98.4';

/*
 * curl -x http://ptunnel http://HOST:PORT/...: through squid the request goes to squid in absolute
 * form (its log shows GET http://..., no CONNECT), direct in origin form; the client's connection
 * to ptunnel is kept alive between requests.
 */
describe.each(['squid', 'direct'] as const)('HTTP proxy listener, absolute-URI requests, route %s, with curl', (route) => {
  let rig: HttpProxyRig;
  let proxy: TestProxy | undefined;
  let webPort: number;
  let listenPort: number;
  let tunnel: RunningTunnel;
  let serverConnections = 0;
  const seen: Array<{ url: string; headers: http.IncomingHttpHeaders; body: string }> = [];

  beforeAll(async () => {
    const web = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers, body });
        res.setHeader('X-Server', 'test');
        res.end(`page ${req.url} ${body.length}\n`);
      });
    });
    web.on('connection', () => (serverConnections += 1));
    rig = await startHttpProxyRig(route, web, SERVER);
    ({ proxy, webPort, listenPort, tunnel } = rig);
  });
  afterAll(() => rig?.close());

  it('two requests in one curl reuse its connection to ptunnel and reach the server with the origin-form path', async () => {
    const base = `http://${SERVER}:${webPort}`;
    const before = serverConnections;
    const { stdout, stderr } = await run('curl', ['-sS', '-v', '--max-time', '10', '-x', `http://127.0.0.1:${listenPort}`, `${base}/one?a=1`, `${base}/two`]);
    expect(stdout).toBe('page /one?a=1 0\npage /two 0\n');
    expect(stderr).toMatch(/Re-using existing connection/);
    expect(stderr).not.toMatch(/CONNECT/);
    const last = seen.slice(-2);
    expect(last.map((s) => s.url)).toEqual(['/one?a=1', '/two']);
    expect(last[0]?.headers.host).toBe(`${SERVER}:${webPort}`);
    // Direct, ptunnel keeps its upstream connection alive too: one for both requests.
    if (route === 'direct') expect(serverConnections - before).toBe(1);
    if (proxy) {
      const log = await logged(proxy.accessLog, /GET http:\/\/127\.0\.98\.4:\d+\/two/);
      // squid leaves the query out of its log (strip_query_terms).
      expect(log).toContain(`GET ${base}/one?`);
      expect(log).not.toContain('CONNECT');
    }
    const records = tunnel.records.slice(-2);
    expect(records.map((r) => r.route)).toEqual([route === 'squid' ? 'proxy' : 'direct', route === 'squid' ? 'proxy' : 'direct']);
    // One client connection: both records carry its id.
    expect(new Set(records.map((r) => r.id)).size).toBe(1);
    expect(tunnel.logs.filter((l) => l.includes('"msg":"request forwarded"') && l.includes(`"target":"${SERVER}:${webPort}"`)).length).toBeGreaterThanOrEqual(2);
  });

  it('a POST body arrives whole, and neither the client\'s Proxy-Authorization nor its hop-by-hop headers go upstream', async () => {
    const { stdout } = await run('curl', [
      '-sS', '--max-time', '10', '-x', `http://127.0.0.1:${listenPort}`,
      '-H', 'Proxy-Authorization: Basic Y2xpZW50OnNlY3JldA==',
      '-H', 'Connection: keep-alive, X-Hop', '-H', 'X-Hop: private', '-H', 'X-End: kept',
      '--data-binary', 'x'.repeat(5000), `http://${SERVER}:${webPort}/post`,
    ]);
    expect(stdout).toBe('page /post 5000\n');
    const got = seen[seen.length - 1];
    expect(got?.body).toBe('x'.repeat(5000));
    expect(got?.headers['x-end']).toBe('kept');
    expect(got?.headers['x-hop']).toBeUndefined();
    expect(got?.headers['proxy-authorization']).toBeUndefined();
  });

  it('an Upgrade request is forwarded as plain HTTP/1.1, without Upgrade and the headers Connection names', async () => {
    const { stdout } = await run('curl', [
      '-sS', '--max-time', '10', '-x', `http://127.0.0.1:${listenPort}`,
      '-H', 'Connection: Upgrade, HTTP2-Settings', '-H', 'Upgrade: h2c', '-H', 'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA',
      `http://${SERVER}:${webPort}/h2c`,
    ]);
    expect(stdout).toBe('page /h2c 0\n');
    const got = seen[seen.length - 1];
    expect(got?.url).toBe('/h2c');
    expect(got?.headers.upgrade).toBeUndefined();
    expect(got?.headers['http2-settings']).toBeUndefined();
  });

  it('a chunked request body is passed on with its length', async () => {
    const { stdout } = await run('curl', ['-sS', '--max-time', '10', '-x', `http://127.0.0.1:${listenPort}`, '-H', 'Transfer-Encoding: chunked', '--data-binary', 'y'.repeat(3000), `http://${SERVER}:${webPort}/chunked`]);
    expect(stdout).toBe('page /chunked 3000\n');
  });
});
