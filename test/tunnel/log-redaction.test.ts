import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli } from '../support/cli';
import { exchange } from '../support/client';
import { startFaultProxy } from '../support/fault-proxy';

describe('secrets never reach the logs', () => {
  it('keeps passwords, Proxy-Authorization and URL credentials out of every log line, at trace level too', async () => {
    const secrets = ['url-s3cret', 'file-s3cret', 'flag-s3cret'];
    const dir = mkdtempSync(join(tmpdir(), 'ptunnel-redact-'));
    writeFileSync(join(dir, 'pw'), 'file-s3cret\n');
    // Auto mode sends Basic only once asked for it: ask, then refuse what comes.
    const later: string[] = [];
    const proxy = await startFaultProxy((socket) => {
      socket.write('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\n\r\n');
      socket.once('data', (c: Buffer) => {
        later.push(c.toString('latin1'));
        socket.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      });
    });
    const runs = [
      ['-p', `http://alice:url-s3cret@127.0.0.1:${proxy.port}`],
      ['-p', `127.0.0.1:${proxy.port}`, '-U', 'bob', '--proxy-password-file', join(dir, 'pw')],
      ['-p', `127.0.0.1:${proxy.port}`, '-U', 'carol', '-P', 'flag-s3cret'],
    ];
    for (const [i, args] of runs.entries()) {
      const cli = await startCli(['-vv', '--log-format', i === 1 ? 'text' : 'json', ...(args as string[]), '0:127.0.0.1:9'], 1);
      await exchange(cli.ports[0] as number, 'x');
      await new Promise((r) => setTimeout(r, 200));
      cli.proc.kill('SIGTERM');
      await cli.exited;
      const logs = cli.stderr();
      expect(logs).toMatch(/ERR_PROXY_AUTH/);
      for (const secret of secrets) expect(logs).not.toContain(secret);
      for (const user of ['alice', 'bob', 'carol']) {
        for (const secret of secrets) expect(logs).not.toContain(Buffer.from(`${user}:${secret}`).toString('base64'));
      }
    }
    expect(later.some((r) => r.includes('Proxy-Authorization: Basic'))).toBe(true);
    await proxy.close();
  });
});
