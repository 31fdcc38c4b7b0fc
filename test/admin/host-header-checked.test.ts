import { EventEmitter } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runService } from '../../src/commands/run';
import { loadConfig } from '../../src/config/load';
import { silentLogger } from '../../src/log/logger';
import { TEST_ENV } from '../support/cli';
import { freePort, waitForPort } from '../support/ports';
import { startEchoServer, TestServer } from '../support/servers';

/** A request to 127.0.0.1:port that names `host` in its Host header, as a rebinding page's would. */
function get(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

async function serve(admin: string, port: number, extra: Record<string, unknown> = {}) {
  const config = loadConfig({ env: { ...TEST_ENV }, flags: { mode: 'direct', admin, tunnels: [`0:127.0.0.1:${server.port}`], ...extra } });
  const signals = new EventEmitter();
  const exited = runService({ config, logger: silentLogger, version: 'test', reloadConfig: () => config, signals });
  await waitForPort(port, 5000);
  return async () => {
    signals.emit('SIGTERM');
    await exited;
  };
}

let server: TestServer;
beforeAll(async () => (server = await startEchoServer()));
afterAll(() => server.close());

describe('the admin server checks the Host header (DNS rebinding)', () => {
  it('bound to loopback: answers loopback names only, 421 to any other name', async () => {
    const port = await freePort();
    const stop = await serve(`127.0.0.1:${port}`, port);
    try {
      for (const path of ['/status', '/metrics', '/readyz']) {
        const refused = await get(port, path, `evil.example:${port}`);
        expect(refused.status).toBe(421);
        expect(refused.body).toMatch(/^refused: Host "evil\.example:\d+" .*--admin-host/);
        expect((await get(port, path, 'evil.example')).status).toBe(421);
      }
      for (const host of [`localhost:${port}`, 'localhost', `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST.']) {
        expect([host, (await get(port, '/status', host)).status]).toEqual([host, 200]);
      }
      expect((await get(port, '/readyz', '10.1.2.3')).status).toBe(421);
    } finally {
      await stop();
    }
  });

  it('bound to a wildcard address: any IP literal (Kubernetes probes send POD_IP:PORT) and the --admin-host names', async () => {
    const port = await freePort('0.0.0.0');
    const stop = await serve(`0.0.0.0:${port}`, port, { adminHost: ['ptunnel.internal', 'ptunnel.svc.cluster.local'] });
    try {
      for (const host of [`10.1.2.3:${port}`, '10.1.2.3', `[fe80::1]:${port}`, `localhost:${port}`, `ptunnel.internal:${port}`, 'PTUNNEL.SVC.CLUSTER.LOCAL']) {
        expect([host, (await get(port, '/readyz', host)).status]).toEqual([host, 200]);
      }
      for (const path of ['/status', '/metrics', '/readyz']) {
        expect((await get(port, path, `evil.example:${port}`)).status).toBe(421);
        expect((await get(port, path, 'ptunnel.internal.evil.example')).status).toBe(421);
      }
    } finally {
      await stop();
    }
  });

  it('--admin-host comes from the flag, PTUNNEL_ADMIN_HOST (comma list) and the config file', () => {
    expect(loadConfig({ env: { ...TEST_ENV, PTUNNEL_ADMIN_HOST: 'a.example,b.example' }, flags: { admin: '0.0.0.0:9090' } }).admin).toMatchObject({
      names: ['a.example', 'b.example'],
    });
    const file = join(mkdtempSync(join(tmpdir(), 'ptunnel-admin-host-')), 'ptunnel.yaml');
    writeFileSync(file, 'admin: 0.0.0.0:9090\nadminHost: [Ptunnel.Example.]\n');
    expect(loadConfig({ env: { ...TEST_ENV }, configFile: file }).admin?.names).toEqual(['ptunnel.example']);
    expect(() => loadConfig({ env: { ...TEST_ENV }, flags: { admin: '0.0.0.0:9090', adminHost: ['evil host'] } })).toThrow(/^invalid adminHost \(--admin-host, PTUNNEL_ADMIN_HOST\): admin host "evil host" contains the illegal character " "/);
  });
});
