import { execFile } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { promisify } from 'node:util';
import { freePort } from '../support/ports';
import { RunningService, startService } from '../support/service';

const run = promisify(execFile);

function value(metrics: string, line: string): number {
  const escaped = line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(metrics);
  return m ? Number(m[1]) : 0;
}

/** /metrics counts the HTTP proxy listener's requests and refusals under its own label; names stay in the log. */
describe('HTTP proxy listener metrics', () => {
  let web: http.Server;
  let webPort: number;
  let listenPort: number;
  let svc: RunningService;

  beforeAll(async () => {
    web = http.createServer((_req, res) => res.end('ok\n'));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    webPort = (web.address() as net.AddressInfo).port;
    listenPort = await freePort();
    svc = await startService({ flags: { mode: 'direct', 'httpProxy.listen': `127.0.0.1:${listenPort}` } });
  });
  afterAll(async () => {
    svc?.signals.emit('SIGTERM');
    await svc?.exited;
    await new Promise((r) => web?.close(r));
  });

  it('counts forwarded requests, CONNECT tunnels and refusals with tunnel="http-proxy", no destination label', async () => {
    const proxy = `http://127.0.0.1:${listenPort}`;
    await run('curl', ['-sS', '--max-time', '10', '-x', proxy, `http://127.0.0.1:${webPort}/a`, `http://127.0.0.1:${webPort}/b`]);
    await run('curl', ['-sS', '--max-time', '10', '-p', '-x', proxy, `http://127.0.0.1:${webPort}/tunnelled`]);
    await run('curl', ['-sS', '--max-time', '10', `http://127.0.0.1:${listenPort}/`]);
    await svc.waitForLog(/"msg":"connection closed".*"tunnel":"http-proxy"/);
    const m = (await svc.get('/metrics')).body;
    expect(value(m, 'ptunnel_connections_total{tunnel="http-proxy",route="direct",outcome="ok"}')).toBe(3);
    expect(value(m, 'ptunnel_connections_rejected_total{tunnel="http-proxy",reason="protocol"}')).toBe(1);
    expect(m).not.toContain(`127.0.0.1:${webPort}`);
    expect(svc.logs.filter((l) => l.includes(`"target":"127.0.0.1:${webPort}"`)).length).toBe(3);
  });
});
