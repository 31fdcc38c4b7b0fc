import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/ports';
import { startService } from '../support/service';

const run = promisify(execFile);
const SERVER = '127.0.98.5';

function rejected(metrics: string): number {
  const m = /^ptunnel_connections_rejected_total\{tunnel="socks",reason="destination"\} (\d+)$/m.exec(metrics);
  return m ? Number(m[1]) : 0;
}

describe('SIGHUP applies a changed --deny-dest to new SOCKS requests', () => {
  it('refuses while the entry is listed, counts it, and connects once it is gone', async () => {
    let accepted = 0;
    const web = http.createServer((req, res) => res.end('hello\n'));
    web.on('connection', () => accepted++);
    await new Promise<void>((r) => web.listen(0, SERVER, r));
    const webPort = (web.address() as net.AddressInfo).port;
    const socksPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'ptunnel-dest-reload-'));
    const file = join(dir, 'ptunnel.yaml');
    const write = (deny: string) => writeFileSync(file, `mode: direct\nsocks:\n  listen: 127.0.0.1:${socksPort}\ndenyDest: "${deny}"\ntunnels: []\n`);
    write(`${SERVER}/32`);
    const svc = await startService({ configFile: file });
    const curl = () =>
      run('curl', ['-sS', '--max-time', '10', '--socks5-hostname', `127.0.0.1:${socksPort}`, `http://${SERVER}:${webPort}/`]).then(
        (r) => r.stdout,
        (e: { stderr: string }) => e.stderr,
      );
    try {
      expect(await curl()).toMatch(/not allowed|\(2\)/);
      expect(accepted).toBe(0);
      expect(rejected((await svc.get('/metrics')).body)).toBe(1);

      write('other.example');
      svc.signals.emit('SIGHUP');
      await svc.waitForLog(/SIGHUP: configuration reloaded/);
      expect(await curl()).toBe('hello\n');
      expect(accepted).toBe(1);
      expect(rejected((await svc.get('/metrics')).body)).toBe(1);
    } finally {
      await svc.post('/quitquitquit');
      await svc.exited;
      await new Promise((r) => web.close(r));
    }
  });
});
