import { readFileSync } from 'node:fs';
import net from 'node:net';
import { cleanEnv, runCli, startCli } from '../support/cli';
import { runCliAsNobody } from '../support/cli-any-user';
import { startEchoServer } from '../support/servers';

describe('start-up and shutdown of the CLI', () => {
  it('a port in use: one line naming the port, non-zero exit, nothing left listening', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const free = await new Promise<number>((r) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => r(p));
      });
    });
    const r = runCli([`${free}:example.com:1`, `${port}:example.com:2`]);
    blocker.close();
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      `ptunnel: cannot listen on 127.0.0.1:${port}: the port is already in use (another ptunnel?); stop that program or pick another local port`,
    );
  });

  it('an address that is not ours: a clear error', () => {
    const r = runCli(['-l', '192.0.2.1', '0:example.com:1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/192\.0\.2\.1 is not an address of this machine/);
  });

  it('a privileged port without permission explains how to allow it', () => {
    // Root may bind anything; run as "nobody" to see the message users get, with a copy of the
    // CLI that nobody may read wherever the checkout is.
    const args = ['--log-format', 'text', '993:imap.gmail.com:993'];
    if (process.getuid?.() !== 0) {
      // Not root: this user is the one who gets the message.
      const own = runCli(args);
      expect(own.stderr).toMatch(/ports below 1024 need privilege/);
      return;
    }
    const r = runCliAsNobody(args, cleanEnv());
    const unprivilegedStart = Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
    if (unprivilegedStart <= 993) {
      // This machine lets everyone bind low ports; then the listener comes up instead.
      expect(r.stderr).toMatch(/listening on|already in use/);
    } else {
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/ports below 1024 need privilege.*CAP_NET_BIND_SERVICE.*ip_unprivileged_port_start=0/);
    }
  });

  it('logs "listening on" once bound, carries a connection, and exits 0 on SIGTERM', async () => {
    const server = await startEchoServer();
    const cli = await startCli([`0:127.0.0.1:${server.port}`], 1);
    const reply = await new Promise<string>((resolve) => {
      const s = net.connect(cli.ports[0] as number, '127.0.0.1', () => s.write('ping'));
      s.on('data', (d) => {
        resolve(d.toString());
        s.end();
      });
    });
    expect(reply).toBe('ping');
    await new Promise((r) => setTimeout(r, 100));
    cli.proc.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    await server.close();
    expect(cli.stderr()).toMatch(/INFO {2}connection closed id=1 .*route=direct .*bytesUp=4 bytesDown=4 outcome=ok/);
    expect(cli.stderr()).toMatch(/received SIGTERM: closing listeners, draining connections/);
  });
});

describe('a mapping that points at ptunnel itself', () => {
  it.each(['127.0.0.1', 'localhost', '[::ffff:7f00:1]'])('is refused at start-up (%s), not looped', async (host) => {
    const port = await new Promise<number>((r) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => r(p));
      });
    });
    const r = runCli([`${port}:${host}:${port}`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^ptunnel: tunnel ".*" points at ptunnel's own listener 127\\.0\\.0\\.1:${port} and would connect to itself`));
  });
});
