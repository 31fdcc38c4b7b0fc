import net from 'node:net';
import { pump, PumpResult } from '../../src/tunnel/pump';
import { serve } from '../support/servers';

/** A connected pair: what a client holds, and ptunnel's accepted end of it. */
async function pair(): Promise<{ user: net.Socket; accepted: net.Socket; close: () => Promise<void> }> {
  let accepted!: net.Socket;
  const got = new Promise<void>((resolve) => {
    void serve((s) => {
      accepted = s;
      resolve();
    }).then((server) => {
      const user = net.connect(server.port, '127.0.0.1');
      user.on('error', () => undefined);
      holder.user = user;
      holder.close = server.close;
    });
  });
  const holder = {} as { user: net.Socket; close: () => Promise<void> };
  await got;
  return { user: holder.user, accepted, close: () => holder.close() };
}

/**
 * An upstream reset before the pump is given it (a server that resets at once, on a loaded
 * machine): its 'error' and 'close' have already fired. The pump must end at once, with the
 * reset passed on, instead of waiting for a close that never comes.
 */
describe('the pump and an upstream already gone', () => {
  it('ends at once as upstream-reset and resets the client', async () => {
    const client = await pair();
    const server = await serve((s) => s.resetAndDestroy());
    const upstream = net.connect(server.port, '127.0.0.1');
    upstream.on('error', () => undefined);
    await new Promise<void>((resolve) => upstream.once('close', () => resolve()));
    expect(upstream.closed).toBe(true);

    const clientSaw = new Promise<string>((resolve) => {
      client.user.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      client.user.on('close', () => resolve('close'));
    });
    const result = await new Promise<PumpResult>((resolve) => pump(client.accepted, upstream, { halfCloseTimeoutMs: 0, idleTimeoutMs: 0 }, resolve));
    expect(result.outcome).toBe('upstream-reset');
    expect(await clientSaw).toBe('ECONNRESET');
    await client.close();
    await server.close();
  });
});
