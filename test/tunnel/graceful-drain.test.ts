import { createHash } from 'node:crypto';
import net from 'node:net';
import { connect, deterministicStream, serve, TestServer } from '../support/servers';
import { startService } from '../support/service';

/** A server that sends `size` bytes slowly-ish (with backpressure) and then ends. */
function startStreamer(size: number): Promise<TestServer & { sent: () => string }> {
  let digest = '';
  return serve((socket) => {
    socket.once('data', () => {
      const s = deterministicStream(size);
      s.pipeTo(socket, () => {
        digest = s.sha256();
        socket.end();
      });
    });
  }).then((srv) => Object.assign(srv, { sent: () => digest }));
}

describe('graceful shutdown', () => {
  it('keeps an active transfer intact until it ends, refuses new connections, and reports not ready', async () => {
    const SIZE = 32 * 1024 * 1024;
    const server = await startStreamer(SIZE);
    const svc = await startService({ flags: { shutdownTimeout: '30s', tunnels: [`0:127.0.0.1:${server.port}`] } });
    const port = svc.port();
    const client = await connect(port);
    const hash = createHash('sha256');
    let received = 0;
    const done = new Promise<void>((resolve) => client.on('end', resolve));
    // Read slowly so that the transfer is still running when the drain starts.
    client.on('data', (c: Buffer) => {
      hash.update(c);
      received += c.length;
      client.pause();
      setTimeout(() => client.resume(), 1);
    });
    client.write('go');
    await new Promise((r) => setTimeout(r, 100));

    svc.signals.emit('SIGTERM');
    await svc.waitForLog(/draining 1 connection/);
    expect((await svc.get('/readyz')).status).toBe(503);
    expect((await svc.get('/livez')).status).toBe(200);
    const refused = await new Promise<string>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      s.on('connect', () => s.on('close', () => resolve('closed')));
    });
    expect(['ECONNREFUSED', 'ECONNRESET', 'closed']).toContain(refused);
    expect(received).toBeLessThan(SIZE);

    await done;
    client.end();
    expect(await svc.exited).toBe(0);
    expect(received).toBe(SIZE);
    expect(hash.digest('hex')).toBe(server.sent());
    expect(svc.logs.join('')).toMatch(/stopped; every connection finished/);
    await server.close();
  });

  it('cuts stragglers at the shutdown timeout and still exits 0', async () => {
    const server = await serve((socket) => socket.resume()); // never ends
    const svc = await startService({ flags: { shutdownTimeout: '300ms', tunnels: [`0:127.0.0.1:${server.port}`] } });
    const client = await connect(svc.port());
    client.write('hello');
    const closed = new Promise((r) => client.on('close', r));
    client.on('end', () => client.end());
    client.resume();
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    svc.signals.emit('SIGINT');
    expect(await svc.exited).toBe(0);
    await closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(svc.logs.join('')).toMatch(/shutdown timeout reached; closing 1 connection/);
    expect(svc.logs.join('')).toMatch(/"outcome":"aborted"/);
    await server.close();
  });

  it('a second signal exits at once', async () => {
    const server = await serve((socket) => socket.resume());
    const svc = await startService({ flags: { shutdownTimeout: '60s', tunnels: [`0:127.0.0.1:${server.port}`] } });
    const client = await connect(svc.port());
    client.write('x');
    client.on('error', () => undefined);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    svc.signals.emit('SIGTERM');
    await svc.waitForLog(/draining 1 connection/);
    svc.signals.emit('SIGTERM');
    expect(await svc.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(svc.logs.join('')).toMatch(/again: exiting now/);
    client.destroy();
    await server.close();
  });
});
