import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, cliAsync, startCli } from '../support/cli';
import { startEchoServer } from '../support/servers';

jest.setTimeout(30_000);


describe('ptunnel status', () => {
  it('shows the tunnels and the live connections of a running ptunnel, with no flag and no configuration', async () => {
    const env = cleanEnv({ XDG_RUNTIME_DIR: mkdtempSync(join(tmpdir(), 'ptunnel-xdg-')) });
    const echo = await startEchoServer();
    const run = await startCli([`0:127.0.0.1:${echo.port}`], 1, env);
    const client = net.connect(run.ports[0] as number, '127.0.0.1');
    try {
      await new Promise<void>((resolve) => {
        client.once('data', () => resolve());
        client.write('hello');
      });
      const json = await cliAsync(['status', '--json'], env);
      expect(json.status).toBe(0);
      const [status] = JSON.parse(json.stdout) as Array<Record<string, unknown> & { connections: Array<Record<string, unknown>> }>;
      expect(status).toMatchObject({ pid: run.proc.pid, started: true, mode: 'direct', proxy: null });
      expect(status?.tunnels).toEqual([
        { tunnel: `0:127.0.0.1:${echo.port}`, listen: `127.0.0.1:${run.ports[0]}`, target: `127.0.0.1:${echo.port}`, route: 'direct', active: 1 },
      ]);
      expect(status?.connections).toEqual([
        expect.objectContaining({ client: `127.0.0.1:${client.localPort}`, target: `127.0.0.1:${echo.port}`, route: 'direct', bytesUp: 5, bytesDown: 5 }),
      ]);

      const text = await cliAsync(['status'], env);
      expect(text.status).toBe(0);
      expect(text.stdout).toContain(`ptunnel pid ${run.proc.pid} (`);
      expect(text.stdout).toContain(`tunnel 0:127.0.0.1:${echo.port}: listening on 127.0.0.1:${run.ports[0]} -> 127.0.0.1:${echo.port}, route direct, 1 open`);
      expect(text.stdout).toMatch(new RegExp(`connection 1: 127\\.0\\.0\\.1:${client.localPort} -> 127\\.0\\.0\\.1:${echo.port} via direct, age \\d+s, up 5 B, down 5 B`));

      const health = await cliAsync(['health'], env);
      expect([health.status, health.stdout]).toEqual([0, expect.stringMatching(/\.sock: 200 ok/)]);
    } finally {
      client.destroy();
      run.proc.kill('SIGTERM');
      await run.exited;
      await echo.close();
    }
    const none = await cliAsync(['status'], env);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/^no running ptunnel found: no control socket in \S+; start ptunnel, or give --admin ADDR:PORT/);
  });
});
