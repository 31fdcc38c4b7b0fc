import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cleanEnv, RunningCli, startCli } from '../support/cli';
import { freePort } from '../support/ports';
import { socks5Connect } from '../support/socks-client';
import { startEchoServer, TestServer } from '../support/servers';

jest.setTimeout(60_000);
const run = promisify(execFile);

/** curl through SOCKS5 with the name sent to ptunnel: the page, or curl's error. */
function curl(proxy: string, url: string): Promise<string> {
  return run('curl', ['-sS', '--max-time', '5', '--socks5-hostname', proxy, url]).then(
    (r) => r.stdout,
    (e: { stderr: string }) => `error: ${e.stderr}`,
  );
}

describe('SIGHUP applies a changed SOCKS or HTTP proxy listener', () => {
  let web: http.Server;
  let url: string;
  let echo: TestServer;
  let ptunnel: RunningCli | undefined;
  let file: string;
  let dir: string;
  let reloads = 0;

  const write = (socks: string) => writeFileSync(file, `mode: direct\ntunnels:\n  - 0:127.0.0.1:${echo.port}\n${socks}`);
  const reload = async (socks: string) => {
    write(socks);
    reloads++;
    ptunnel?.proc.kill('SIGHUP');
    const deadline = Date.now() + 10_000;
    while ((ptunnel?.stderr().match(/SIGHUP: configuration (reloaded|not reloaded)/g) ?? []).length < reloads) {
      if (Date.now() > deadline) throw new Error(`no reload line in:\n${ptunnel?.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  beforeAll(async () => {
    web = http.createServer((req, res) => res.end(`hello ${req.url}\n`));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    url = `http://localhost:${(web.address() as net.AddressInfo).port}`;
    echo = await startEchoServer();
    dir = mkdtempSync(join(tmpdir(), 'ptunnel-socks-reload-'));
    file = join(dir, 'ptunnel.yaml');
  });
  afterAll(async () => {
    ptunnel?.proc.kill('SIGTERM');
    await ptunnel?.exited;
    await echo.close();
    await new Promise((r) => web.close(r));
  });

  it('rebinds a changed address, keeps live SOCKS connections, turns off and on, and applies new credentials', async () => {
    const [a, b] = [await freePort(), await freePort()];
    write(`socks:\n  listen: 127.0.0.1:${a}\n`);
    ptunnel = await startCli(['-c', file], 1, cleanEnv({ XDG_RUNTIME_DIR: dir, PTUNNEL_DNS: 'system' }));
    expect(await curl(`127.0.0.1:${a}`, `${url}/a`)).toBe('hello /a\n');

    // A SOCKS connection that stays open across the reload.
    const live = await socks5Connect(a, '127.0.0.1', echo.port);

    await reload(`socks:\n  listen: 127.0.0.1:${b}\n`);
    expect(await curl(`127.0.0.1:${b}`, `${url}/b`)).toBe('hello /b\n');
    expect(await curl(`127.0.0.1:${a}`, `${url}/a`)).toMatch(/^error: .*(refused|Failed to connect|Couldn't connect)/i);
    const echoed = new Promise<string>((r) => live.once('data', (d: Buffer) => r(d.toString())));
    live.write('still open');
    expect(await echoed).toBe('still open');
    live.destroy();

    await reload('');
    expect(await curl(`127.0.0.1:${b}`, `${url}/off`)).toMatch(/^error: /);

    writeFileSync(join(dir, 'pw'), 'sesame\n');
    await reload(`socks:\n  listen: 127.0.0.1:${b}\n  user: ali\n  passwordFile: ${join(dir, 'pw')}\n`);
    expect(await curl(`127.0.0.1:${b}`, `${url}/anon`)).toMatch(/^error: /);
    expect(await curl(`ali:sesame@127.0.0.1:${b}`, `${url}/login`)).toBe('hello /login\n');
    expect(ptunnel.stderr()).not.toContain('sesame');
  });

  it('moves the HTTP proxy listener the same way, leaving the SOCKS one alone', async () => {
    ptunnel?.proc.kill('SIGTERM');
    await ptunnel?.exited;
    reloads = 0;
    const [s, h1, h2] = [await freePort(), await freePort(), await freePort()];
    const viaHttp = (port: number, path: string) =>
      run('curl', ['-sS', '--max-time', '5', '--noproxy', '', '-x', `http://127.0.0.1:${port}`, `${url}${path}`]).then(
        (r) => r.stdout,
        (e: { stderr: string }) => `error: ${e.stderr}`,
      );
    write(`socks:\n  listen: 127.0.0.1:${s}\nhttpProxy:\n  listen: 127.0.0.1:${h1}\n`);
    ptunnel = await startCli(['-c', file], 1, cleanEnv({ XDG_RUNTIME_DIR: dir, PTUNNEL_DNS: 'system' }));
    expect(await viaHttp(h1, '/h1')).toBe('hello /h1\n');
    await reload(`socks:\n  listen: 127.0.0.1:${s}\nhttpProxy:\n  listen: 127.0.0.1:${h2}\n`);
    expect(await viaHttp(h2, '/h2')).toBe('hello /h2\n');
    expect(await viaHttp(h1, '/h1')).toMatch(/^error: .*(refused|Failed to connect|Couldn't connect)/i);
    expect(await curl(`127.0.0.1:${s}`, `${url}/socks`)).toBe('hello /socks\n');
    expect(ptunnel.stderr()).toMatch(/HTTP proxy stopped listening on 127\.0\.0\.1:\d+; its open connections run on/);
  });
});
