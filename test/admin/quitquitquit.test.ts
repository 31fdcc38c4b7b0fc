import { spawn } from 'node:child_process';
import { CLI, cleanEnv } from '../support/cli';
import { freePort } from '../support/ports';

describe('POST /quitquitquit', () => {
  it('shuts the process down gracefully with exit status 0', async () => {
    const admin = await freePort();
    const proc = spawn(process.execPath, [CLI, '--log-format', 'json', '--admin', `127.0.0.1:${admin}`, '0:127.0.0.1:9'], {
      env: cleanEnv(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let logs = '';
    proc.stderr.on('data', (c: Buffer) => (logs += c.toString()));
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    const deadline = Date.now() + 10_000;
    while (!(await fetch(`http://127.0.0.1:${admin}/startup`).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline) throw new Error(`not started: ${logs}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const res = await fetch(`http://127.0.0.1:${admin}/quitquitquit`, { method: 'POST' });
    expect(res.status).toBe(202);
    expect(await exited).toBe(0);
    expect(logs).toMatch(/POST \/quitquitquit: closing listeners/);
  });
});
