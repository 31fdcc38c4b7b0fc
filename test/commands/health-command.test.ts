import net from 'node:net';
import { dispatch } from '../../src/cli/main';
import { freePort } from '../support/ports';
import { startService } from '../support/service';

function io(env: NodeJS.ProcessEnv = {}) {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t), env } };
}

describe('ptunnel health', () => {
  it('exits 0 while ready, 1 while draining, 1 when nothing answers', async () => {
    const svc = await startService({ flags: { tunnels: ['0:127.0.0.1:9'] } });
    const admin = svc.adminUrl.replace('http://', '');
    const ok = io();
    expect(await dispatch(['health', '--admin', admin], ok.io)).toBe(0);
    expect(ok.out.stdout).toMatch(/\/readyz: 200 ok/);
    const viaEnv = io({ PTUNNEL_ADMIN: admin.replace('127.0.0.1', '0.0.0.0') });
    expect(await dispatch(['health'], viaEnv.io)).toBe(0);

    svc.signals.emit('SIGTERM');
    await svc.exited;
    const gone = io();
    expect(await dispatch(['health', '--admin', admin], gone.io)).toBe(1);
    expect(gone.out.stderr).toMatch(/ECONNREFUSED/);
  });

  it('reports a server that does not answer in time', async () => {
    const port = await freePort();
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(port, '127.0.0.1', r));
    const slow = io();
    expect(await dispatch(['health', '--admin', `127.0.0.1:${port}`, '--timeout', '200ms'], slow.io)).toBe(1);
    expect(slow.out.stderr).toMatch(/no answer within 200ms/);
    silent.close();
  });
});
