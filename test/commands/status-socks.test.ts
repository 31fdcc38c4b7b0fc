import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, encodeGreeting, encodeRequest, Method } from '../../src/listeners/socks/codec';
import { cleanEnv, cliAsync, startCli } from '../support/cli';
import { freePort } from '../support/ports';
import { startEchoServer } from '../support/servers';
import { readReply, socks5Connect } from '../support/socks-client';

jest.setTimeout(30_000);


describe('ptunnel status lists the SOCKS listener', () => {
  it('address, auth, open connections and rejections', async () => {
    const env = cleanEnv({ XDG_RUNTIME_DIR: mkdtempSync(join(tmpdir(), 'ptunnel-xdg-')) });
    const echo = await startEchoServer();
    const socksPort = await freePort();
    const run = await startCli([`0:127.0.0.1:${echo.port}`, '--socks', `127.0.0.1:${socksPort}`], 1, env);
    const client = await socks5Connect(socksPort, '127.0.0.1', echo.port);
    const refused = net.connect(socksPort, '127.0.0.1');
    try {
      await new Promise<void>((resolve) => {
        client.once('data', () => resolve());
        client.write('hello');
      });
      refused.write(Buffer.concat([encodeGreeting([Method.none]), encodeRequest(Command.connect, { host: '169.254.169.254', port: 80 })]));
      expect((await readReply(refused, 12)).bytes[3]).toBe(2);

      const json = await cliAsync(['status', '--json'], env);
      expect(json.status).toBe(0);
      const [status] = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
      expect(status?.socks).toEqual({ listen: [`127.0.0.1:${socksPort}`], auth: false, active: 1, rejected: 1 });

      const text = await cliAsync(['status'], env);
      expect(text.stdout).toContain(`  socks: listening on 127.0.0.1:${socksPort}, auth none, 1 open, 1 rejected\n`);
    } finally {
      client.destroy();
      refused.destroy();
      run.proc.kill('SIGTERM');
      await run.exited;
      await echo.close();
    }
  });

  it('says when clients log in, and nothing of SOCKS without --socks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptunnel-xdg-'));
    const env = cleanEnv({ XDG_RUNTIME_DIR: dir });
    writeFileSync(join(dir, 'pw'), 'secret\n');
    const socksPort = await freePort();
    const run = await startCli(['0:127.0.0.1:9', '--socks', String(socksPort), '--socks-user', 'me', '--socks-password-file', join(dir, 'pw')], 1, env);
    try {
      const text = await cliAsync(['status'], env);
      expect(text.stdout).toMatch(new RegExp(`  socks: listening on 127\\.0\\.0\\.1:${socksPort}(, \\[::1\\]:${socksPort})?, auth user/password, 0 open, 0 rejected\\n`));
      expect(text.stdout).not.toContain('secret');
    } finally {
      run.proc.kill('SIGTERM');
      await run.exited;
    }
    const plain = await startCli(['0:127.0.0.1:9'], 1, env);
    try {
      const text = await cliAsync(['status'], env);
      expect(text.stdout).not.toContain('socks');
    } finally {
      plain.proc.kill('SIGTERM');
      await plain.exited;
    }
  });
});
