import net from 'node:net';
import { Command, encodeGreeting, encodeRequest, Method } from '../../src/listeners/socks/codec';
import { freePort } from '../support/ports';
import { readReply } from '../support/socks-client';
import { RunningTunnel, startTunnel } from '../support/tunnel';

/*
 * A SOCKS client refused after its request was read (here: a denied destination) that reads the
 * reply and neither closes nor sends anything more. Its socket counts against no limit once
 * refused, so ptunnel must close it itself, not wait for the client's FIN forever.
 */
describe('a SOCKS client that stays after its refusal', () => {
  let tunnel: RunningTunnel;
  let socksPort: number;
  beforeAll(async () => {
    socksPort = await freePort();
    tunnel = await startTunnel({ flags: { mode: 'direct', 'socks.listen': `127.0.0.1:${socksPort}`, denyDest: '127.0.0.9' } });
  });
  afterAll(async () => tunnel?.close());

  /** A client (half-open allowed) that asked for a denied destination and read REP 2; it stays. */
  const refusedClient = async () => {
    const socket = net.connect({ port: socksPort, host: '127.0.0.1', allowHalfOpen: true });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(encodeGreeting([Method.none]));
    await readReply(socket, 2);
    socket.write(encodeRequest(Command.connect, { host: '127.0.0.9', port: 80 }));
    const reply = await readReply(socket, 10);
    expect(reply.bytes[1]).toBe(2);
    return socket;
  };

  it('is let go of by ptunnel about a second after the refusal', async () => {
    const socket = await refusedClient();
    // ptunnel ended its side with the reply; the client keeps its own open. Once ptunnel has
    // let go of the socket, a byte from the client meets a reset: it is gone on ptunnel's side.
    await new Promise((r) => setTimeout(r, 1500));
    const closed = new Promise<boolean>((resolve) => {
      socket.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 2000);
    });
    // The first byte draws the reset, the next one meets it (EPIPE).
    socket.write('x');
    setTimeout(() => socket.write('y'), 200);
    expect(await closed).toBe(true);
  });

  it('does not hold up a shutdown', async () => {
    const socket = await refusedClient();
    const started = Date.now();
    await tunnel.close();
    expect(Date.now() - started).toBeLessThan(3000);
    socket.destroy();
  });
});
