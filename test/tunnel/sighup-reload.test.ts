import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { roundTrip } from '../support/client';
import { freePort } from '../support/ports';
import { connect, deterministicStream, startEchoServer } from '../support/servers';
import { startService } from '../support/service';

describe('SIGHUP reloads the config file', () => {
  it('adds and removes listeners, keeps unchanged ones and their transfers, and ignores an invalid file', async () => {
    const server = await startEchoServer();
    const [keepPort, dropPort, addPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const dir = mkdtempSync(join(tmpdir(), 'ptunnel-reload-'));
    const file = join(dir, 'ptunnel.yaml');
    const write = (ports: number[], extra = '') =>
      writeFileSync(file, `mode: direct\n${extra}tunnels:\n${ports.map((p) => `  - ${p}:127.0.0.1:${server.port}\n`).join('')}`);
    write([keepPort, dropPort]);
    const svc = await startService({ configFile: file });

    // A transfer in flight on the tunnel that stays.
    const SIZE = 8 * 1024 * 1024;
    const client = await connect(keepPort);
    const got = createHash('sha256');
    let received = 0;
    const echoed = new Promise<void>((resolve) =>
      client.on('data', (c: Buffer) => {
        got.update(c);
        received += c.length;
        if (received === SIZE) resolve();
      }),
    );
    const source = deterministicStream(SIZE, 16 * 1024);
    source.pipeTo(client, () => undefined);

    // A connection that stays open on the tunnel being removed: it must neither hold the reload
    // up (an IMAP IDLE can last hours) nor be cut.
    const lingering = await connect(dropPort);

    write([keepPort, addPort]);
    svc.signals.emit('SIGHUP');
    await svc.waitForLog(/SIGHUP: configuration reloaded \(1 kept, 1 added, 1 removed\)/);
    expect((await roundTrip(addPort, 'new')).toString()).toBe('new');
    const dropped = await new Promise<string>((resolve) => {
      const s = net.connect(dropPort, '127.0.0.1');
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      s.on('connect', () => resolve('connected'));
    });
    expect(dropped).toBe('ECONNREFUSED');
    const echoedLate = new Promise<string>((r) => lingering.once('data', (d: Buffer) => r(d.toString())));
    lingering.write('still open');
    expect(await echoedLate).toBe('still open');
    lingering.destroy();

    writeFileSync(file, 'mode: sideways\ntunnels: [nonsense]\n');
    svc.signals.emit('SIGHUP');
    await svc.waitForLog(/SIGHUP: configuration not reloaded, the running one stays: invalid mode/);
    expect((await roundTrip(keepPort, 'still here')).toString()).toBe('still here');
    expect((await roundTrip(addPort, 'me too')).toString()).toBe('me too');

    await echoed;
    client.end();
    expect(got.digest('hex')).toBe(source.sha256());
    svc.signals.emit('SIGTERM');
    expect(await svc.exited).toBe(0);
    await server.close();
  });
});
