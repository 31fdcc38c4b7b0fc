import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli, startCli } from '../support/cli';
import { startEchoServer } from '../support/servers';

jest.setTimeout(30_000);

function runtimeDir(): string {
  return mkdtempSync(join(tmpdir(), 'ptunnel-xdg-'));
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('control socket', () => {
  it('is opened by every ptunnel, mode 0600 in a 0700 folder, one per process, removed on exit; stale ones are cleaned', async () => {
    const xdg = runtimeDir();
    const env = cleanEnv({ XDG_RUNTIME_DIR: xdg });
    const dir = join(xdg, 'ptunnel');
    const echo = await startEchoServer();
    // A socket left by a process that no longer exists.
    const a = await startCli([`0:127.0.0.1:${echo.port}`], 1, env);
    writeFileSync(join(dir, '999999999.sock'), '');
    const b = await startCli([`0:127.0.0.1:${echo.port}`], 1, env);
    try {
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      const names = readdirSync(dir).sort();
      expect(names).toEqual([`${a.proc.pid}.sock`, `${b.proc.pid}.sock`].sort());
      for (const n of names) expect(statSync(join(dir, n)).mode & 0o777).toBe(0o600);

      const status = runCli(['status', '--json'], env);
      expect(status.status).toBe(0);
      const answers = JSON.parse(status.stdout) as { pid: number; tunnels: unknown[] }[];
      expect(answers.map((x) => x.pid).sort()).toEqual([a.proc.pid, b.proc.pid].sort());
    } finally {
      a.proc.kill('SIGTERM');
      b.proc.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
      await echo.close();
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a ptunnel killed with SIGKILL leaves a socket that the next status removes', async () => {
    const xdg = runtimeDir();
    const env = cleanEnv({ XDG_RUNTIME_DIR: xdg });
    const run = await startCli(['0:127.0.0.1:9'], 1, env);
    run.proc.kill('SIGKILL');
    await run.exited;
    expect(existsSync(join(xdg, 'ptunnel', `${run.proc.pid}.sock`))).toBe(true);
    const status = runCli(['status'], env);
    expect(status.status).toBe(1);
    expect(status.stderr).toMatch(/no running ptunnel found: no control socket in .*; start ptunnel, or give --admin/);
    expect(readdirSync(join(xdg, 'ptunnel'))).toEqual([]);
  });

  it('where the socket cannot be made, ptunnel runs on and says so once', async () => {
    const file = join(runtimeDir(), 'not-a-folder');
    writeFileSync(file, '');
    const echo = await startEchoServer();
    const run = await startCli([`0:127.0.0.1:${echo.port}`], 1, cleanEnv({ XDG_RUNTIME_DIR: file }));
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const s = net.connect(run.ports[0] as number, '127.0.0.1', () => s.end('ping'));
        let got = '';
        s.on('data', (d) => (got += d.toString()));
        s.on('end', () => resolve(got));
        s.on('error', reject);
      });
      expect(reply).toBe('ping');
      await until(() => /connection closed/.test(run.stderr()));
      expect(run.stderr().match(/control socket not opened/g)).toHaveLength(1);
      expect(run.stderr()).toMatch(/control socket not opened at \S+: ENOTDIR; "ptunnel status" needs --admin ADDR:PORT here/);
    } finally {
      run.proc.kill('SIGTERM');
      await run.exited;
      await echo.close();
    }
  });
});
